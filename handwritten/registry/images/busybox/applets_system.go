package busybox

import "github.com/webernetes/webernetes/handwritten/registry"

// systemApplets are busybox's process and system applets (ps, free, uptime, ...).
var systemApplets = map[string]registry.Program{}
