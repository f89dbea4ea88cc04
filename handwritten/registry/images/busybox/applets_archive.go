package busybox

import (
	"archive/tar"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
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

// archiveApplets are busybox's archives and compression (tar, gzip, ...).
var archiveApplets = map[string]registry.Program{
	"tar":     tarApplet,
	"gzip":    gzipApplet,
	"gunzip":  gunzipApplet,
	"zcat":    zcatApplet,
	"bunzip2": bunzip2Applet,
	"bzcat":   bzcatApplet,
	"unzip":   unzipApplet,
	"cpio":    cpioApplet,
}

// What a file system may do besides registry.FileSystem (containerfs
// does): archives restore links, modes and times with them, and do
// without where a file system cannot.
type (
	symlinker interface {
		Symlink(target, name string) error
	}
	chmoder interface {
		Chmod(name string, mode fs.FileMode) error
	}
	chtimeser interface {
		Chtimes(name string, atime, mtime time.Time) error
	}
)

func fsSymlink(fsys registry.FileSystem, target, name string) error {
	if s, ok := fsys.(symlinker); ok {
		return s.Symlink(target, name)
	}
	return &fs.PathError{Op: "symlink", Path: name, Err: registry.EACCES}
}

func fsChmod(fsys registry.FileSystem, name string, mode fs.FileMode) error {
	if c, ok := fsys.(chmoder); ok {
		return c.Chmod(name, mode)
	}
	return nil
}

func fsChtimes(fsys registry.FileSystem, name string, mtime time.Time) error {
	if c, ok := fsys.(chtimeser); ok {
		return c.Chtimes(name, mtime, mtime)
	}
	return nil
}

// umask is the file creation mask of a container's processes (runc's
// default).
const umask = 0o022

// unixPerm converts a Go file mode to the permission bits of a Unix mode
// (with setuid, setgid and sticky); unixMode adds the file type.
func unixPerm(m fs.FileMode) int64 {
	perm := int64(m.Perm())
	if m&fs.ModeSetuid != 0 {
		perm |= 0o4000
	}
	if m&fs.ModeSetgid != 0 {
		perm |= 0o2000
	}
	if m&fs.ModeSticky != 0 {
		perm |= 0o1000
	}
	return perm
}

// goPerm converts Unix permission bits to a Go file mode.
func goPerm(mode int64) fs.FileMode {
	m := fs.FileMode(mode & 0o777)
	if mode&0o4000 != 0 {
		m |= fs.ModeSetuid
	}
	if mode&0o2000 != 0 {
		m |= fs.ModeSetgid
	}
	if mode&0o1000 != 0 {
		m |= fs.ModeSticky
	}
	return m
}

// modeString is busybox's bb_mode_string: "drwxr-xr-x".
func modeString(kind byte, perm int64) string {
	b := []byte{kind, 'r', 'w', 'x', 'r', 'w', 'x', 'r', 'w', 'x'}
	for i := 0; i < 9; i++ {
		if perm&(1<<(8-i)) == 0 {
			b[i+1] = '-'
		}
	}
	special := func(i int, bit int64, c byte) {
		if perm&bit != 0 {
			if b[i] == 'x' {
				b[i] = c
			} else {
				b[i] = c - 'a' + 'A'
			}
		}
	}
	special(3, 0o4000, 's')
	special(6, 0o2000, 's')
	special(9, 0o1000, 't')
	return string(b)
}

// stripUnsafePrefix is busybox's strip_unsafe_prefix: leading slashes
// and everything up to the last ".." component go; the first time in a
// run it says so.
func stripUnsafePrefix(p *registry.Process, applet string, name string, warned *bool) string {
	cp := name
	for {
		if strings.HasPrefix(cp, "/") {
			cp = cp[1:]
			continue
		}
		if strings.HasPrefix(cp, "../") {
			cp = cp[3:]
			continue
		}
		i := strings.Index(cp, "/../")
		if i < 0 {
			break
		}
		cp = cp[i+4:]
	}
	if len(cp) != len(name) && !*warned {
		*warned = true
		fmt.Fprintf(stderr(p), "%s: removing leading '%s' from member names\n", applet, name[:len(name)-len(cp)])
	}
	return cp
}

// tarOptions are tar's parsed options.
type tarOptions struct {
	mode                            byte // 'c', 'x' or 't'
	file                            string
	dir                             string
	verbose, toStdout, noMtime      bool
	keepOld, deref, noRecursion     bool
	noSamePerms, numericOwner       bool
	gzip, bzip2, xz, compress, auto bool
	strip                           int
	operands                        []string
}

const tarUsage = "tar c|x|t [-ZzJjahmvokO] [-f TARFILE] [-C DIR] [FILE]..."

var tarLong = map[string]byte{
	"list": 't', "extract": 'x', "create": 'c', "directory": 'C', "file": 'f',
	"to-stdout": 'O', "keep-old": 'k', "no-same-owner": 'o', "same-owner": 0xf0,
	"touch": 'm', "dereference": 'h', "same-permissions": 'p', "verbose": 'v',
	"gzip": 'z', "bzip2": 'j', "xz": 'J', "lzma": 0xf1, "compress": 'Z', "auto-compress": 'a',
	"strip-components": 0xf2, "no-recursion": 0xf3, "to-command": 0xf4,
	"numeric-owner": 0xf5, "no-same-permissions": 0xf6, "overwrite": 0xf7,
}

// parseTar parses tar's arguments as busybox's getopt32 does: a first
// argument without a dash is a bundle of options ("xvf"), and options may
// follow operands.
func parseTar(p *registry.Process) (*tarOptions, int) {
	args := append([]string(nil), p.Args[1:]...)
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		args[0] = "-" + args[0]
	}
	o := &tarOptions{}
	set := func(c byte, arg string) bool {
		switch c {
		case 'c', 'x', 't':
			if o.mode != 0 && o.mode != c {
				return false
			}
			o.mode = c
		case 'f':
			o.file = arg
		case 'C':
			o.dir = arg
		case 'v':
			o.verbose = true
		case 'O':
			o.toStdout = true
		case 'm':
			o.noMtime = true
		case 'k':
			o.keepOld = true
		case 'h':
			o.deref = true
		case 'z':
			o.gzip = true
		case 'j':
			o.bzip2 = true
		case 'J', 0xf1:
			o.xz = true
		case 'Z':
			o.compress = true
		case 'a':
			o.auto = true
		case 0xf2:
			n, err := strconv.Atoi(arg)
			if err != nil || n < 0 {
				return false
			}
			o.strip = n
		case 0xf3:
			o.noRecursion = true
		case 0xf5:
			o.numericOwner = true
		case 0xf6:
			o.noSamePerms = true
		}
		return true
	}
	withArg := func(c byte) bool { return c == 'f' || c == 'C' || c == 0xf2 || c == 0xf4 }
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			o.operands = append(o.operands, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--"):
			name, val, hasVal := strings.Cut(a[2:], "=")
			c, ok := tarLong[name]
			if !ok {
				// An unambiguous prefix names the option.
				n := 0
				for long, lc := range tarLong {
					if strings.HasPrefix(long, name) {
						c, n = lc, n+1
					}
				}
				ok = n == 1
			}
			if !ok {
				fmt.Fprintf(stderr(p), "tar: unrecognized option '%s'\n", a)
				return nil, usage(p, tarUsage)
			}
			if withArg(c) && !hasVal {
				if i+1 == len(args) {
					fmt.Fprintf(stderr(p), "tar: option '%s' requires an argument\n", a)
					return nil, usage(p, tarUsage)
				}
				i++
				val = args[i]
			}
			if !set(c, val) {
				return nil, usage(p, tarUsage)
			}
		case len(a) > 1 && a[0] == '-':
			for j := 1; j < len(a); j++ {
				c := a[j]
				if !strings.ContainsRune("cxtfCvOmkohpzjJZaT", rune(c)) || c == 'T' {
					fmt.Fprintf(stderr(p), "tar: invalid option -- '%c'\n", c)
					return nil, usage(p, tarUsage)
				}
				val := ""
				if withArg(c) {
					if j+1 < len(a) {
						val = a[j+1:]
					} else if i+1 < len(args) {
						i++
						val = args[i]
					} else {
						fmt.Fprintf(stderr(p), "tar: option requires an argument -- '%c'\n", c)
						return nil, usage(p, tarUsage)
					}
					j = len(a)
				}
				if !set(c, val) {
					return nil, usage(p, tarUsage)
				}
			}
		default:
			o.operands = append(o.operands, a)
		}
	}
	if o.mode == 0 {
		return nil, usage(p, tarUsage)
	}
	if o.file == "" {
		o.file = "-"
	}
	if o.auto && o.file != "-" {
		switch {
		case strings.HasSuffix(o.file, ".gz"), strings.HasSuffix(o.file, ".tgz"):
			o.gzip = true
		case strings.HasSuffix(o.file, ".bz2"), strings.HasSuffix(o.file, ".tbz"), strings.HasSuffix(o.file, ".tbz2"):
			o.bzip2 = true
		case strings.HasSuffix(o.file, ".xz"), strings.HasSuffix(o.file, ".txz"):
			o.xz = true
		}
	}
	return o, 0
}

func tarApplet(p *registry.Process) int {
	o, code := parseTar(p)
	if o == nil {
		return code
	}
	if p.FS == nil {
		return fail(p, "tar", "no file system")
	}
	if o.mode == 'c' {
		return tarCreate(p, o)
	}
	return tarExtract(p, o)
}

// tarBase is the directory -C names (the working directory without it),
// or a failure.
func tarBase(p *registry.Process, o *tarOptions) (string, bool) {
	if o.dir == "" {
		return p.Dir, true
	}
	base := p.Path(o.dir)
	info, err := p.FS.Stat(base)
	if err == nil && !info.IsDir() {
		err = registry.ENOTDIR
	}
	if err != nil {
		fail(p, "tar", "can't change directory to '%s': %s", o.dir, registry.Strerror(err))
		return "", false
	}
	return base, true
}

func tarCreate(p *registry.Process, o *tarOptions) int {
	if len(o.operands) == 0 {
		return fail(p, "tar", "empty archive")
	}
	if o.bzip2 || o.xz || o.compress {
		// The standard library has no bzip2, xz or compress writer.
		return fail(p, "tar", "%s compression is not supported here", map[bool]string{true: "bzip2", false: "xz/compress"}[o.bzip2])
	}
	var out io.Writer
	verbose := stdout(p)
	if o.file == "-" {
		out = stdout(p)
		verbose = stderr(p)
	} else {
		f, err := p.FS.OpenFile(p.Path(o.file), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return fail(p, "tar", "can't open '%s': %s", o.file, registry.Strerror(err))
		}
		defer f.Close()
		out = f
	}
	base, ok := tarBase(p, o)
	if !ok {
		return 1
	}
	bw := bufio.NewWriterSize(out, 32*1024)
	var zw *gzip.Writer
	var w io.Writer = bw
	if o.gzip {
		zw = gzip.NewWriter(bw)
		w = zw
	}
	tw := tar.NewWriter(w)
	c := &tarCreator{p: p, o: o, tw: tw, verbose: verbose}
	if o.file != "-" {
		c.archive = p.Path(o.file)
	}
	for _, name := range o.operands {
		full := name
		if !path.IsAbs(full) {
			full = path.Join(base, full)
		}
		c.add(name, full, true)
		if c.killed || c.writeErr != nil {
			break
		}
	}
	if c.killed {
		return 137
	}
	err := tw.Close()
	if zw != nil && err == nil {
		err = zw.Close()
	}
	if err == nil {
		err = bw.Flush()
	}
	if err == nil {
		err = c.writeErr
	}
	if brokenPipe(err) {
		return 141
	}
	if err != nil {
		return fail(p, "tar", "write error: %s", registry.Strerror(err))
	}
	if c.failed {
		return fail(p, "tar", "error exit delayed from previous errors")
	}
	return 0
}

type tarCreator struct {
	p        *registry.Process
	o        *tarOptions
	tw       *tar.Writer
	verbose  io.Writer
	archive  string // the archive's own path, not archived
	warned   bool
	failed   bool
	killed   bool
	writeErr error
}

// add archives the file full under the name name (as given on the
// command line, or joined below it), descending into directories.
func (c *tarCreator) add(name, full string, top bool) {
	p := c.p
	if p.KillContext().Err() != nil {
		c.killed = true
		return
	}
	var info fs.FileInfo
	var err error
	if c.o.deref {
		info, err = p.FS.Stat(full)
	} else {
		info, err = p.FS.Lstat(full)
	}
	if err != nil {
		fail(p, "tar", "%s: %s", name, registry.Strerror(err))
		c.failed = true
		return
	}
	if full == c.archive {
		fail(p, "tar", "%s: file is the archive; skipping", name)
		return
	}
	headerName := stripUnsafePrefix(p, "tar", name, &c.warned)
	hdr := &tar.Header{
		Name:    headerName,
		Mode:    unixPerm(info.Mode()),
		ModTime: info.ModTime().Truncate(time.Second),
		Uname:   "root",
		Gname:   "root",
		Format:  tar.FormatGNU,
	}
	m := info.Mode()
	switch {
	case m.IsDir():
		hdr.Typeflag = tar.TypeDir
		if !strings.HasSuffix(hdr.Name, "/") {
			hdr.Name += "/"
		}
	case m&fs.ModeSymlink != 0:
		target, err := p.FS.Readlink(full)
		if err != nil {
			fail(p, "tar", "%s: %s", name, registry.Strerror(err))
			c.failed = true
			return
		}
		hdr.Typeflag, hdr.Linkname = tar.TypeSymlink, target
	case m.IsRegular():
		hdr.Typeflag, hdr.Size = tar.TypeReg, info.Size()
	case m&fs.ModeNamedPipe != 0:
		hdr.Typeflag = tar.TypeFifo
	case m&fs.ModeSocket != 0:
		fail(p, "tar", "%s: socket ignored", name)
		return
	case m&fs.ModeCharDevice != 0:
		hdr.Typeflag = tar.TypeChar
	case m&fs.ModeDevice != 0:
		hdr.Typeflag = tar.TypeBlock
	}
	if headerName != "" && headerName != "/" {
		if hdr.Typeflag == tar.TypeReg {
			// Read it first: a file that changes size as it is read
			// must not break the archive.
			data, err := p.FS.ReadFile(full)
			if err != nil {
				fail(p, "tar", "%s: %s", name, registry.Strerror(err))
				c.failed = true
				return
			}
			hdr.Size = int64(len(data))
			if err := c.tw.WriteHeader(hdr); err != nil {
				c.writeErr = err
				return
			}
			if _, err := c.tw.Write(data); err != nil {
				c.writeErr = err
				return
			}
		} else if err := c.tw.WriteHeader(hdr); err != nil {
			c.writeErr = err
			return
		}
		if c.o.verbose {
			fmt.Fprintln(c.verbose, hdr.Name)
		}
	}
	if !m.IsDir() || c.o.noRecursion {
		return
	}
	entries, err := p.FS.ReadDir(full)
	if err != nil {
		fail(p, "tar", "%s: %s", name, registry.Strerror(err))
		c.failed = true
		return
	}
	for _, e := range entries {
		c.add(strings.TrimSuffix(name, "/")+"/"+e.Name(), path.Join(full, e.Name()), false)
		if c.killed || c.writeErr != nil {
			return
		}
	}
}

// errShortRead is busybox's "short read": the archive ended within a
// block.
var errShortRead = errors.New("short read")

// tarInput opens the archive to read, decompressed as asked.
func tarInput(p *registry.Process, o *tarOptions) (io.Reader, func(), int) {
	var in io.Reader
	closer := func() {}
	if o.file == "-" {
		in = stdin(p)
	} else {
		f, err := p.FS.Open(p.Path(o.file))
		if err != nil {
			return nil, nil, fail(p, "tar", "can't open '%s': %s", o.file, registry.Strerror(err))
		}
		in, closer = f, func() { f.Close() }
	}
	in = killableReader{p, in}
	switch {
	case o.xz || o.compress:
		closer()
		return nil, nil, fail(p, "tar", "%s decompression is not supported here", map[bool]string{true: "xz", false: "compress"}[o.xz])
	case o.gzip:
		br := bufio.NewReader(in)
		if magic, _ := br.Peek(2); !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
			closer()
			fail(p, "tar", "invalid magic")
			return nil, nil, fail(p, "tar", "short read")
		}
		zr, err := gzip.NewReader(br)
		if err != nil {
			closer()
			fail(p, "tar", "%s", gzipMessage(err))
			return nil, nil, fail(p, "tar", "short read")
		}
		return zr, closer, 0
	case o.bzip2:
		br := bufio.NewReader(in)
		if magic, _ := br.Peek(3); string(magic) != "BZh" {
			closer()
			fail(p, "tar", "invalid magic")
			return nil, nil, fail(p, "tar", "short read")
		}
		return bzip2.NewReader(br), closer, 0
	}
	return in, closer, 0
}

// killableReader stops reading when its process is killed.
type killableReader struct {
	p *registry.Process
	r io.Reader
}

func (k killableReader) Read(b []byte) (int, error) {
	if k.p.KillContext().Err() != nil {
		return 0, errKilled
	}
	return k.r.Read(b)
}

// blockChecker sees the first block of an archive before archive/tar
// does, to fail as busybox does on what is not a tar archive.
func checkFirstBlock(r *bufio.Reader) error {
	block, err := r.Peek(512)
	if len(block) == 0 {
		return io.EOF
	}
	if err != nil {
		return errShortRead
	}
	if bytes.Count(block, []byte{0}) == 512 {
		return nil
	}
	if !bytes.HasPrefix(block[257:], []byte("ustar")) {
		return errors.New("invalid tar magic")
	}
	return nil
}

// matchMember reports whether name is pattern or below it (fnmatch with
// FNM_LEADING_DIR).
func matchMember(pattern, name string) bool {
	name = strings.TrimSuffix(name, "/")
	pattern = strings.TrimSuffix(pattern, "/")
	for {
		if ok, _ := path.Match(pattern, name); ok {
			return true
		}
		i := strings.LastIndexByte(name, '/')
		if i < 0 {
			return false
		}
		name = name[:i]
	}
}

func tarExtract(p *registry.Process, o *tarOptions) int {
	in, closer, code := tarInput(p, o)
	if in == nil {
		return code
	}
	defer closer()
	base, ok := tarBase(p, o)
	if !ok {
		return 1
	}
	br := bufio.NewReaderSize(in, 64*1024)
	switch err := checkFirstBlock(br); {
	case err == io.EOF:
		fail(p, "tar", "short read")
		return 0
	case err != nil:
		return fail(p, "tar", "%s", err.Error())
	}
	counted := &countingReader{r: br}
	tr := tar.NewReader(counted)
	found := make([]bool, len(o.operands))
	warned := false
	out := bufio.NewWriter(stdout(p))
	defer out.Flush()
	// Directories get their modes when the archive is done: a directory
	// without write permission must still receive its files.
	type dirMode struct {
		name string
		mode fs.FileMode
	}
	var dirs []dirMode
	for {
		hdr, err := tr.Next()
		if err == io.EOF && counted.n%512 != 0 {
			// The archive ended within a block (a file's padding).
			err = io.ErrUnexpectedEOF
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			out.Flush()
			if errors.Is(err, errKilled) {
				return 137
			}
			if errors.Is(err, io.ErrUnexpectedEOF) {
				return fail(p, "tar", "short read")
			}
			if strings.Contains(err.Error(), "gzip") || strings.Contains(err.Error(), "flate") || strings.Contains(err.Error(), "bzip2") {
				return fail(p, "tar", "%s", gzipMessage(err))
			}
			return fail(p, "tar", "invalid tar header checksum")
		}
		if hdr.Typeflag == tar.TypeXGlobalHeader {
			continue
		}
		name := stripUnsafePrefix(p, "tar", hdr.Name, &warned)
		if o.strip > 0 {
			parts := strings.SplitN(name, "/", o.strip+1)
			if len(parts) <= o.strip || parts[o.strip] == "" {
				continue
			}
			name = parts[o.strip]
		}
		if name == "" {
			continue
		}
		if len(o.operands) > 0 {
			match := false
			for i, pat := range o.operands {
				if matchMember(pat, name) {
					found[i], match = true, true
				}
			}
			if !match {
				continue
			}
		}
		if o.mode == 't' {
			if o.verbose {
				tarListLong(out, hdr, name, o.numericOwner)
			} else {
				fmt.Fprintln(out, name)
			}
			continue
		}
		if o.verbose {
			fmt.Fprintln(out, name)
		}
		if o.toStdout {
			if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeRegA {
				out.Flush()
				if _, err := io.Copy(stdout(p), tr); err != nil {
					if errors.Is(err, errKilled) {
						return 137
					}
					return fail(p, "tar", "short read")
				}
			}
			continue
		}
		full := path.Join(base, name)
		if code := tarExtractOne(p, o, tr, hdr, name, full, base); code != 0 {
			return code
		}
		if hdr.Typeflag == tar.TypeDir {
			mode := goPerm(hdr.Mode)
			if o.noSamePerms {
				mode &^= umask
			}
			dirs = append(dirs, dirMode{full, mode})
		}
	}
	for i := len(dirs) - 1; i >= 0; i-- {
		fsChmod(p.FS, dirs[i].name, dirs[i].mode)
	}
	out.Flush()
	for i, pat := range o.operands {
		if !found[i] {
			return fail(p, "tar", "%s: not found in archive", pat)
		}
	}
	return 0
}

// tarListLong is tar tv's line.
func tarListLong(w io.Writer, hdr *tar.Header, name string, numeric bool) {
	kind := byte('-')
	switch hdr.Typeflag {
	case tar.TypeDir:
		kind = 'd'
	case tar.TypeSymlink:
		kind = 'l'
	case tar.TypeChar:
		kind = 'c'
	case tar.TypeBlock:
		kind = 'b'
	case tar.TypeFifo:
		kind = 'p'
	}
	user, group := hdr.Uname, hdr.Gname
	if user == "" || numeric {
		user = strconv.Itoa(hdr.Uid)
	}
	if group == "" || numeric {
		group = strconv.Itoa(hdr.Gid)
	}
	t := hdr.ModTime.UTC()
	fmt.Fprintf(w, "%s %s/%s %9d %4d-%02d-%02d %02d:%02d:%02d %s", modeString(kind, hdr.Mode&0o7777), user, group,
		hdr.Size, t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), name)
	switch hdr.Typeflag {
	case tar.TypeSymlink:
		fmt.Fprintf(w, " -> %s", hdr.Linkname)
	case tar.TypeLink:
		fmt.Fprintf(w, " link to %s", hdr.Linkname)
	}
	fmt.Fprintln(w)
}

// tarExtractOne makes one member in the file system, as busybox's
// data_extract_all does; a status other than 0 ends tar.
func tarExtractOne(p *registry.Process, o *tarOptions, tr io.Reader, hdr *tar.Header, name, full, base string) int {
	fsys := p.FS
	if dir := path.Dir(full); dir != full {
		if err := fsys.MkdirAll(dir, 0o755); err != nil {
			fail(p, "tar", "can't create directory '%s': %s", path.Dir(name), registry.Strerror(err))
			return 0
		}
	}
	mode := goPerm(hdr.Mode)
	if o.noSamePerms {
		mode &^= umask
	}
	existing, statErr := fsys.Lstat(full)
	exists := statErr == nil
	// An existing file is replaced (unless -k); a directory stays.
	if exists && hdr.Typeflag != tar.TypeDir {
		if o.keepOld {
			if hdr.Typeflag == tar.TypeReg || hdr.Typeflag == tar.TypeRegA {
				return fail(p, "tar", "can't open '%s': File exists", name)
			}
			return 0
		}
		if existing.IsDir() {
			// unlink(2) of a directory.
			return fail(p, "tar", "can't remove old file %s: %s", name, registry.Strerror(registry.EISDIR))
		} else if err := fsys.Remove(full); err != nil {
			fail(p, "tar", "can't remove old file %s: %s", name, registry.Strerror(err))
			return 0
		}
	}
	switch hdr.Typeflag {
	case tar.TypeDir:
		if exists && !existing.IsDir() {
			fail(p, "tar", "can't make dir %s: %s", name, registry.Strerror(registry.EEXIST))
			return 0
		}
		if !exists {
			if err := fsys.MkdirAll(full, 0o700); err != nil {
				fail(p, "tar", "can't make dir %s: %s", name, registry.Strerror(err))
				return 0
			}
		}
		return 0
	case tar.TypeSymlink:
		if err := fsSymlink(fsys, hdr.Linkname, full); err != nil {
			fail(p, "tar", "can't create symlink '%s' to '%s': %s", name, hdr.Linkname, registry.Strerror(err))
		}
		return 0
	case tar.TypeLink:
		// No hard links here: the file is a copy of the one it links to.
		target := path.Join(base, stripUnsafePrefix(p, "tar", hdr.Linkname, new(bool)))
		if err := copyTree(fsys, target, full); err != nil {
			fail(p, "tar", "can't create hardlink '%s' to '%s': %s", name, hdr.Linkname, registry.Strerror(err))
		}
		return 0
	case tar.TypeReg, tar.TypeRegA, tar.TypeGNUSparse:
	default:
		// Devices and fifos need mknod, which a container here lacks.
		return 0
	}
	f, err := fsys.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode.Perm())
	if err != nil {
		return fail(p, "tar", "can't open '%s': %s", name, registry.Strerror(err))
	}
	_, err = io.Copy(f, tr)
	f.Close()
	if err != nil {
		if errors.Is(err, errKilled) {
			return 137
		}
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return fail(p, "tar", "short read")
		}
		return fail(p, "tar", "write error: %s", registry.Strerror(err))
	}
	fsChmod(fsys, full, mode)
	if !o.noMtime {
		fsChtimes(fsys, full, hdr.ModTime)
	}
	return 0
}

// countingReader counts what is read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(b []byte) (int, error) {
	n, err := c.r.Read(b)
	c.n += int64(n)
	return n, err
}
