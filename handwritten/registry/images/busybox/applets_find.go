package busybox

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os/exec"
	"path"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	"mvdan.cc/sh/v3/pattern"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const findUsage = "find [-HL] [PATH]... [OPTIONS] [ACTIONS]"

// findEntry is the file find is looking at.
type findEntry struct {
	path  string // as printed
	full  string // container path
	info  fs.FileInfo
	depth int
}

// findExpr is a node of find's expression: a test or an action, or
// !, -a and -o of nodes.
type findExpr struct {
	op          string // "!", "-a", "-o", or the primary ("-name", ...)
	left, right *findExpr
	arg         string
	re          *regexp.Regexp
	num         int64
	cmp         byte // '+', '-' or 0 for -size, -mtime, -links
	unit        int64
	when        time.Time
	cmd         []string
	plus        bool
	batch       []string // -exec ... + collected names
}

// finder walks and evaluates.
type finder struct {
	p                  *registry.Process
	w                  *bufio.Writer
	expr               *findExpr
	execs              []*findExpr
	maxDepth, minDepth int
	depthFirst         bool
	follow             bool // -L, -follow: symbolic links are their targets
	followRoots        bool // -H (and -L): the paths' links are
	status             int
	quit               bool
	now                time.Time
}

// find walks its paths (the current directory without any) and applies
// its expression: the tests -name -iname -path -ipath -regex -type -size
// -empty -newer -mtime -mmin -perm -links -user -group, the actions
// -print -print0 -exec (; and +) -prune -quit, and !, -not, -a, -and,
// -o, -or and parentheses; -maxdepth, -mindepth, -depth, -xdev and
// -follow are options; -H follows the paths' symbolic links, -L and
// -follow all of them (a loop ends where its path has too many links). Without an action it prints what matches. Like the
// reference's busybox, it has no -delete.
func find(p *registry.Process) int {
	args := p.Args[1:]
	f := &finder{p: p, maxDepth: -1, now: time.Now()}
	for len(args) > 0 && (args[0] == "-H" || args[0] == "-L") {
		f.followRoots = true
		f.follow = f.follow || args[0] == "-L"
		args = args[1:]
	}
	var paths []string
	for len(args) > 0 && !strings.HasPrefix(args[0], "-") && args[0] != "!" && args[0] != "(" {
		paths = append(paths, args[0])
		args = args[1:]
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	parser := &findParser{f: f, args: args}
	if len(args) > 0 {
		e, err := parser.or()
		if err == nil && parser.pos < len(args) {
			err = fmt.Errorf("unrecognized: %s", args[parser.pos])
		}
		if err != nil {
			fmt.Fprintf(stderr(p), "find: %v\n", err)
			if strings.HasPrefix(err.Error(), "unrecognized") {
				return usage(p, findUsage)
			}
			return 1
		}
		f.expr = e
	}
	if !parser.action {
		print := &findExpr{op: "-print"}
		if f.expr == nil {
			f.expr = print
		} else {
			f.expr = &findExpr{op: "-a", left: f.expr, right: print}
		}
	}
	f.w = bufio.NewWriter(stdout(p))
	defer f.w.Flush()
	for _, root := range paths {
		if f.quit {
			break
		}
		full := p.Path(root)
		// A path ending in "/" is its link's target, as in the kernel.
		info, err := f.stat(full, f.followRoots || strings.HasSuffix(root, "/"))
		if err != nil {
			f.w.Flush()
			f.status = fail(p, "find", "%s: %s", root, registry.Strerror(err))
			continue
		}
		f.walk(findEntry{path: root, full: full, info: info})
	}
	for _, e := range f.execs {
		if len(e.batch) > 0 && !f.runExec(e, e.batch) {
			f.status = 1
		}
	}
	return f.status
}

// stat is Lstat, or Stat when following links (a dangling link stays a
// link; a loop is an error).
func (f *finder) stat(name string, follow bool) (fs.FileInfo, error) {
	if follow {
		// Resolved here (canonical) rather than by Stat, so that a loop
		// is ELOOP on every host.
		target, err := canonical(f.p.FS, name)
		if err == nil {
			return f.p.FS.Lstat(target)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	return f.p.FS.Lstat(name)
}

func (f *finder) walk(e findEntry) {
	if f.p.KillContext().Err() != nil {
		f.quit = true
		return
	}
	prune := false
	if !f.depthFirst && e.depth >= f.minDepth {
		_, prune = f.eval(f.expr, e)
	}
	if e.info.IsDir() && !prune && !f.quit && (f.maxDepth < 0 || e.depth < f.maxDepth) {
		entries, err := f.p.FS.ReadDir(e.full)
		if err != nil {
			f.w.Flush()
			f.status = fail(f.p, "find", "%s: %s", e.path, registry.Strerror(err))
		}
		for _, d := range entries {
			if f.quit {
				return
			}
			child := path.Join(e.full, d.Name())
			shown := e.path + "/" + d.Name()
			if strings.HasSuffix(e.path, "/") {
				shown = e.path + d.Name()
			}
			info, err := f.stat(child, f.follow)
			if err != nil {
				f.w.Flush()
				f.status = fail(f.p, "find", "%s: %s", shown, registry.Strerror(err))
				continue
			}
			f.walk(findEntry{path: shown, full: child, info: info, depth: e.depth + 1})
		}
	}
	if f.depthFirst && e.depth >= f.minDepth && !f.quit {
		f.eval(f.expr, e)
	}
}

// eval is the value of x for e; prune reports a -prune that was reached.
func (f *finder) eval(x *findExpr, e findEntry) (ok, prune bool) {
	if f.quit {
		return false, false
	}
	switch x.op {
	case "!":
		ok, prune = f.eval(x.left, e)
		return !ok, prune
	case "-a":
		ok, prune = f.eval(x.left, e)
		if !ok {
			return false, prune
		}
		ok, p2 := f.eval(x.right, e)
		return ok, prune || p2
	case "-o":
		ok, prune = f.eval(x.left, e)
		if ok {
			return true, prune
		}
		ok, p2 := f.eval(x.right, e)
		return ok, prune || p2
	case "-true", "-xdev", "-follow":
		return true, false
	case "-name":
		return shMatch(x.arg, findBase(e.path)), false
	case "-iname":
		return shMatch(strings.ToLower(x.arg), strings.ToLower(findBase(e.path))), false
	case "-path":
		return shMatch(x.arg, e.path), false
	case "-ipath":
		return shMatch(strings.ToLower(x.arg), strings.ToLower(e.path)), false
	case "-regex":
		return x.re.MatchString(e.path), false
	case "-type":
		return findType(e.info.Mode()) == x.arg[0], false
	case "-size":
		// Busybox compares bytes with N units, unrounded.
		return findCompare(e.info.Size(), x.num*x.unit, x.cmp), false
	case "-empty":
		if e.info.IsDir() {
			entries, err := f.p.FS.ReadDir(e.full)
			return err == nil && len(entries) == 0, false
		}
		return e.info.Mode().IsRegular() && e.info.Size() == 0, false
	case "-newer":
		return e.info.ModTime().After(x.when), false
	case "-mtime", "-mmin":
		age := f.now.Sub(e.info.ModTime())
		unit := 24 * time.Hour
		if x.op == "-mmin" {
			unit = time.Minute
		}
		return findCompare(int64(age/unit), x.num, x.cmp), false
	case "-perm":
		m := int64(unixMode(e.info.Mode()) & 0o7777)
		switch x.cmp {
		case '-':
			return m&x.num == x.num, false
		case '+':
			return m&x.num != 0 || x.num == 0, false
		}
		return m == x.num, false
	case "-links":
		s := newStatFile(e.path, e.full, e.info)
		return findCompare(int64(s.nlink), x.num, x.cmp), false
	case "-user", "-group":
		// Everything in the container belongs to root.
		return x.num == 0, false
	case "-print":
		f.w.WriteString(e.path + "\n")
		return true, false
	case "-print0":
		f.w.WriteString(e.path + "\x00")
		return true, false
	case "-prune":
		return true, true
	case "-quit":
		f.quit = true
		return false, false
	case "-exec":
		if x.plus {
			x.batch = append(x.batch, e.path)
			return true, false
		}
		return f.runExec(x, []string{e.path}), false
	}
	return false, false
}

// runExec runs -exec's command with {} replaced by names (one, or with
// + all of them in place of the {} that ends the command).
func (f *finder) runExec(x *findExpr, names []string) bool {
	var argv []string
	for i, a := range x.cmd {
		if x.plus && i == len(x.cmd)-1 {
			argv = append(argv, names...)
			continue
		}
		argv = append(argv, strings.ReplaceAll(a, "{}", names[0]))
	}
	f.w.Flush()
	c := *f.p
	c.Args = argv
	prog, err := c.LookPath(argv[0])
	if err != nil {
		if ee, ok := err.(*exec.Error); ok && ee.Err == exec.ErrNotFound {
			fail(f.p, "find", "%s: No such file or directory", argv[0])
		} else {
			fail(f.p, "find", "%s: %s", argv[0], registry.Strerror(err))
		}
		return false
	}
	return registry.Run(prog, &c) == 0
}

func findBase(p string) string {
	if t := strings.TrimRight(p, "/"); t != "" {
		return path.Base(t)
	}
	return "/"
}

// findType is -type's letter for a mode.
func findType(m fs.FileMode) byte {
	switch {
	case m.IsDir():
		return 'd'
	case m&fs.ModeSymlink != 0:
		return 'l'
	case m&fs.ModeNamedPipe != 0:
		return 'p'
	case m&fs.ModeSocket != 0:
		return 's'
	case m&fs.ModeCharDevice != 0:
		return 'c'
	case m&fs.ModeDevice != 0:
		return 'b'
	}
	return 'f'
}

func findCompare(v, n int64, cmp byte) bool {
	switch cmp {
	case '+':
		return v > n
	case '-':
		return v < n
	}
	return v == n
}

// findParser parses find's expression: or of ands of nots of primaries.
type findParser struct {
	f      *finder
	args   []string
	pos    int
	action bool // an action was given: no implicit -print
}

func (fp *findParser) peek() string {
	if fp.pos < len(fp.args) {
		return fp.args[fp.pos]
	}
	return ""
}

func (fp *findParser) or() (*findExpr, error) {
	left, err := fp.and()
	if err != nil {
		return nil, err
	}
	for fp.peek() == "-o" || fp.peek() == "-or" {
		fp.pos++
		right, err := fp.and()
		if err != nil {
			return nil, err
		}
		left = &findExpr{op: "-o", left: left, right: right}
	}
	return left, nil
}

func (fp *findParser) and() (*findExpr, error) {
	left, err := fp.not()
	if err != nil {
		return nil, err
	}
	for {
		switch t := fp.peek(); t {
		case "", "-o", "-or", ")":
			return left, nil
		case "-a", "-and":
			fp.pos++
		}
		right, err := fp.not()
		if err != nil {
			return nil, err
		}
		left = &findExpr{op: "-a", left: left, right: right}
	}
}

func (fp *findParser) not() (*findExpr, error) {
	if t := fp.peek(); t == "!" || t == "-not" {
		fp.pos++
		x, err := fp.not()
		if err != nil {
			return nil, err
		}
		return &findExpr{op: "!", left: x}, nil
	}
	return fp.primary()
}

func (fp *findParser) primary() (*findExpr, error) {
	t := fp.peek()
	if t == "" {
		return nil, fmt.Errorf("unrecognized: %s", fp.args[len(fp.args)-1])
	}
	fp.pos++
	arg := func() (string, error) {
		if fp.pos >= len(fp.args) {
			return "", fmt.Errorf("%s requires an argument", t)
		}
		fp.pos++
		return fp.args[fp.pos-1], nil
	}
	// number parses [+-]N with an optional unit suffix from units.
	number := func(s string, units map[byte]int64) (int64, byte, int64, bool) {
		var cmp byte
		if s != "" && (s[0] == '+' || s[0] == '-') {
			cmp, s = s[0], s[1:]
		}
		unit := int64(1)
		if units != nil {
			unit = units[0]
			if s != "" {
				if u, ok := units[s[len(s)-1]]; ok {
					unit, s = u, s[:len(s)-1]
				}
			}
		}
		n, err := strconv.ParseInt(s, 10, 64)
		return n, cmp, unit, err == nil && n >= 0
	}
	x := &findExpr{op: t}
	switch t {
	case "(":
		e, err := fp.or()
		if err != nil {
			return nil, err
		}
		if fp.peek() != ")" {
			return nil, fmt.Errorf("unrecognized: (")
		}
		fp.pos++
		return e, nil
	case "-print", "-print0", "-quit":
		fp.action = true
	case "-follow":
		fp.f.follow, fp.f.followRoots = true, true
	case "-prune", "-empty", "-xdev":
	case "-depth":
		fp.f.depthFirst = true
		x.op = "-true"
	case "-maxdepth", "-mindepth":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		n, err := strconv.Atoi(a)
		if err != nil || n < 0 {
			return nil, fmt.Errorf("invalid number '%s'", a)
		}
		if t == "-maxdepth" {
			fp.f.maxDepth = n
		} else {
			fp.f.minDepth = n
		}
		x.op = "-true"
	case "-name", "-iname", "-path", "-ipath", "-wholename":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		if t == "-wholename" {
			x.op = "-path"
		}
		x.arg = a
	case "-regex":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		re, err := regexp.Compile("^(?:" + breToERE(a) + ")$")
		if err != nil {
			return nil, fmt.Errorf("bad regex '%s'", a)
		}
		x.re = re
	case "-type":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		if len(a) != 1 || strings.IndexByte("fdlbcps", a[0]) < 0 {
			return nil, fmt.Errorf("invalid argument '%s' to '-type'", a)
		}
		x.arg = a
	case "-size":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		n, cmp, unit, ok := number(a, map[byte]int64{0: 512, 'c': 1, 'b': 512, 'w': 2, 'k': 1024, 'M': 1 << 20, 'G': 1 << 30})
		if !ok {
			return nil, fmt.Errorf("invalid number '%s'", a)
		}
		x.num, x.cmp, x.unit = n, cmp, unit
	case "-mtime", "-mmin", "-links":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		n, cmp, _, ok := number(a, nil)
		if !ok {
			return nil, fmt.Errorf("invalid number '%s'", a)
		}
		x.num, x.cmp = n, cmp
	case "-perm":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		s := a
		if s != "" && (s[0] == '-' || s[0] == '+' || s[0] == '/') {
			x.cmp, s = s[0], s[1:]
			if x.cmp == '/' {
				x.cmp = '+'
			}
		}
		n, err := strconv.ParseInt(s, 8, 32)
		if err != nil {
			return nil, fmt.Errorf("invalid mode '%s'", a)
		}
		x.num = n
	case "-user", "-group":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		file := "/etc/passwd"
		if t == "-group" {
			file = "/etc/group"
		}
		id, ok := lookupID(fp.f.p, file, a)
		if !ok {
			return nil, fmt.Errorf("unknown %s %s", strings.TrimPrefix(t, "-"), a)
		}
		x.num = int64(id)
	case "-newer":
		a, err := arg()
		if err != nil {
			return nil, err
		}
		info, err := fp.f.p.FS.Stat(fp.f.p.Path(a))
		if err != nil {
			return nil, fmt.Errorf("can't stat '%s': %s", a, registry.Strerror(err))
		}
		x.when = info.ModTime()
	case "-exec":
		fp.action = true
		if fp.pos >= len(fp.args) {
			return nil, fmt.Errorf("-exec requires an argument")
		}
		for fp.pos < len(fp.args) {
			a := fp.args[fp.pos]
			fp.pos++
			if a == ";" {
				break
			}
			if a == "+" && len(x.cmd) > 0 && x.cmd[len(x.cmd)-1] == "{}" {
				x.plus = true
				break
			}
			x.cmd = append(x.cmd, a)
			if fp.pos == len(fp.args) {
				return nil, fmt.Errorf("-exec requires an argument")
			}
		}
		if len(x.cmd) == 0 {
			return nil, fmt.Errorf("-exec CMD must end by ';' or '+'")
		}
		if x.plus {
			fp.f.execs = append(fp.f.execs, x)
		}
	default:
		return nil, fmt.Errorf("unrecognized: %s", t)
	}
	return x, nil
}

// lookupID is the id of a user (or group) name in the container's
// /etc/passwd (or /etc/group), or a number.
func lookupID(p *registry.Process, file, name string) (uint32, bool) {
	if n, err := strconv.ParseUint(name, 10, 32); err == nil {
		return uint32(n), true
	}
	data, err := p.FS.ReadFile(file)
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		fields := strings.Split(line, ":")
		if len(fields) >= 3 && fields[0] == name {
			n, err := strconv.ParseUint(fields[2], 10, 32)
			return uint32(n), err == nil
		}
	}
	return 0, false
}

// shMatch reports whether s matches the shell pattern pat (find -name,
// -path): unlike a pathname, * and ? match "/" too. A malformed pattern
// matches itself.
func shMatch(pat, s string) bool {
	re, ok := patternRegexps.Load(pat)
	if !ok {
		expr, err := pattern.Regexp(pat, pattern.EntireString)
		if err != nil {
			return pat == s
		}
		compiled, err := regexp.Compile("(?s)" + expr)
		if err != nil {
			return pat == s
		}
		re, _ = patternRegexps.LoadOrStore(pat, compiled)
	}
	return re.(*regexp.Regexp).MatchString(s)
}

// patternRegexps caches the compiled patterns of shMatch.
var patternRegexps sync.Map
