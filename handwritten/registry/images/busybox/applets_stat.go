package busybox

import (
	"bufio"
	"fmt"
	"hash/fnv"
	"io"
	"io/fs"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// statUsage is `stat`'s usage text (busybox has no long options for it:
// `--format` is an unrecognized option).
const statUsage = `stat [-ltf] [-c FMT] FILE...

Display file (default) or filesystem status

	-c FMT	Use the specified format
	-f	Display filesystem status
	-L	Follow links
	-t	Terse display

FMT sequences for files:
 %a	Access rights in octal
 %A	Access rights in human readable form
 %b	Number of blocks allocated (see %B)
 %B	Size in bytes of each block reported by %b
 %d	Device number in decimal
 %D	Device number in hex
 %f	Raw mode in hex
 %F	File type
 %g	Group ID
 %G	Group name
 %h	Number of hard links
 %i	Inode number
 %n	File name
 %N	File name, with -> TARGET if symlink
 %o	I/O block size
 %s	Total size in bytes
 %t	Major device type in hex
 %T	Minor device type in hex
 %u	User ID
 %U	User name
 %x	Time of last access
 %X	Time of last access as seconds since Epoch
 %y	Time of last modification
 %Y	Time of last modification as seconds since Epoch
 %z	Time of last change
 %Z	Time of last change as seconds since Epoch

FMT sequences for file systems:
 %a	Free blocks available to non-superuser
 %b	Total data blocks
 %c	Total file nodes
 %d	Free file nodes
 %f	Free blocks
 %i	File System ID in hex
 %l	Maximum length of filenames
 %n	File name
 %s	Block size (for faster transfer)
 %S	Fundamental block size (for block counts)
 %t	Type in hex
 %T	Type in human readable form`

// The formats busybox prints without -c (print_it ends each with a
// newline).
const (
	statDefault = "  File: %N\n" +
		"  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n" +
		"Device: %Dh/%dd\tInode: %-10i  Links: %h\n" +
		"Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n" +
		"Access: %x\n" + "Modify: %y\n" + "Change: %z"
	statDefaultDevice = "  File: %N\n" +
		"  Size: %-10s\tBlocks: %-10b IO Block: %-6o %F\n" +
		"Device: %Dh/%dd\tInode: %-10i  Links: %-5h Device type: %t,%T\n" +
		"Access: (%04a/%10.10A)  Uid: (%5u/%8U)   Gid: (%5g/%8G)\n" +
		"Access: %x\n" + "Modify: %y\n" + "Change: %z"
	statTerse = "%n %s %b %f %u %g %D %i %h %t %T %X %Y %Z %o"
)

// Linux's st_mode file types.
const (
	sIFMT   = 0o170000
	sIFSOCK = 0o140000
	sIFLNK  = 0o120000
	sIFREG  = 0o100000
	sIFBLK  = 0o060000
	sIFDIR  = 0o040000
	sIFCHR  = 0o020000
	sIFIFO  = 0o010000
)

// statFile is what stat(2) tells of a file.
type statFile struct {
	name                string // as given
	path                string // container path
	mode                uint32 // st_mode
	size                int64
	blocks, blksize     int64
	dev, ino, rdev      uint64
	nlink               uint64
	uid, gid            uint32
	atime, mtime, ctime time.Time
}

// sysStat is the part of a stat(2) result that fs.FileInfo lacks; the
// host's (Sys) when the file system has one.
type sysStat struct {
	mode                uint32
	dev, ino, rdev      uint64
	nlink               uint64
	uid, gid            uint32
	blocks, blksize     int64
	atime, mtime, ctime time.Time
}

// The devices of a container's /dev (major, minor, inode in its tmpfs),
// for file systems that do not tell.
var devNumbers = map[string][3]uint64{
	"/dev/null":    {1, 3, 4},
	"/dev/zero":    {1, 5, 5},
	"/dev/full":    {1, 7, 6},
	"/dev/random":  {1, 8, 7},
	"/dev/urandom": {1, 9, 8},
	"/dev/tty":     {5, 0, 9},
}

// newStatFile makes the stat(2) result of the container path name from
// info. Owner, device, inode, link count, blocks and times are the host's
// when its file system reports them (the runtime makes what a container's
// processes create belong to its user); otherwise files belong to root.
func newStatFile(arg, name string, info fs.FileInfo) *statFile {
	s := &statFile{name: arg, path: name, size: info.Size(), mode: unixMode(info.Mode())}
	if sys, ok := hostStat(info); ok {
		s.mode, s.dev, s.ino, s.rdev, s.nlink = sys.mode, sys.dev, sys.ino, sys.rdev, sys.nlink
		s.uid, s.gid = sys.uid, sys.gid
		s.blocks, s.blksize = sys.blocks, sys.blksize
		s.atime, s.mtime, s.ctime = sys.atime, sys.mtime, sys.ctime
		return s
	}
	s.blksize, s.nlink = 4096, 1
	h := fnv.New32a()
	io.WriteString(h, name)
	s.ino = uint64(h.Sum32())
	switch s.mode & sIFMT {
	case sIFDIR:
		s.nlink = 2
		s.blocks = (s.size + 4095) / 4096 * 8
	case sIFREG:
		s.blocks = (s.size + 4095) / 4096 * 8
	case sIFCHR, sIFBLK:
		s.dev = 5 // /dev is a tmpfs
		if n, ok := devNumbers[name]; ok {
			s.rdev, s.ino = mkdev(n[0], n[1]), n[2]
		}
	}
	t := info.ModTime()
	if t.IsZero() {
		t = time.Now()
	}
	s.atime, s.mtime, s.ctime = t, t, t
	return s
}

// unixMode is st_mode for an fs.FileMode.
func unixMode(m fs.FileMode) uint32 {
	mode := uint32(unixPerm(m))
	switch {
	case m.IsDir():
		mode |= sIFDIR
	case m&fs.ModeSymlink != 0:
		mode |= sIFLNK
	case m&fs.ModeNamedPipe != 0:
		mode |= sIFIFO
	case m&fs.ModeSocket != 0:
		mode |= sIFSOCK
	case m&fs.ModeCharDevice != 0:
		mode |= sIFCHR
	case m&fs.ModeDevice != 0:
		mode |= sIFBLK
	default:
		mode |= sIFREG
	}
	return mode
}

// Linux's device number encoding (glibc's makedev, major and minor).
func mkdev(major, minor uint64) uint64 {
	return (minor & 0xff) | (major&0xfff)<<8 | (minor&^0xff)<<12 | (major&^0xfff)<<32
}
func devMajor(dev uint64) uint64 { return (dev>>8)&0xfff | (dev>>32)&^0xfff }
func devMinor(dev uint64) uint64 { return dev&0xff | (dev>>12)&^0xff }

// fileType is %F.
func (s *statFile) fileType() string {
	switch s.mode & sIFMT {
	case sIFREG:
		if s.size == 0 {
			return "regular empty file"
		}
		return "regular file"
	case sIFDIR:
		return "directory"
	case sIFBLK:
		return "block special file"
	case sIFCHR:
		return "character special file"
	case sIFIFO:
		return "fifo"
	case sIFLNK:
		return "symbolic link"
	case sIFSOCK:
		return "socket"
	}
	return "weird file"
}

// modeString is %A: ls's mode column from st_mode, with set-id and
// sticky bits.
func (s *statFile) modeString() string {
	b := []byte("?rwxrwxrwx")
	switch s.mode & sIFMT {
	case sIFREG:
		b[0] = '-'
	case sIFDIR:
		b[0] = 'd'
	case sIFLNK:
		b[0] = 'l'
	case sIFCHR:
		b[0] = 'c'
	case sIFBLK:
		b[0] = 'b'
	case sIFIFO:
		b[0] = 'p'
	case sIFSOCK:
		b[0] = 's'
	}
	for i := 0; i < 9; i++ {
		if s.mode&(1<<uint(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	special := func(i int, bit uint32, set, unset byte) {
		if s.mode&bit == 0 {
			return
		}
		if b[i] == '-' {
			b[i] = unset
		} else {
			b[i] = set
		}
	}
	special(3, 0o4000, 's', 'S')
	special(6, 0o2000, 's', 'S')
	special(9, 0o1000, 't', 'T')
	return string(b)
}

// statTime is %x, %y and %z: local time (a container's is UTC) with
// nanoseconds.
func statTime(t time.Time) string {
	return t.UTC().Format("2006-01-02 15:04:05.000000000 -0700")
}

// idName is the name of id in the container's /etc/passwd (or /etc/group),
// or UNKNOWN, as getpwuid finds it.
func idName(p *registry.Process, file string, id uint32) string {
	if p.FS != nil {
		if b, err := p.FS.ReadFile(file); err == nil {
			want := strconv.FormatUint(uint64(id), 10)
			for _, line := range strings.Split(string(b), "\n") {
				f := strings.Split(line, ":")
				if len(f) >= 3 && f[2] == want {
					return f[0]
				}
			}
		}
	}
	return "UNKNOWN"
}

func stat(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) == 1 && args[0] == "--help" {
		// Busybox's --help: the usage on stderr, exit status 0.
		usage(p, statUsage)
		return 0
	}
	// getopt with GNU argument permutation: options may follow files.
	var format string
	var haveFormat, follow, terse, filesystem bool
	var files []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
			continue
		case strings.HasPrefix(a, "--"):
			fmt.Fprintf(stderr(p), "stat: unrecognized option '%s'\n", a)
			return usage(p, statUsage)
		case len(a) < 2 || a[0] != '-':
			files = append(files, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			switch a[j] {
			case 'L':
				follow = true
			case 't':
				terse = true
			case 'f':
				filesystem = true
			case 'c':
				switch {
				case j+1 < len(a):
					format = a[j+1:]
				case i+1 < len(args):
					i++
					format = args[i]
				default:
					fmt.Fprintf(stderr(p), "stat: option requires an argument -- 'c'\n")
					return usage(p, statUsage)
				}
				haveFormat = true
				j = len(a)
			default:
				fmt.Fprintf(stderr(p), "stat: invalid option -- '%c'\n", a[j])
				return usage(p, statUsage)
			}
		}
	}
	if len(files) == 0 {
		return usage(p, statUsage)
	}
	out := bufio.NewWriter(stdout(p))
	defer out.Flush()
	status := 0
	for _, arg := range files {
		name := p.Path(arg)
		if filesystem {
			// No statfs(2) here: say so rather than invent figures.
			out.Flush()
			status = fail(p, "stat", "can't read file system information for '%s': Function not implemented", arg)
			continue
		}
		var info fs.FileInfo
		var err error
		switch {
		case p.FS == nil:
			err = registry.ENOENT
		case arg == "":
			err = registry.ENOENT
		case follow:
			info, err = p.FS.Stat(name)
		default:
			info, err = p.FS.Lstat(name)
		}
		if err != nil {
			out.Flush()
			status = fail(p, "stat", "can't stat '%s': %s", arg, registry.Strerror(err))
			continue
		}
		s := newStatFile(arg, name, info)
		f := format
		if !haveFormat {
			switch {
			case terse:
				f = statTerse
			case s.mode&sIFMT == sIFCHR || s.mode&sIFMT == sIFBLK:
				f = statDefaultDevice
			default:
				f = statDefault
			}
		}
		if !printStat(p, out, f, s) {
			status = 1
		}
	}
	return status
}

// printStat prints s in format as busybox's print_it does: each
// %[modifiers]X as printf would print the field with those modifiers, a
// lone or doubled % as %, and a newline after the format unless it ends
// in %. False when a link could not be read.
func printStat(p *registry.Process, w *bufio.Writer, format string, s *statFile) bool {
	ok := true
	b := format
	for {
		i := strings.IndexByte(b, '%')
		if i < 0 {
			w.WriteString(b)
			w.WriteByte('\n')
			return ok
		}
		w.WriteString(b[:i])
		rest := b[i+1:]
		n := 0
		for n < len(rest) && strings.IndexByte("#-+.I 0123456789", rest[n]) >= 0 {
			n++
		}
		mods := rest[:n]
		if n == len(rest) {
			w.WriteByte('%')
			return ok
		}
		verb := rest[n]
		b = rest[n+1:]
		if verb == '%' {
			w.WriteByte('%')
			continue
		}
		if !s.field(p, w, mods, verb) {
			ok = false
		}
	}
}

// field prints one % sequence of stat -c.
func (s *statFile) field(p *registry.Process, w *bufio.Writer, mods string, verb byte) bool {
	str := func(v string) { w.WriteString(cprintf(mods, "s", v)) }
	num := func(conv string, v uint64) { w.WriteString(cprintf(mods, conv, v)) }
	secs := func(t time.Time) { w.WriteString(cprintf(mods, "ld", t.Unix())) }
	switch verb {
	case 'n':
		str(s.name)
	case 'N':
		if s.mode&sIFMT != sIFLNK {
			str(s.name)
			break
		}
		target, err := p.FS.Readlink(s.path)
		if err != nil {
			w.Flush()
			fail(p, "stat", "%s: cannot read link: %s", s.name, registry.Strerror(err))
			return false
		}
		fmt.Fprintf(w, "'%s' -> '%s'", s.name, target)
	case 'd':
		num("llu", s.dev)
	case 'D':
		num("llx", s.dev)
	case 'i':
		num("llu", s.ino)
	case 'a':
		num("lo", uint64(s.mode&0o7777))
	case 'A':
		str(s.modeString())
	case 'f':
		num("lx", uint64(s.mode))
	case 'F':
		str(s.fileType())
	case 'h':
		num("lu", s.nlink)
	case 'u':
		num("lu", uint64(s.uid))
	case 'U':
		str(idName(p, "/etc/passwd", s.uid))
	case 'g':
		num("lu", uint64(s.gid))
	case 'G':
		str(idName(p, "/etc/group", s.gid))
	case 't':
		num("lx", devMajor(s.rdev))
	case 'T':
		num("lx", devMinor(s.rdev))
	case 's':
		num("llu", uint64(s.size))
	case 'B':
		num("lu", 512)
	case 'b':
		num("llu", uint64(s.blocks))
	case 'o':
		num("lu", uint64(s.blksize))
	case 'x':
		str(statTime(s.atime))
	case 'X':
		secs(s.atime)
	case 'y':
		str(statTime(s.mtime))
	case 'Y':
		secs(s.mtime)
	case 'z':
		str(statTime(s.ctime))
	case 'Z':
		secs(s.ctime)
	default:
		w.WriteString(cprintf(mods, "c", verb))
	}
	return true
}

// cprintf is C's printf("%" + mods + conv, v) for the conversions stat
// uses: s, c, ld, and lu, llu, lo, lx, llx (unsigned). mods are flags
// (-+ #0I), a width and a precision; any other arrangement is not a
// conversion, and glibc prints it as it is.
func cprintf(mods, conv string, v any) string {
	var minus, plus, space, alt, zero bool
	i := 0
flags:
	for ; i < len(mods); i++ {
		switch mods[i] {
		case '-':
			minus = true
		case '+':
			plus = true
		case ' ':
			space = true
		case '#':
			alt = true
		case '0':
			zero = true
		case 'I':
		default:
			break flags
		}
	}
	width, prec := 0, -1
	for ; i < len(mods) && mods[i] >= '0' && mods[i] <= '9'; i++ {
		width = width*10 + int(mods[i]-'0')
	}
	if i < len(mods) && mods[i] == '.' {
		prec = 0
		for i++; i < len(mods) && mods[i] >= '0' && mods[i] <= '9'; i++ {
			prec = prec*10 + int(mods[i]-'0')
		}
	}
	if i < len(mods) {
		return "%" + mods + conv
	}

	var prefix, digits string
	numeric := true
	switch x := v.(type) {
	case string:
		numeric = false
		digits = x
		if prec >= 0 && prec < len(digits) {
			digits = digits[:prec]
		}
	case byte:
		numeric = false
		digits = string([]byte{x})
	case int64:
		u := uint64(x)
		switch {
		case x < 0:
			prefix, u = "-", uint64(-x)
		case plus:
			prefix = "+"
		case space:
			prefix = " "
		}
		digits = cdigits(u, 10, prec)
	case uint64:
		switch conv[len(conv)-1] {
		case 'o':
			digits = cdigits(x, 8, prec)
			if alt && !strings.HasPrefix(digits, "0") {
				digits = "0" + digits
			}
		case 'x':
			digits = cdigits(x, 16, prec)
			if alt && x != 0 {
				prefix = "0x"
			}
		default:
			digits = cdigits(x, 10, prec)
		}
	}
	pad := width - len(prefix) - len(digits)
	switch {
	case pad <= 0:
		return prefix + digits
	case minus:
		return prefix + digits + strings.Repeat(" ", pad)
	case zero && numeric && prec < 0:
		return prefix + strings.Repeat("0", pad) + digits
	default:
		return strings.Repeat(" ", pad) + prefix + digits
	}
}

// cdigits is u in base with at least prec digits (none for 0 with
// precision 0), as printf prints an integer.
func cdigits(u uint64, base, prec int) string {
	if prec == 0 && u == 0 {
		return ""
	}
	d := strconv.FormatUint(u, base)
	if len(d) < prec {
		d = strings.Repeat("0", prec-len(d)) + d
	}
	return d
}
