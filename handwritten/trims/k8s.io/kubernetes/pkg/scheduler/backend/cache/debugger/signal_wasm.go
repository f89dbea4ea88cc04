package debugger

import "os"

// compareSignal is os.Interrupt on wasm, as on Windows: js/wasm has no SIGUSR2.
var compareSignal = os.Interrupt
