package busybox

import "github.com/webernetes/webernetes/handwritten/registry"

// fileApplets are busybox's file and data applets (find, ln, chmod, checksums, dumps, ...).
var fileApplets = map[string]registry.Program{}
