//go:build linux

package busybox

import (
	"io/fs"
	"syscall"
	"time"
)

// hostStat is what the host's stat(2) told of info's file.
func hostStat(info fs.FileInfo) (sysStat, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return sysStat{}, false
	}
	return sysStat{
		mode: st.Mode, dev: uint64(st.Dev), ino: st.Ino, rdev: uint64(st.Rdev), nlink: uint64(st.Nlink),
		uid: st.Uid, gid: st.Gid,
		blocks: st.Blocks, blksize: int64(st.Blksize),
		atime: time.Unix(st.Atim.Unix()), mtime: time.Unix(st.Mtim.Unix()), ctime: time.Unix(st.Ctim.Unix()),
	}, true
}
