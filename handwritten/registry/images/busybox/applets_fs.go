package busybox

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"fmt"
	"hash"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// fileApplets are busybox's file and data applets (find, ln, chmod, checksums, dumps, ...).
var fileApplets = map[string]registry.Program{
	"base64":    base64Applet,
	"md5sum":    digestApplet("md5sum", md5.New),
	"sha1sum":   digestApplet("sha1sum", sha1.New),
	"sha256sum": digestApplet("sha256sum", sha256.New),
	"sha512sum": digestApplet("sha512sum", sha512.New),
	"sha3sum":   digestApplet("sha3sum", func() hash.Hash { return sha3.New224() }),
	"crc32":     crc32Applet,
	"uuencode":  uuencode,
	"uudecode":  uudecode,
	"od":        od,
	"hexdump":   hexdump,
	"xxd":       xxd,
	"find":      find,
	"readlink":  readlink,
	"realpath":  realpath,
	"unlink":    unlink,
	"mktemp":    mktemp,
	"truncate":  truncate,
	"sync":      syncApplet,
	"shred":     shred,
	"du":        du,
}

// options parses an applet's leading options as flags does and fails as
// busybox's getopt does: the first option not in allowed is an invalid
// option, one of withArg without its argument a missing argument, each
// followed by the applet's usage text. ok is false after such a
// failure (exit status 1).
func options(p *registry.Process, applet, allowed, withArg, text string) (set map[byte]string, operands []string, ok bool) {
	for k := 1; k < len(p.Args); k++ {
		a := p.Args[k]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			break
		}
		stop := false
		for i := 1; i < len(a) && !stop; i++ {
			switch {
			case strings.IndexByte(withArg, a[i]) >= 0:
				stop = true
				if i == len(a)-1 {
					k++ // the argument is the next word
				}
			case strings.IndexByte(allowed, a[i]) < 0:
				fmt.Fprintf(stderr(p), "%s: invalid option -- '%c'\n", applet, a[i])
				usage(p, text)
				return nil, nil, false
			}
		}
	}
	set, operands, bad := flags(p.Args[1:], withArg)
	if bad != 0 {
		fmt.Fprintf(stderr(p), "%s: option requires an argument -- '%c'\n", applet, bad)
		usage(p, text)
		return nil, nil, false
	}
	return set, operands, true
}
