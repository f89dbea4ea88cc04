package busybox

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// open opens a file argument; "-" is standard input.
func open(p *registry.Process, name string) (io.ReadCloser, error) {
	if name == "-" {
		return io.NopCloser(stdin(p)), nil
	}
	if p.FS == nil {
		return nil, &fs.PathError{Op: "open", Path: name, Err: registry.ENOENT}
	}
	f, err := p.FS.Open(p.Path(name))
	if err != nil {
		return nil, err
	}
	return f, nil
}

// flags splits leading single-letter options ("-la", "-n", "5") from
// operands; withArg names the options that take an argument.
func flags(args []string, withArg string) (set map[byte]string, operands []string, bad byte) {
	all, operands, bad := flagsAll(args, withArg)
	set = map[byte]string{}
	for f, values := range all {
		set[f] = values[len(values)-1] // the last one given wins
	}
	return set, operands, bad
}

// flagsAll is flags keeping every value of a flag given more than once
// (grep -e A -e B), in order.
func flagsAll(args []string, withArg string) (set map[byte][]string, operands []string, bad byte) {
	set = map[byte][]string{}
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			return set, args[1:], 0
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		args = args[1:]
		for i := 1; i < len(a); i++ {
			f := a[i]
			if strings.IndexByte(withArg, f) >= 0 {
				if i+1 < len(a) {
					set[f] = append(set[f], a[i+1:])
				} else if len(args) > 0 {
					set[f] = append(set[f], args[0])
					args = args[1:]
				} else {
					return set, nil, f
				}
				break
			}
			set[f] = append(set[f], "")
		}
	}
	return set, args, 0
}

func has(set map[byte]string, f byte) bool {
	_, ok := set[f]
	return ok
}

func cat(p *registry.Process) int {
	_, files, _ := flags(p.Args[1:], "")
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			status = fail(p, "cat", "can't open '%s': %s", name, registry.Strerror(err))
			continue
		}
		_, err = copyKillable(p, stdout(p), f)
		f.Close()
		if err != nil {
			if errors.Is(err, errKilled) {
				return 137
			}
			status = fail(p, "cat", "read error: %s", registry.Strerror(err))
		}
	}
	return status
}

var errKilled = errors.New("killed")

// copyKillable copies until EOF, or until the process is killed (a cat of
// a pipe or a device can block forever).
func copyKillable(p *registry.Process, dst io.Writer, src io.Reader) (int64, error) {
	type result struct {
		n   int64
		err error
	}
	ch := make(chan result, 1)
	go func() {
		n, err := io.Copy(dst, src)
		ch <- result{n, err}
	}()
	select {
	case r := <-ch:
		return r.n, r.err
	case <-p.KillContext().Done():
		return 0, errKilled
	}
}

func ls(p *registry.Process) int {
	set, names, _ := flags(p.Args[1:], "")
	numeric := has(set, 'n')
	long := has(set, 'l') || numeric
	all, almost := has(set, 'a'), has(set, 'A')
	dirOnly := has(set, 'd')
	follow := has(set, 'L')
	// Operands that are links are followed (`ls LINK_TO_DIR` lists the
	// directory) unless the listing is long, of directories themselves or
	// classified.
	followArgs := follow || has(set, 'H') || !(long || dirOnly || has(set, 'F'))
	if len(names) == 0 {
		names = []string{"."}
	}
	if p.FS == nil {
		return fail(p, "ls", "%s: No such file or directory", names[0])
	}
	lstat := func(name string, follow bool) (fs.FileInfo, error) {
		if follow {
			return p.FS.Stat(name)
		}
		return p.FS.Lstat(name)
	}
	status := 0
	type operand struct {
		name string
		info fs.FileInfo
	}
	var files, dirs []operand
	for _, n := range names {
		info, err := lstat(p.Path(n), followArgs)
		if err != nil {
			fmt.Fprintf(stderr(p), "ls: %s: %s\n", n, registry.Strerror(err))
			status = 1
			continue
		}
		if info.IsDir() && !dirOnly {
			dirs = append(dirs, operand{n, info})
		} else {
			files = append(files, operand{n, info})
		}
	}
	out := bufio.NewWriter(stdout(p))
	defer out.Flush()
	for _, f := range files {
		printEntry(p, out, f.name, p.Path(f.name), f.info, long, numeric)
	}
	for i, d := range dirs {
		if len(names) > 1 {
			if i > 0 || len(files) > 0 {
				fmt.Fprintln(out)
			}
			fmt.Fprintf(out, "%s:\n", d.name)
		}
		entries, err := p.FS.ReadDir(p.Path(d.name))
		if err != nil {
			fmt.Fprintf(stderr(p), "ls: %s: %s\n", d.name, registry.Strerror(err))
			status = 1
			continue
		}
		var list []operand
		if all {
			for _, dot := range []string{".", ".."} {
				if info, err := p.FS.Stat(p.Path(path.Join(d.name, dot))); err == nil {
					list = append(list, operand{dot, info})
				}
			}
		}
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".") && !all && !almost {
				continue
			}
			info, err := lstat(p.Path(path.Join(d.name, e.Name())), follow)
			if err != nil {
				if info, err = e.Info(); err != nil {
					continue
				}
			}
			list = append(list, operand{e.Name(), info})
		}
		if long {
			// In 1K blocks, as st_blocks/2 summed over what is listed.
			var blocks int64
			for _, f := range list {
				blocks += newStatFile(f.name, p.Path(path.Join(d.name, f.name)), f.info).blocks
			}
			fmt.Fprintf(out, "total %d\n", blocks/2)
		}
		for _, f := range list {
			printEntry(p, out, f.name, p.Path(path.Join(d.name, f.name)), f.info, long, numeric)
		}
	}
	return status
}

// printEntry prints one line of ls: the name, or with long busybox's
// columns (mode, links, owner, group, size or device numbers, time,
// name, and a link's target).
func printEntry(p *registry.Process, w io.Writer, name, full string, info fs.FileInfo, long, numeric bool) {
	if !long {
		fmt.Fprintln(w, name)
		return
	}
	s := newStatFile(name, full, info)
	owner, group := idName(p, "/etc/passwd", s.uid), idName(p, "/etc/group", s.gid)
	if numeric || owner == "UNKNOWN" {
		owner = strconv.FormatUint(uint64(s.uid), 10)
	}
	if numeric || group == "UNKNOWN" {
		group = strconv.FormatUint(uint64(s.gid), 10)
	}
	fmt.Fprintf(w, "%-10s %4d %-8.8s %-8.8s ", s.modeString(), s.nlink, owner, group)
	if t := s.mode & sIFMT; t == sIFCHR || t == sIFBLK {
		fmt.Fprintf(w, "%4d, %3d ", devMajor(s.rdev), devMinor(s.rdev))
	} else {
		fmt.Fprintf(w, "%9d ", s.size)
	}
	fmt.Fprintf(w, "%s %s", lsTime(s.mtime), name)
	if s.mode&sIFMT == sIFLNK {
		if target, err := p.FS.Readlink(full); err == nil {
			fmt.Fprintf(w, " -> %s", target)
		}
	}
	fmt.Fprintln(w)
}

func lsTime(t time.Time) string {
	if t.IsZero() {
		t = time.Now()
	}
	t = t.UTC()
	if time.Since(t) > 180*24*time.Hour {
		return t.Format("Jan _2  2006")
	}
	return t.Format("Jan _2 15:04")
}

func touch(p *registry.Process) int {
	set, names, _ := flags(p.Args[1:], "dtr")
	if len(names) == 0 {
		return usage(p, "touch [-c] [-d DATE] [-t DATE] [-r FILE] FILE...")
	}
	status := 0
	for _, n := range names {
		name := p.Path(n)
		if _, err := p.FS.Stat(name); err == nil {
			continue
		} else if has(set, 'c') {
			continue
		}
		f, err := p.FS.OpenFile(name, os.O_WRONLY|os.O_CREATE, 0o666)
		if err != nil {
			status = fail(p, "touch", "%s: %s", n, registry.Strerror(err))
			continue
		}
		f.Close()
	}
	return status
}

func mkdir(p *registry.Process) int {
	set, names, _ := flags(p.Args[1:], "m")
	if len(names) == 0 {
		return usage(p, "mkdir [-m MODE] [-p] DIRECTORY...")
	}
	perm := fs.FileMode(0o777)
	if m, ok := set['m']; ok {
		n, err := strconv.ParseUint(m, 8, 32)
		if err != nil {
			return fail(p, "mkdir", "invalid mode '%s'", m)
		}
		perm = fs.FileMode(n)
	}
	status := 0
	for _, n := range names {
		name := p.Path(n)
		if has(set, 'p') {
			if err := p.FS.MkdirAll(name, perm); err != nil {
				status = fail(p, "mkdir", "can't create directory '%s': %s", n, registry.Strerror(err))
			}
			continue
		}
		if _, err := p.FS.Stat(name); err == nil {
			status = fail(p, "mkdir", "can't create directory '%s': File exists", n)
			continue
		}
		parent, err := p.FS.Stat(path.Dir(name))
		if err == nil && !parent.IsDir() {
			err = registry.ENOTDIR
		}
		if err != nil {
			status = fail(p, "mkdir", "can't create directory '%s': %s", n, registry.Strerror(err))
			continue
		}
		if err := p.FS.MkdirAll(name, perm); err != nil {
			status = fail(p, "mkdir", "can't create directory '%s': %s", n, registry.Strerror(err))
		}
	}
	return status
}

func rm(p *registry.Process) int {
	set, names, _ := flags(p.Args[1:], "")
	force, recursive := has(set, 'f'), has(set, 'r') || has(set, 'R')
	if len(names) == 0 && !force {
		return usage(p, "rm [-irf] FILE...")
	}
	status := 0
	for _, n := range names {
		name := p.Path(n)
		info, err := p.FS.Stat(name)
		if err != nil {
			if !force || !errors.Is(err, fs.ErrNotExist) {
				status = fail(p, "rm", "can't remove '%s': %s", n, registry.Strerror(err))
			}
			continue
		}
		if info.IsDir() && !recursive {
			status = fail(p, "rm", "'%s' is a directory", n)
			continue
		}
		if err := removeAll(p.FS, name); err != nil {
			status = fail(p, "rm", "can't remove '%s': %s", n, registry.Strerror(err))
		}
	}
	return status
}

func removeAll(fsys registry.FileSystem, name string) error {
	info, err := fsys.Stat(name)
	if err != nil {
		return err
	}
	if info.IsDir() {
		entries, err := fsys.ReadDir(name)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := removeAll(fsys, path.Join(name, e.Name())); err != nil {
				return err
			}
		}
	}
	return fsys.Remove(name)
}

func rmdir(p *registry.Process) int {
	_, names, _ := flags(p.Args[1:], "")
	status := 0
	for _, n := range names {
		name := p.Path(n)
		info, err := p.FS.Stat(name)
		if err == nil && !info.IsDir() {
			err = registry.ENOTDIR
		}
		if err == nil {
			err = p.FS.Remove(name)
		}
		if err != nil {
			status = fail(p, "rmdir", "'%s': %s", n, registry.Strerror(err))
		}
	}
	return status
}

func cp(p *registry.Process) int {
	set, names, _ := flags(p.Args[1:], "")
	recursive := has(set, 'r') || has(set, 'R') || has(set, 'a')
	if len(names) < 2 {
		return usage(p, "cp [-arPLHpfinlsTu] SOURCE DEST")
	}
	dst := names[len(names)-1]
	srcs := names[:len(names)-1]
	dstInfo, dstErr := p.FS.Stat(p.Path(dst))
	toDir := dstErr == nil && dstInfo.IsDir()
	if len(srcs) > 1 && !toDir {
		return fail(p, "cp", "'%s' is not a directory", dst)
	}
	status := 0
	for _, src := range srcs {
		target := p.Path(dst)
		if toDir {
			target = path.Join(target, path.Base(src))
		}
		info, err := p.FS.Stat(p.Path(src))
		if err != nil {
			status = fail(p, "cp", "can't stat '%s': %s", src, registry.Strerror(err))
			continue
		}
		if info.IsDir() && !recursive {
			status = fail(p, "cp", "omitting directory '%s'", src)
			continue
		}
		if err := copyTree(p.FS, p.Path(src), target); err != nil {
			status = fail(p, "cp", "%s", cpMessage(err))
		}
	}
	return status
}

func cpMessage(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		if pe.Op == "open" {
			return fmt.Sprintf("can't create '%s': %s", pe.Path, registry.Strerror(pe.Err))
		}
		return fmt.Sprintf("%s: %s", pe.Path, registry.Strerror(pe.Err))
	}
	return err.Error()
}

func copyTree(fsys registry.FileSystem, src, dst string) error {
	info, err := fsys.Stat(src)
	if err != nil {
		return err
	}
	if info.IsDir() {
		if err := fsys.MkdirAll(dst, info.Mode().Perm()); err != nil {
			return err
		}
		entries, err := fsys.ReadDir(src)
		if err != nil {
			return err
		}
		for _, e := range entries {
			if err := copyTree(fsys, path.Join(src, e.Name()), path.Join(dst, e.Name())); err != nil {
				return err
			}
		}
		return nil
	}
	in, err := fsys.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := fsys.OpenFile(dst, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, info.Mode().Perm())
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

func mv(p *registry.Process) int {
	_, names, _ := flags(p.Args[1:], "")
	if len(names) < 2 {
		return usage(p, "mv [-fin] SOURCE DEST")
	}
	dst := names[len(names)-1]
	dstInfo, dstErr := p.FS.Stat(p.Path(dst))
	toDir := dstErr == nil && dstInfo.IsDir()
	status := 0
	for _, src := range names[:len(names)-1] {
		target := p.Path(dst)
		if toDir {
			target = path.Join(target, path.Base(src))
		}
		if _, err := p.FS.Stat(p.Path(src)); err != nil {
			status = fail(p, "mv", "can't rename '%s': %s", src, registry.Strerror(err))
			continue
		}
		if err := copyTree(p.FS, p.Path(src), target); err != nil {
			status = fail(p, "mv", "%s", cpMessage(err))
			continue
		}
		if err := removeAll(p.FS, p.Path(src)); err != nil {
			status = fail(p, "mv", "can't remove '%s': %s", src, registry.Strerror(err))
		}
	}
	return status
}

// countArg parses head's and tail's -n/-c argument; "+N" counts from the
// start (tail).
func countArg(args []string) (n int, fromStart, bytes bool, files []string, err error) {
	n = 10
	for len(args) > 0 {
		a := args[0]
		if a == "--" {
			args = args[1:]
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		args = args[1:]
		switch {
		case a == "-n" || a == "-c":
			if len(args) == 0 {
				return 0, false, false, nil, fmt.Errorf("option requires an argument -- '%c'", a[1])
			}
			bytes = a == "-c"
			v := args[0]
			args = args[1:]
			if strings.HasPrefix(v, "+") {
				fromStart = true
			}
			n, err = strconv.Atoi(strings.TrimLeft(v, "+-"))
			if err != nil {
				return 0, false, false, nil, fmt.Errorf("invalid number '%s'", v)
			}
		case strings.HasPrefix(a, "-n") || strings.HasPrefix(a, "-c"):
			bytes = a[1] == 'c'
			v := a[2:]
			fromStart = strings.HasPrefix(v, "+")
			n, err = strconv.Atoi(strings.TrimLeft(v, "+-"))
			if err != nil {
				return 0, false, false, nil, fmt.Errorf("invalid number '%s'", v)
			}
		case a[1] >= '0' && a[1] <= '9':
			n, err = strconv.Atoi(a[1:])
			if err != nil {
				return 0, false, false, nil, fmt.Errorf("invalid number '%s'", a[1:])
			}
		case a == "-f" || a == "-F" || a == "-q" || a == "-v" || a == "-s":
			files = append(files, a)
		}
	}
	return n, fromStart, bytes, append(files, args...), nil
}

func head(p *registry.Process) int {
	n, _, bytesMode, files, err := countArg(p.Args[1:])
	if err != nil {
		return fail(p, "head", "%v", err)
	}
	files = slices.DeleteFunc(files, func(f string) bool { return strings.HasPrefix(f, "-") && f != "-" })
	return headedFiles(p, "head", files, func(_ string, f io.ReadCloser) (int, bool) {
		defer f.Close()
		if bytesMode {
			io.CopyN(stdout(p), f, int64(n))
			return 0, false
		}
		r := bufio.NewReader(f)
		for j := 0; j < n; j++ {
			line, err := r.ReadString('\n')
			io.WriteString(stdout(p), line)
			if err != nil {
				break
			}
		}
		return 0, false
	})
}

// headedFiles calls fn with each of files opened in turn, as head and
// tail read them: none is stdin ("-"); one that does not open is reported
// and makes the status 1; with several, each comes after its
// "==> NAME <==" header and a blank line parts them. fn ends the walk
// with its status when done.
func headedFiles(p *registry.Process, applet string, files []string, fn func(name string, f io.ReadCloser) (status int, done bool)) int {
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	for i, name := range files {
		f, err := open(p, name)
		if err != nil {
			status = fail(p, applet, "can't open '%s': %s", name, registry.Strerror(err))
			continue
		}
		if len(files) > 1 {
			if i > 0 {
				fmt.Fprintln(stdout(p))
			}
			fmt.Fprintf(stdout(p), "==> %s <==\n", name)
		}
		if code, done := fn(name, f); done {
			return code
		}
	}
	return status
}

func tail(p *registry.Process) int {
	n, fromStart, bytesMode, files, err := countArg(p.Args[1:])
	if err != nil {
		return fail(p, "tail", "%v", err)
	}
	follow := false
	files = slices.DeleteFunc(files, func(f string) bool {
		if f == "-f" || f == "-F" {
			follow = true
		}
		return strings.HasPrefix(f, "-") && f != "-"
	})
	follow = follow && len(files) <= 1 // -f follows a single file (or stdin)
	return headedFiles(p, "tail", files, func(name string, f io.ReadCloser) (int, bool) {
		if follow {
			return tailFollow(p, name, f, n, fromStart, bytesMode), true
		}
		data, err := readAllKillable(p, f)
		f.Close()
		if errors.Is(err, errKilled) {
			return 137, true
		}
		stdout(p).Write(lastPart(data, n, fromStart, bytesMode))
		return 0, false
	})
}

func readAllKillable(p *registry.Process, r io.Reader) ([]byte, error) {
	var buf bytes.Buffer
	_, err := copyKillable(p, &buf, r)
	return buf.Bytes(), err
}

// lastPart is the last n lines (or bytes) of data, or from the nth on.
func lastPart(data []byte, n int, fromStart, bytesMode bool) []byte {
	if bytesMode {
		if fromStart {
			return data[min(max(n-1, 0), len(data)):]
		}
		return data[max(len(data)-n, 0):]
	}
	lines := bytes.SplitAfter(data, []byte("\n"))
	if len(lines) > 0 && len(lines[len(lines)-1]) == 0 {
		lines = lines[:len(lines)-1]
	}
	if fromStart {
		return bytes.Join(lines[min(max(n-1, 0), len(lines)):], nil)
	}
	return bytes.Join(lines[max(len(lines)-n, 0):], nil)
}

// tailFollow prints the end of the file, then what is appended to it,
// polling every second as busybox does, until killed.
func tailFollow(p *registry.Process, name string, f io.ReadCloser, n int, fromStart, bytesMode bool) int {
	defer f.Close()
	if name == "-" || isDevice(p, name) {
		// A pipe or device: copy what comes, forever.
		if _, err := copyKillable(p, stdout(p), f); errors.Is(err, errKilled) {
			return 137
		}
		<-p.KillContext().Done()
		return 137
	}
	data, _ := io.ReadAll(f)
	stdout(p).Write(lastPart(data, n, fromStart, bytesMode))
	offset := int64(len(data))
	for wait(p, time.Second) {
		b, err := p.FS.ReadFile(p.Path(name))
		if err != nil {
			continue
		}
		if int64(len(b)) < offset {
			fmt.Fprintf(stderr(p), "tail: %s: file truncated\n", name)
			offset = 0
		}
		stdout(p).Write(b[offset:])
		offset = int64(len(b))
	}
	return 137
}

func isDevice(p *registry.Process, name string) bool {
	info, err := p.FS.Stat(p.Path(name))
	return err == nil && info.Mode()&fs.ModeDevice != 0
}

func grep(p *registry.Process) int {
	all, args, bad := flagsAll(p.Args[1:], "em")
	if bad != 0 {
		return fail(p, "grep", "option requires an argument -- '%c'", bad)
	}
	set, _, _ := flags(p.Args[1:], "em")
	var pattern string
	if e, ok := all['e']; ok {
		// Several -e: a line matches if any pattern does.
		pattern = e[0]
		if len(e) > 1 {
			alts := make([]string, len(e))
			for i, x := range e {
				switch {
				case has(set, 'F'):
					alts[i] = regexp.QuoteMeta(x)
				case !has(set, 'E'):
					alts[i] = breToERE(x)
				default:
					alts[i] = x
				}
				alts[i] = "(?:" + alts[i] + ")"
			}
			pattern = strings.Join(alts, "|")
			delete(set, 'F')
			set['E'] = ""
		}
	} else {
		if len(args) == 0 {
			return usage(p, "grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...") + 1
		}
		pattern, args = args[0], args[1:]
	}
	if has(set, 'F') {
		pattern = regexp.QuoteMeta(pattern)
	} else if !has(set, 'E') {
		pattern = breToERE(pattern)
	}
	if has(set, 'w') {
		pattern = `\b(?:` + pattern + `)\b`
	}
	if has(set, 'x') {
		pattern = `^(?:` + pattern + `)$`
	}
	if has(set, 'i') {
		pattern = "(?i)" + pattern
	}
	re, err := regexp.Compile(pattern)
	if err != nil {
		return fail(p, "grep", "bad regex '%s': %v", pattern, err) + 1
	}
	files := args
	if len(files) == 0 {
		files = []string{"-"}
	}
	showName := len(files) > 1 && !has(set, 'h') || has(set, 'H')
	matched, status := false, 0
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			if !has(set, 's') {
				fail(p, "grep", "%s: %s", name, registry.Strerror(err))
			}
			status = 2
			continue
		}
		count := 0
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
		lineNo := 0
		for sc.Scan() {
			lineNo++
			line := sc.Text()
			if re.MatchString(line) == has(set, 'v') {
				continue
			}
			matched = true
			count++
			if has(set, 'q') {
				f.Close()
				return 0
			}
			if has(set, 'c') || has(set, 'l') || has(set, 'L') {
				continue
			}
			prefix := ""
			if showName {
				prefix = name + ":"
			}
			if has(set, 'n') {
				prefix += strconv.Itoa(lineNo) + ":"
			}
			if has(set, 'o') && !has(set, 'v') {
				for _, m := range re.FindAllString(line, -1) {
					fmt.Fprintf(stdout(p), "%s%s\n", prefix, m)
				}
				continue
			}
			fmt.Fprintf(stdout(p), "%s%s\n", prefix, line)
		}
		f.Close()
		switch {
		case has(set, 'c'):
			if showName {
				fmt.Fprintf(stdout(p), "%s:%d\n", name, count)
			} else {
				fmt.Fprintf(stdout(p), "%d\n", count)
			}
		case has(set, 'l') && count > 0, has(set, 'L') && count == 0:
			fmt.Fprintln(stdout(p), name)
		}
	}
	if status != 0 && !matched {
		return status
	}
	if !matched {
		return 1
	}
	return 0
}

// breToERE turns a POSIX basic regular expression into Go's syntax:
// \( \) \{ \} \| \+ \? are the operators, bare ( ) { } | + ? literals.
func breToERE(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			n := s[i+1]
			i++
			if strings.IndexByte("(){}|+?", n) >= 0 {
				b.WriteByte(n)
			} else {
				b.WriteByte('\\')
				b.WriteByte(n)
			}
			continue
		}
		if strings.IndexByte("(){}|+?", c) >= 0 {
			b.WriteByte('\\')
		}
		b.WriteByte(c)
	}
	return b.String()
}

func wc(p *registry.Process) int {
	set, files, _ := flags(p.Args[1:], "")
	want := ""
	for _, f := range "lwcm" {
		if has(set, byte(f)) {
			want += string(f)
		}
	}
	if want == "" {
		want = "lwc"
	}
	named := len(files) > 0
	if !named {
		files = []string{"-"}
	}
	status := 0
	var total [3]int
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			status = fail(p, "wc", "can't open '%s': %s", name, registry.Strerror(err))
			continue
		}
		data, _ := readAllKillable(p, f)
		f.Close()
		counts := [3]int{bytes.Count(data, []byte("\n")), len(bytes.Fields(data)), len(data)}
		for i := range total {
			total[i] += counts[i]
		}
		printCounts(p, want, counts, name, named, len(files) > 1)
	}
	if len(files) > 1 {
		printCounts(p, want, total, "total", true, true)
	}
	return status
}

// printCounts prints a file's counts: one count alone unpadded, as
// busybox does, unless several files are counted (then every count is
// nine wide).
func printCounts(p *registry.Process, want string, counts [3]int, name string, named, several bool) {
	var cols []string
	for _, f := range want {
		var n int
		switch f {
		case 'l':
			n = counts[0]
		case 'w':
			n = counts[1]
		case 'c', 'm':
			n = counts[2]
		}
		if len(want) == 1 && !several {
			cols = append(cols, strconv.Itoa(n))
		} else {
			cols = append(cols, fmt.Sprintf("%9d", n))
		}
	}
	line := strings.Join(cols, " ")
	if named {
		line += " " + name
	}
	fmt.Fprintln(stdout(p), line)
}

func readLines(p *registry.Process, files []string, applet string) ([]string, int) {
	if len(files) == 0 {
		files = []string{"-"}
	}
	var lines []string
	status := 0
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			status = fail(p, applet, "can't open '%s': %s", name, registry.Strerror(err))
			continue
		}
		data, _ := readAllKillable(p, f)
		f.Close()
		s := strings.TrimSuffix(string(data), "\n")
		if s != "" || len(data) > 0 {
			lines = append(lines, strings.Split(s, "\n")...)
		}
	}
	return lines, status
}

func sortApplet(p *registry.Process) int {
	all, files, bad := flagsAll(p.Args[1:], "tko")
	if bad != 0 {
		return fail(p, "sort", "option requires an argument -- '%c'", bad)
	}
	set := map[byte]string{}
	for f, v := range all {
		set[f] = v[len(v)-1]
	}
	global := sortOpts{}
	for _, f := range "bdfinrgMh" {
		if has(set, byte(f)) {
			global.set(byte(f))
		}
	}
	sep := ""
	if t, ok := set['t']; ok {
		if len(t) != 1 {
			return fail(p, "sort", "bad -t parameter")
		}
		sep = t
	}
	var keys []sortKey
	for _, spec := range all['k'] {
		k, ok := parseSortKey(spec, global)
		if !ok {
			return fail(p, "sort", "bad field specification '%s'", spec)
		}
		keys = append(keys, k)
	}
	lines, status := readLines(p, files, "sort")
	stable := has(set, 's')
	cmp := func(a, b string) int {
		if len(keys) == 0 {
			if c := compareSortField(a, b, global); c != 0 || stable || has(set, 'u') {
				return c
			}
		} else {
			for _, k := range keys {
				if c := compareSortField(k.extract(a, sep), k.extract(b, sep), k.opts); c != 0 {
					return c
				}
			}
			if stable || has(set, 'u') {
				return 0
			}
		}
		// The last resort: whole lines, bytewise (reversed with -r).
		c := strings.Compare(a, b)
		if global.reverse {
			c = -c
		}
		return c
	}
	if has(set, 'c') {
		// Check only: the first line out of order (counted from 0), as
		// busybox reports it.
		for i := 1; i < len(lines); i++ {
			if c := cmp(lines[i-1], lines[i]); c > 0 || c == 0 && has(set, 'u') {
				fmt.Fprintf(stderr(p), "Check line %d\n", i)
				return 1
			}
		}
		return status
	}
	slices.SortStableFunc(lines, cmp)
	if has(set, 'u') {
		lines = slices.CompactFunc(lines, func(a, b string) bool { return cmp(a, b) == 0 })
	}
	out := stdout(p)
	if o, ok := set['o']; ok {
		f, err := p.FS.OpenFile(p.Path(o), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o666)
		if err != nil {
			return fail(p, "sort", "can't open '%s': %s", o, registry.Strerror(err))
		}
		defer f.Close()
		out = f
	}
	w := bufio.NewWriter(out)
	for _, l := range lines {
		w.WriteString(l)
		w.WriteByte('\n')
	}
	w.Flush()
	return status
}

// sortOpts are sort's ordering options, global or of one key.
type sortOpts struct {
	blanks, dictionary, fold, nonPrinting, numeric, general, reverse bool
}

func (o *sortOpts) set(f byte) {
	switch f {
	case 'b':
		o.blanks = true
	case 'd':
		o.dictionary = true
	case 'f':
		o.fold = true
	case 'i':
		o.nonPrinting = true
	case 'n', 'h', 'M':
		o.numeric = true
	case 'g':
		o.general = true
	case 'r':
		o.reverse = true
	}
}

// sortKey is a -k F1[.C1][OPTS][,F2[.C2][OPTS]]: fields and characters
// counted from 1; an end of 0 is the end of the line.
type sortKey struct {
	f1, c1, f2, c2 int
	opts           sortOpts
}

func parseSortKey(spec string, global sortOpts) (sortKey, bool) {
	k := sortKey{opts: global}
	start, end, hasEnd := strings.Cut(spec, ",")
	own := sortOpts{}
	parse := func(s string) (field, char int, ok bool) {
		i := 0
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		field, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, 0, false
		}
		if i < len(s) && s[i] == '.' {
			j := i + 1
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				j++
			}
			if char, err = strconv.Atoi(s[i+1 : j]); err != nil {
				return 0, 0, false
			}
			i = j
		}
		for ; i < len(s); i++ {
			if strings.IndexByte("bdfinrgMh", s[i]) < 0 {
				return 0, 0, false
			}
			own.set(s[i])
		}
		return field, char, true
	}
	var ok bool
	if k.f1, k.c1, ok = parse(start); !ok || k.f1 < 1 {
		return k, false
	}
	if hasEnd {
		if k.f2, k.c2, ok = parse(end); !ok || k.f2 < 1 {
			return k, false
		}
	}
	if own != (sortOpts{}) {
		// A key with options of its own takes none of the global ones.
		k.opts = own
	}
	return k, true
}

// extract returns the key's text of line: fields split by sep, or else
// at each transition from blank to non-blank (a field keeps its leading
// blanks).
func (k sortKey) extract(line, sep string) string {
	var starts, ends []int
	if sep != "" {
		pos := 0
		for {
			starts = append(starts, pos)
			i := strings.Index(line[pos:], sep)
			if i < 0 {
				ends = append(ends, len(line))
				break
			}
			ends = append(ends, pos+i)
			pos += i + len(sep)
		}
	} else {
		i := 0
		for i < len(line) {
			start := i
			for i < len(line) && (line[i] == ' ' || line[i] == '\t') {
				i++
			}
			for i < len(line) && line[i] != ' ' && line[i] != '\t' {
				i++
			}
			starts, ends = append(starts, start), append(ends, i)
		}
	}
	field := func(n int) (int, int, bool) {
		if n-1 < len(starts) {
			return starts[n-1], ends[n-1], true
		}
		return len(line), len(line), false
	}
	from, fend, _ := field(k.f1)
	if k.opts.blanks {
		for from < fend && (line[from] == ' ' || line[from] == '\t') {
			from++
		}
	}
	if k.c1 > 1 {
		from = min(from+k.c1-1, len(line))
	}
	to := len(line)
	if k.f2 > 0 {
		s, e, ok := field(k.f2)
		to = e
		if ok && k.c2 > 0 {
			if k.opts.blanks {
				for s < e && (line[s] == ' ' || line[s] == '\t') {
					s++
				}
			}
			to = min(s+k.c2, e)
		}
	}
	if to < from {
		return ""
	}
	return line[from:to]
}

// compareSortField compares two keys (or lines) under opts.
func compareSortField(a, b string, o sortOpts) int {
	var c int
	switch {
	case o.numeric || o.general:
		x, y := leadingNumber(a), leadingNumber(b)
		switch {
		case x < y:
			c = -1
		case x > y:
			c = 1
		}
	default:
		if o.blanks {
			a, b = strings.TrimLeft(a, " \t"), strings.TrimLeft(b, " \t")
		}
		if o.dictionary {
			a, b = dictionaryOnly(a), dictionaryOnly(b)
		}
		if o.fold {
			a, b = strings.ToUpper(a), strings.ToUpper(b)
		}
		c = strings.Compare(a, b)
	}
	if o.reverse {
		c = -c
	}
	return c
}

// leadingNumber is the number at the start of s (after blanks), 0 when
// there is none.
func leadingNumber(s string) float64 {
	s = strings.TrimLeft(s, " \t")
	i := 0
	if i < len(s) && (s[i] == '-' || s[i] == '+') {
		i++
	}
	for i < len(s) && (s[i] >= '0' && s[i] <= '9' || s[i] == '.') {
		i++
	}
	f, _ := strconv.ParseFloat(s[:i], 64)
	return f
}

func dictionaryOnly(s string) string {
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '\t' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z' {
			return r
		}
		return -1
	}, s)
}

func uniq(p *registry.Process) int {
	set, files, _ := flags(p.Args[1:], "")
	lines, status := readLines(p, files, "uniq")
	for i := 0; i < len(lines); {
		j := i
		for j < len(lines) && lines[j] == lines[i] {
			j++
		}
		n := j - i
		switch {
		case has(set, 'd') && n < 2, has(set, 'u') && n > 1:
		case has(set, 'c'):
			fmt.Fprintf(stdout(p), "%7d %s\n", n, lines[i])
		default:
			fmt.Fprintln(stdout(p), lines[i])
		}
		i = j
	}
	return status
}

func cut(p *registry.Process) int {
	set, files, bad := flags(p.Args[1:], "dfc")
	if bad != 0 {
		return fail(p, "cut", "option requires an argument -- '%c'", bad)
	}
	delim := "\t"
	if d, ok := set['d']; ok {
		delim = d
	}
	spec, byChar := set['f'], false
	if c, ok := set['c']; ok {
		spec, byChar = c, true
	}
	if spec == "" {
		return fail(p, "cut", "expected a list of bytes, characters, or fields")
	}
	var ranges [][2]int
	for _, r := range strings.Split(spec, ",") {
		lo, hi, isRange := strings.Cut(r, "-")
		a, _ := strconv.Atoi(lo)
		b := a
		if isRange {
			if hi == "" {
				b = 1 << 30
			} else {
				b, _ = strconv.Atoi(hi)
			}
			if lo == "" {
				a = 1
			}
		}
		ranges = append(ranges, [2]int{a, b})
	}
	in := func(i int) bool {
		for _, r := range ranges {
			if i >= r[0] && i <= r[1] {
				return true
			}
		}
		return false
	}
	lines, status := readLines(p, files, "cut")
	for _, l := range lines {
		if byChar {
			var b strings.Builder
			for i, r := range []rune(l) {
				if in(i + 1) {
					b.WriteRune(r)
				}
			}
			fmt.Fprintln(stdout(p), b.String())
			continue
		}
		if !strings.Contains(l, delim) {
			if !has(set, 's') {
				fmt.Fprintln(stdout(p), l)
			}
			continue
		}
		var out []string
		for i, f := range strings.Split(l, delim) {
			if in(i + 1) {
				out = append(out, f)
			}
		}
		fmt.Fprintln(stdout(p), strings.Join(out, delim))
	}
	return status
}

func tee(p *registry.Process) int {
	set, files, _ := flags(p.Args[1:], "")
	flag := os.O_WRONLY | os.O_CREATE | os.O_TRUNC
	if has(set, 'a') {
		flag = os.O_WRONLY | os.O_CREATE | os.O_APPEND
	}
	writers := []io.Writer{stdout(p)}
	status := 0
	for _, name := range files {
		f, err := p.FS.OpenFile(p.Path(name), flag, 0o666)
		if err != nil {
			status = fail(p, "tee", "%s: %s", name, registry.Strerror(err))
			continue
		}
		defer f.Close()
		writers = append(writers, f)
	}
	if _, err := copyKillable(p, io.MultiWriter(writers...), stdin(p)); errors.Is(err, errKilled) {
		return 137
	}
	return status
}

// parseSize parses dd's sizes: 512, 1k, 1K, 20M, 1G, 2w, 1b, 1kB, 1MB.
func parseSize(s string) (int64, bool) {
	mult := int64(1)
	for _, suffix := range []struct {
		s string
		m int64
	}{{"kB", 1000}, {"MB", 1000 * 1000}, {"GB", 1000 * 1000 * 1000}, {"k", 1024}, {"K", 1024}, {"M", 1 << 20}, {"G", 1 << 30}, {"T", 1 << 40}, {"w", 2}, {"b", 512}, {"c", 1}} {
		if strings.HasSuffix(s, suffix.s) {
			mult, s = suffix.m, strings.TrimSuffix(s, suffix.s)
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n * mult, true
}

// dd copies blocks. Its block buffer is its memory: it reports bs as its
// memory usage (so that a dd with a block larger than the container's
// memory limit is OOM-killed, as the e2e tests expect), and copies from
// a device to a device (if=/dev/zero of=/dev/null) without doing the
// work, busy until killed or count is reached.
func dd(p *registry.Process) int {
	ifile, ofile := "-", "-"
	bs, count := int64(512), int64(-1)
	var skip, seek int64
	quiet := false
	for _, a := range p.Args[1:] {
		k, v, ok := strings.Cut(a, "=")
		if !ok {
			return fail(p, "dd", "invalid argument '%s'", a)
		}
		var good bool
		switch k {
		case "if":
			ifile, good = v, true
		case "of":
			ofile, good = v, true
		case "bs", "ibs", "obs":
			bs, good = parseSize(v)
		case "count":
			count, good = parseSize(v)
		case "skip":
			skip, good = parseSize(v)
		case "seek":
			seek, good = parseSize(v)
		case "status":
			quiet, good = v == "none" || v == "noxfer", true
		case "conv", "iflag", "oflag":
			good = true
		}
		if !good {
			return fail(p, "dd", "invalid number '%s'", v)
		}
	}
	if bs <= 0 {
		return fail(p, "dd", "invalid number '%d'", bs)
	}
	usage := func(cpu, mem int64) {
		if p.Usage != nil {
			p.Usage(cpu, mem)
		}
	}
	usage(1000, bs)
	defer usage(0, 0)
	start := time.Now()
	var in io.Reader = stdin(p)
	var out io.Writer = stdout(p)
	devIn := ifile != "-" && isDevice(p, ifile)
	devOut := ofile != "-" && isDevice(p, ofile)
	if ifile != "-" {
		f, err := p.FS.Open(p.Path(ifile))
		if err != nil {
			return fail(p, "dd", "can't open '%s': %s", ifile, registry.Strerror(err))
		}
		defer f.Close()
		in = f
	}
	if ofile != "-" {
		flag := os.O_WRONLY | os.O_CREATE
		if seek == 0 {
			flag |= os.O_TRUNC
		}
		f, err := p.FS.OpenFile(p.Path(ofile), flag, 0o666)
		if err != nil {
			return fail(p, "dd", "can't open '%s': %s", ofile, registry.Strerror(err))
		}
		defer f.Close()
		out = f
	}
	var full, bytesOut int64
	if devIn && devOut {
		if count < 0 {
			<-p.KillContext().Done()
			return 137
		}
		full, bytesOut = count, count*bs
	} else {
		chunk := make([]byte, min(bs, 1<<20))
		if skip > 0 {
			io.CopyN(io.Discard, in, skip*bs)
		}
		if seek > 0 {
			if s, ok := out.(io.Seeker); ok {
				s.Seek(seek*bs, io.SeekStart)
			}
		}
		for count < 0 || full < count {
			if p.KillContext().Err() != nil {
				return 137
			}
			var n int64
			for n < bs {
				m, err := in.Read(chunk[:min(int64(len(chunk)), bs-n)])
				if m > 0 {
					if _, werr := out.Write(chunk[:m]); werr != nil {
						return fail(p, "dd", "error writing '%s': %s", ofile, registry.Strerror(werr))
					}
					n += int64(m)
				}
				if err != nil {
					break
				}
			}
			bytesOut += n
			if n == 0 {
				break
			}
			full++
			if n < bs {
				break
			}
		}
	}
	if !quiet {
		elapsed := time.Since(start).Seconds()
		fmt.Fprintf(stderr(p), "%d+0 records in\n%d+0 records out\n%d bytes (%s) copied, %f seconds, %s/s\n",
			full, full, bytesOut, humanSize(float64(bytesOut)), elapsed, humanSize(float64(bytesOut)/max(elapsed, 1e-6)))
	}
	return 0
}

func humanSize(n float64) string {
	units := []string{"B", "KB", "MB", "GB", "TB"}
	i := 0
	for n >= 1024 && i < len(units)-1 {
		n /= 1024
		i++
	}
	if i == 0 {
		return fmt.Sprintf("%dB", int64(n))
	}
	return fmt.Sprintf("%.1f%s", n, units[i])
}
