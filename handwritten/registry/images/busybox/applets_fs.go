package busybox

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha3"
	"crypto/sha512"
	"hash"

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
	"df":        df,
}
