package interrupt

import (
	"os"
	"syscall"
)

// terminationSignals on wasm: the signals js/wasm defines (it has no SIGHUP).
var terminationSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGQUIT}
