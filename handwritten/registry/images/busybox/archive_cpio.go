package busybox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const cpioUsage = "cpio [-dmvu] [-F FILE] [-R USER[:GRP]] [-H newc] [-tio] [EXTR_FILE]..."

// Unix file types in a cpio header's mode.
const (
	cpioIFMT  = 0o170000
	cpioIFDIR = 0o040000
	cpioIFREG = 0o100000
	cpioIFLNK = 0o120000
)

// cpioApplet is busybox's cpio with the newc format: -o archives the
// files named on stdin, -t lists, -i extracts.
func cpioApplet(p *registry.Process) int {
	set, members, bad := flags(p.Args[1:], "FHR")
	if bad != 0 {
		return usage(p, cpioUsage)
	}
	for f := range set {
		if !strings.ContainsRune("dmvutioFHRL0", rune(f)) {
			fmt.Fprintf(stderr(p), "cpio: invalid option -- '%c'\n", f)
			return usage(p, cpioUsage)
		}
	}
	if p.FS == nil {
		return fail(p, "cpio", "no file system")
	}
	switch {
	case has(set, 'o'):
		if set['H'] != "newc" {
			return usage(p, cpioUsage)
		}
		return cpioCreate(p, set)
	case has(set, 't'), has(set, 'i'):
		return cpioExtract(p, set, members)
	}
	return usage(p, cpioUsage)
}

func cpioCreate(p *registry.Process, set map[byte]string) int {
	var out io.Writer = stdout(p)
	if name, ok := set['F']; ok {
		f, err := p.FS.OpenFile(p.Path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return fail(p, "cpio", "can't open '%s': %s", name, registry.Strerror(err))
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	var written int64
	ino := 0
	entry := func(name string, mode int64, size int64, mtime time.Time, nlink int, data []byte) {
		ino++
		hdr := fmt.Sprintf("070701%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X%08X",
			ino, mode, 0, 0, nlink, mtime.Unix(), size, 0, 0, 0, 0, len(name)+1, 0)
		w.WriteString(hdr)
		w.WriteString(name)
		w.WriteByte(0)
		n := int64(len(hdr) + len(name) + 1)
		for ; n%4 != 0; n++ {
			w.WriteByte(0)
		}
		w.Write(data)
		n += int64(len(data))
		for ; n%4 != 0; n++ {
			w.WriteByte(0)
		}
		written += n
	}
	sep := byte('\n')
	if has(set, '0') {
		sep = 0
	}
	in := bufio.NewReader(stdin(p))
	for {
		line, err := in.ReadString(sep)
		name := strings.TrimSuffix(line, string(sep))
		if name != "" {
			full := p.Path(name)
			var info fs.FileInfo
			var serr error
			if has(set, 'L') {
				info, serr = p.FS.Stat(full)
			} else {
				info, serr = p.FS.Lstat(full)
			}
			if serr != nil {
				w.Flush()
				return fail(p, "cpio", "%s: %s", name, registry.Strerror(serr))
			}
			perm := unixPerm(info.Mode())
			switch m := info.Mode(); {
			case m.IsDir():
				entry(name, cpioIFDIR|perm, 0, info.ModTime(), 2, nil)
			case m&fs.ModeSymlink != 0:
				target, err := p.FS.Readlink(full)
				if err != nil {
					w.Flush()
					return fail(p, "cpio", "%s: %s", name, registry.Strerror(err))
				}
				entry(name, cpioIFLNK|perm, int64(len(target)), info.ModTime(), 1, []byte(target))
			default:
				data, err := p.FS.ReadFile(full)
				if err != nil {
					w.Flush()
					return fail(p, "cpio", "%s: %s", name, registry.Strerror(err))
				}
				entry(name, cpioIFREG|perm, int64(len(data)), info.ModTime(), 1, data)
			}
		}
		if err != nil {
			break
		}
	}
	entry("TRAILER!!!", 0, 0, time.Unix(0, 0), 1, nil)
	ino = 0
	for ; written%512 != 0; written++ {
		w.WriteByte(0)
	}
	if err := w.Flush(); err != nil {
		if brokenPipe(err) {
			return 141
		}
		return fail(p, "cpio", "write error: %s", registry.Strerror(err))
	}
	return 0
}

type cpioHeader struct {
	name             string
	mode, uid, gid   int64
	mtime, size      int64
	nlink            int64
	target           string
	headerAndNameLen int64
}

// readCpioHeader reads a newc header and its name (padded).
func readCpioHeader(r *bufio.Reader, offset *int64) (*cpioHeader, error) {
	buf := make([]byte, 110)
	n, err := io.ReadFull(r, buf)
	if n == 0 && err == io.EOF {
		return nil, io.EOF
	}
	if err != nil {
		return nil, errShortRead
	}
	if string(buf[:6]) != "070701" && string(buf[:6]) != "070702" {
		return nil, errors.New("unsupported cpio format, use newc or crc")
	}
	field := func(i int) int64 {
		v, _ := strconv.ParseInt(string(buf[6+8*i:14+8*i]), 16, 64)
		return v
	}
	h := &cpioHeader{mode: field(1), uid: field(2), gid: field(3), nlink: field(4), mtime: field(5), size: field(6)}
	nameLen := field(11)
	total := 110 + nameLen
	for total%4 != 0 {
		total++
	}
	name := make([]byte, total-110)
	if _, err := io.ReadFull(r, name); err != nil {
		return nil, errShortRead
	}
	if nameLen > 0 {
		h.name = string(name[:nameLen-1])
	}
	*offset += total
	return h, nil
}

func cpioExtract(p *registry.Process, set map[byte]string, members []string) int {
	var in io.Reader = stdin(p)
	if name, ok := set['F']; ok {
		f, err := p.FS.Open(p.Path(name))
		if err != nil {
			return fail(p, "cpio", "can't open '%s': %s", name, registry.Strerror(err))
		}
		defer f.Close()
		in = f
	}
	r := bufio.NewReader(killableReader{p, in})
	out := bufio.NewWriter(stdout(p))
	defer out.Flush()
	list, verbose := has(set, 't'), has(set, 'v')
	var offset int64
	for {
		h, err := readCpioHeader(r, &offset)
		if err == io.EOF {
			return 0
		}
		if err != nil {
			out.Flush()
			if errors.Is(err, errKilled) {
				return 137
			}
			return fail(p, "cpio", "%s", err.Error())
		}
		padded := h.size
		for (offset+padded)%4 != 0 {
			padded++
		}
		data := make([]byte, padded)
		if _, err := io.ReadFull(r, data); err != nil {
			out.Flush()
			return fail(p, "cpio", "short read")
		}
		offset += padded
		data = data[:h.size]
		if h.name == "TRAILER!!!" {
			out.Flush()
			fmt.Fprintf(stderr(p), "%d blocks\n", (offset+511)>>9)
			return 0
		}
		if len(members) > 0 {
			match := false
			for _, m := range members {
				if ok, _ := path.Match(m, h.name); ok {
					match = true
				}
			}
			if !match {
				continue
			}
		}
		if list {
			if verbose {
				kind := byte('-')
				switch h.mode & cpioIFMT {
				case cpioIFDIR:
					kind = 'd'
				case cpioIFLNK:
					kind = 'l'
				}
				t := time.Unix(h.mtime, 0).UTC()
				fmt.Fprintf(out, "%s %d/%d %9d %4d-%02d-%02d %02d:%02d:%02d %s", modeString(kind, h.mode&0o7777), h.uid, h.gid,
					h.size, t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), h.name)
				if kind == 'l' {
					fmt.Fprintf(out, " -> %s", data)
				}
				fmt.Fprintln(out)
			} else {
				fmt.Fprintln(out, h.name)
			}
			continue
		}
		if verbose {
			fmt.Fprintln(out, h.name)
		}
		if code := cpioExtractOne(p, set, h, data); code != 0 {
			return code
		}
	}
}

func cpioExtractOne(p *registry.Process, set map[byte]string, h *cpioHeader, data []byte) int {
	full := p.Path(h.name)
	if has(set, 'd') {
		p.FS.MkdirAll(path.Dir(full), 0o777&^umask)
	}
	perm := goPerm(h.mode & 0o7777)
	if h.mode&cpioIFMT == cpioIFDIR {
		if info, err := p.FS.Stat(full); err == nil && info.IsDir() {
			return 0
		}
		if err := p.FS.MkdirAll(full, perm); err != nil {
			return fail(p, "cpio", "can't make dir %s: %s", h.name, registry.Strerror(err))
		}
		fsChmod(p.FS, full, perm)
		return 0
	}
	if info, err := p.FS.Lstat(full); err == nil {
		if !has(set, 'u') && info.ModTime().Unix() >= h.mtime {
			fmt.Fprintf(stderr(p), "cpio: %s not created: newer or same age file exists\n", h.name)
			return 0
		}
		p.FS.Remove(full)
	}
	if h.mode&cpioIFMT == cpioIFLNK {
		if err := fsSymlink(p.FS, string(data), full); err != nil {
			return fail(p, "cpio", "can't create symlink '%s' to '%s': %s", h.name, data, registry.Strerror(err))
		}
		return 0
	}
	f, err := p.FS.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm.Perm())
	if err != nil {
		return fail(p, "cpio", "can't open '%s': %s", h.name, registry.Strerror(err))
	}
	_, err = f.Write(data)
	f.Close()
	if err != nil {
		return fail(p, "cpio", "write error: %s", registry.Strerror(err))
	}
	fsChmod(p.FS, full, perm)
	if has(set, 'm') {
		fsChtimes(p.FS, full, time.Unix(h.mtime, 0))
	}
	return 0
}
