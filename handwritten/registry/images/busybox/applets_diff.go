package busybox

import (
	"bufio"
	"bytes"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const diffUsage = "diff [-abBdiNqrTstw] [-L LABEL] [-S FILE] [-U LINES] FILE1 FILE2"

// diffOpts are diff's options.
type diffOpts struct {
	set     map[byte]string
	labels  []string
	context int
	out     *bufio.Writer
	status  int
}

// diff prints the unified differences of two files (busybox has no
// other format; "-" is stdin), or of two directories' files (-r:
// recursively). Exit 0 if they are the same, 1 if not, 2 on trouble.
func diff(p *registry.Process) int {
	args := permute(p.Args[1:], "LSU")
	all, args, bad := flagsAll(args, "LSU")
	if bad != 0 {
		return needArg(p, "diff", bad, diffUsage)
	}
	if f := checkFlags(all, "abBdiNqrTstwuLSU"); f != 0 {
		return badOption(p, "diff", f, diffUsage)
	}
	set := map[byte]string{}
	for f, v := range all {
		set[f] = v[len(v)-1]
	}
	o := &diffOpts{set: set, labels: all['L'], context: 3}
	if v, ok := set['U']; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(p, "diff", "invalid number '%s'", v) + 1
		}
		o.context = n
	}
	if len(args) != 2 {
		return usage(p, diffUsage)
	}
	o.out = bufio.NewWriter(stdout(p))
	defer o.out.Flush()
	a, b := args[0], args[1]
	infoA, errA := diffStat(p, a)
	infoB, errB := diffStat(p, b)
	isDir := func(i fs.FileInfo) bool { return i != nil && i.IsDir() }
	switch {
	case isDir(infoA) && isDir(infoB):
		if !o.diffDirs(p, a, b) {
			return 2
		}
		return o.status
	case isDir(infoA) && errB == nil:
		a = path.Join(a, path.Base(b))
	case isDir(infoB) && errA == nil:
		b = path.Join(b, path.Base(a))
	}
	if !o.diffFiles(p, a, b) {
		return 2
	}
	return o.status
}

func diffStat(p *registry.Process, name string) (fs.FileInfo, error) {
	if name == "-" {
		return nil, nil
	}
	return p.FS.Stat(p.Path(name))
}

// diffDirs compares the files of two directories.
func (o *diffOpts) diffDirs(p *registry.Process, a, b string) bool {
	list := func(dir string) map[string]bool {
		entries, _ := p.FS.ReadDir(p.Path(dir))
		m := map[string]bool{}
		for _, e := range entries {
			info, err := p.FS.Stat(p.Path(path.Join(dir, e.Name())))
			m[e.Name()] = err == nil && info.IsDir()
		}
		return m
	}
	ea, eb := list(a), list(b)
	var names []string
	for n := range ea {
		names = append(names, n)
	}
	for n := range eb {
		if _, ok := ea[n]; !ok {
			names = append(names, n)
		}
	}
	slices.Sort(names)
	if s, ok := o.set['S']; ok {
		names = slices.DeleteFunc(names, func(n string) bool { return n < s })
	}
	ok := true
	for _, n := range names {
		da, inA := ea[n]
		db, inB := eb[n]
		pa, pb := path.Join(a, n), path.Join(b, n)
		switch {
		case inA && inB && da && db:
			if has(o.set, 'r') {
				ok = o.diffDirs(p, pa, pb) && ok
			} else {
				o.out.WriteString("Common subdirectories: " + pa + " and " + pb + "\n")
			}
		case inA && inB && !da && !db:
			ok = o.diffFiles(p, pa, pb) && ok
		case inA && inB:
			o.out.WriteString("File " + pa + " is a " + diffKind(da) + " while file " + pb + " is a " + diffKind(db) + "\n")
			o.status = 1
		case has(o.set, 'r') && (da || db):
			// busybox -r passes over a directory only one side has.
		case has(o.set, 'N') && !da && !db:
			if inA {
				ok = o.diffFiles(p, pa, "/dev/null") && ok
			} else {
				ok = o.diffFiles(p, "/dev/null", pb) && ok
			}
		default:
			dir := a
			if inB {
				dir = b
			}
			o.out.WriteString("Only in " + dir + ": " + n + "\n")
			o.status = 1
		}
	}
	return ok
}

func diffKind(dir bool) string {
	if dir {
		return "directory"
	}
	return "regular file"
}

// diffLine is a line and whether it ended in a newline.
type diffLine struct {
	text string
	nl   bool
}

// read reads a file to compare (-N: a missing one is empty).
func (o *diffOpts) read(p *registry.Process, name string) ([]byte, bool) {
	if name == "/dev/null" {
		return nil, true
	}
	f, err := open(p, name)
	if err != nil {
		if has(o.set, 'N') && name != "-" {
			return nil, true
		}
		o.out.Flush()
		fail(p, "diff", "can't stat '%s': %s", name, registry.Strerror(err))
		return nil, false
	}
	data, _ := readAllKillable(p, f)
	f.Close()
	return data, true
}

func splitDiffLines(data []byte) []diffLine {
	var lines []diffLine
	for len(data) > 0 {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			lines = append(lines, diffLine{text: string(data)})
			break
		}
		lines = append(lines, diffLine{text: string(data[:i]), nl: true})
		data = data[i+1:]
	}
	return lines
}

// key is what a line is compared as (-b -w -i).
func (o *diffOpts) key(l diffLine) string {
	s := l.text
	if has(o.set, 'w') {
		s = strings.Map(func(r rune) rune {
			if unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s)
	} else if has(o.set, 'b') {
		lead := len(s) > 0 && (s[0] == ' ' || s[0] == '\t')
		s = strings.Join(strings.Fields(s), " ")
		if lead {
			s = " " + s
		}
	}
	if has(o.set, 'i') {
		s = strings.ToLower(s)
	}
	if !l.nl {
		s += "\x00"
	}
	return s
}

// diffFiles prints the unified diff of two files; false on trouble.
func (o *diffOpts) diffFiles(p *registry.Process, a, b string) bool {
	da, ok := o.read(p, a)
	if !ok {
		return false
	}
	db, ok := o.read(p, b)
	if !ok {
		return false
	}
	if bytes.Equal(da, db) {
		return true
	}
	binary := !has(o.set, 'a') && (bytes.IndexByte(da, 0) >= 0 || bytes.IndexByte(db, 0) >= 0)
	la, lb := splitDiffLines(da), splitDiffLines(db)
	ka, kb := make([]string, len(la)), make([]string, len(lb))
	for i, l := range la {
		ka[i] = o.key(l)
	}
	for i, l := range lb {
		kb[i] = o.key(l)
	}
	ops := diffOps(ka, kb)
	if has(o.set, 'B') {
		// A change of only blank lines is no change.
		for i := 0; i < len(ops); {
			if ops[i].kind == ' ' {
				i++
				continue
			}
			j := i
			blank := true
			for j < len(ops) && ops[j].kind != ' ' {
				l := lb[ops[j].b]
				if ops[j].kind == '-' {
					l = la[ops[j].a]
				}
				blank = blank && strings.TrimSpace(l.text) == ""
				j++
			}
			if blank {
				for k := i; k < j; k++ {
					ops[k].ignore = true
				}
			}
			i = j
		}
	}
	changed := slices.ContainsFunc(ops, func(op diffOp) bool { return op.kind != ' ' && !op.ignore })
	if !changed {
		return true
	}
	o.status = 1
	if binary || has(o.set, 'q') {
		o.out.WriteString("Files " + a + " and " + b + " differ\n")
		return true
	}
	la1, lb1 := a, b
	if len(o.labels) > 0 {
		la1 = o.labels[0]
	}
	if len(o.labels) > 1 {
		lb1 = o.labels[1]
	}
	o.out.WriteString("--- " + la1 + "\n+++ " + lb1 + "\n")
	// Hunks: runs of changes with context, joined when at most twice the
	// context apart.
	var changes []int
	for i, op := range ops {
		if op.kind != ' ' && !op.ignore {
			changes = append(changes, i)
		}
	}
	for k := 0; k < len(changes); {
		start := max(changes[k]-o.context, 0)
		end := changes[k]
		for k < len(changes) && changes[k]-end <= 2*o.context+1 {
			end = changes[k]
			k++
		}
		end = min(end+o.context+1, len(ops))
		o.hunk(ops[start:end], la, lb)
	}
	return true
}

type diffOp struct {
	kind   byte // ' ', '-', '+'
	a, b   int  // line indexes (a for ' ' '-', b for '+')
	ignore bool // a change of blank lines only (-B)
}

// hunk prints one hunk: "@@ -start,count +start,count @@" and its
// lines.
func (o *diffOpts) hunk(ops []diffOp, la, lb []diffLine) {
	// The first lines of each side the hunk covers, and their counts.
	sa, sb, na, nb := -1, -1, 0, 0
	for _, op := range ops {
		switch op.kind {
		case ' ':
			if sa < 0 {
				sa = op.a
			}
			if sb < 0 {
				sb = op.b
			}
			na++
			nb++
		case '-':
			if sa < 0 {
				sa = op.a
			}
			na++
		case '+':
			if sb < 0 {
				sb = op.b
			}
			nb++
		}
	}
	// A side with no lines starts after the line before the hunk.
	if sa < 0 {
		sa = ops[0].a
	}
	if sb < 0 {
		sb = ops[0].b
	}
	rng := func(s, n int) string {
		if n == 0 {
			return strconv.Itoa(s) + ",0"
		}
		if n == 1 {
			return strconv.Itoa(s + 1)
		}
		return strconv.Itoa(s+1) + "," + strconv.Itoa(n)
	}
	fmt.Fprintf(o.out, "@@ -%s +%s @@\n", rng(sa, na), rng(sb, nb))
	line := func(prefix byte, l diffLine) {
		o.out.WriteByte(prefix)
		if has(o.set, 'T') {
			o.out.WriteByte('\t')
		}
		text := l.text
		if has(o.set, 't') {
			text = expandTabs(text)
		}
		o.out.WriteString(text + "\n")
		if !l.nl {
			o.out.WriteString("\\ No newline at end of file\n")
		}
	}
	for _, op := range ops {
		switch op.kind {
		case ' ':
			line(' ', la[op.a])
		case '-':
			line('-', la[op.a])
		case '+':
			line('+', lb[op.b])
		}
	}
}

func expandTabs(s string) string {
	var b strings.Builder
	col := 0
	for _, r := range s {
		if r == '\t' {
			n := 8 - col%8
			b.WriteString(strings.Repeat(" ", n))
			col += n
			continue
		}
		b.WriteRune(r)
		col++
	}
	return b.String()
}

// diffOps is a shortest edit script from a to b (Myers' algorithm, on
// what lies between their common first and last lines): kept lines
// carry both indexes, and a change's deletions come before its
// insertions. Each op also carries the other side's position (for a
// hunk that has no line of one side). Past diffMaxD differences the
// rest is one change (a correct, longer diff).
func diffOps(a, b []string) []diffOp {
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	var ops []diffOp
	for i := range pre {
		ops = append(ops, diffOp{kind: ' ', a: i, b: i})
	}
	for _, op := range myers(a[pre:len(a)-suf], b[pre:len(b)-suf]) {
		op.a += pre
		op.b += pre
		ops = append(ops, op)
	}
	for i := suf; i > 0; i-- {
		ops = append(ops, diffOp{kind: ' ', a: len(a) - i, b: len(b) - i})
	}
	return ops
}

const diffMaxD = 4000

// myers is diffOps on lines that differ at both ends.
func myers(a, b []string) []diffOp {
	n, m := len(a), len(b)
	maxD := n + m
	off := maxD + 1
	v := make([]int, 2*maxD+3)
	// trace[d] is v[-d-1..d+1] as round d starts.
	var trace [][]int
	found := false
	for d := 0; d <= maxD && d <= diffMaxD; d++ {
		trace = append(trace, slices.Clone(v[off-d-1:off+d+2]))
		for k := -d; k <= d; k += 2 {
			var x int
			if k == -d || k != d && v[off+k-1] < v[off+k+1] {
				x = v[off+k+1]
			} else {
				x = v[off+k-1] + 1
			}
			y := x - k
			for x < n && y < m && a[x] == b[y] {
				x, y = x+1, y+1
			}
			v[off+k] = x
			if x >= n && y >= m {
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		var ops []diffOp
		for i := range n {
			ops = append(ops, diffOp{kind: '-', a: i, b: 0})
		}
		for j := range m {
			ops = append(ops, diffOp{kind: '+', a: n, b: j})
		}
		return ops
	}
	// Walk back from (n, m).
	var rev []diffOp
	x, y := n, m
	for d := len(trace) - 1; d >= 0; d-- {
		vd := trace[d]
		at := func(k int) int { return vd[k+d+1] }
		k := x - y
		var prevK int
		if k == -d || k != d && at(k-1) < at(k+1) {
			prevK = k + 1
		} else {
			prevK = k - 1
		}
		prevX := 0
		if d > 0 {
			prevX = at(prevK)
		}
		prevY := prevX - prevK
		if d == 0 {
			prevX, prevY = 0, 0
		}
		for x > prevX && y > prevY {
			x, y = x-1, y-1
			rev = append(rev, diffOp{kind: ' ', a: x, b: y})
		}
		if d == 0 {
			break
		}
		if x == prevX {
			y--
			rev = append(rev, diffOp{kind: '+', a: x, b: y})
		} else {
			x--
			rev = append(rev, diffOp{kind: '-', a: x, b: y})
		}
	}
	slices.Reverse(rev)
	// Deletions first within each change.
	for i := 0; i < len(rev); {
		if rev[i].kind == ' ' {
			i++
			continue
		}
		j := i
		for j < len(rev) && rev[j].kind != ' ' {
			j++
		}
		slices.SortStableFunc(rev[i:j], func(p, q diffOp) int {
			if p.kind == q.kind {
				return 0
			}
			if p.kind == '-' {
				return -1
			}
			return 1
		})
		i = j
	}
	return rev
}
