package term

import (
	"github.com/moby/term"
	"k8s.io/apimachinery/pkg/util/runtime"
)

// monitorResizeEvents sends the terminal's size each time it changes. A
// browser has no SIGWINCH (js/wasm does not define it); the terminals there
// are those a page draws, which say when the page resizes them
// (moby/term's PageTerminal), as the kernel signals a tty's resize.
func monitorResizeEvents(fd uintptr, resizeEvents chan<- TerminalSize, stop chan struct{}) {
	resized, ok := term.PageTerminalResized(fd)
	if !ok {
		return
	}
	go func() {
		defer runtime.HandleCrash()

		for {
			select {
			case <-resized:
				size := GetSize(fd)
				if size == nil {
					return
				}

				// try to send size
				select {
				case resizeEvents <- *size:
					// success
				default:
					// not sent
				}
			case <-stop:
				return
			}
		}
	}()
}
