package busybox

import "github.com/webernetes/webernetes/handwritten/registry"

// archiveApplets are busybox's archives and compression (tar, gzip, ...).
var archiveApplets = map[string]registry.Program{}
