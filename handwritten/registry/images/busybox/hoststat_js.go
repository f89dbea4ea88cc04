//go:build js

package busybox

import (
	"io/fs"
	"syscall"
	"time"
)

// hostStat is what the host's file system told of info's file.
func hostStat(info fs.FileInfo) (sysStat, bool) {
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return sysStat{}, false
	}
	return sysStat{
		mode: st.Mode, dev: uint64(st.Dev), ino: st.Ino, rdev: uint64(st.Rdev), nlink: uint64(st.Nlink),
		uid: st.Uid, gid: st.Gid,
		blocks: int64(st.Blocks), blksize: int64(st.Blksize),
		atime: time.Unix(st.Atime, st.AtimeNsec), mtime: time.Unix(st.Mtime, st.MtimeNsec), ctime: time.Unix(st.Ctime, st.CtimeNsec),
	}, true
}
