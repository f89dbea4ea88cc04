//go:build !linux && !js

package busybox

import "io/fs"

// hostStat reports nothing where the host's stat(2) is not Linux's: stat
// then derives what it prints from info.
func hostStat(fs.FileInfo) (sysStat, bool) { return sysStat{}, false }
