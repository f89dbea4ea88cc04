package term

// monitorResizeEvents does nothing on wasm: a browser has no terminal, so no
// SIGWINCH ever arrives (js/wasm does not define it).
func monitorResizeEvents(fd uintptr, resizeEvents chan<- TerminalSize, stop chan struct{}) {}
