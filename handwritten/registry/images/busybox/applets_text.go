package busybox

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// textApplets are busybox's text filters (tr, sed, xargs, ...).
var textApplets = map[string]registry.Program{
	"rev":      rev,
	"tr":       tr,
	"tac":      tac,
	"nl":       nl,
	"fold":     fold,
	"paste":    paste,
	"expand":   expand,
	"unexpand": unexpand,
	"dos2unix": dos2unix,
	"unix2dos": dos2unix,
	"strings":  stringsApplet,
	"shuf":     shuf,
	"egrep":    grepAs("-E"),
	"fgrep":    grepAs("-F"),
	"factor":   factor,
	"cmp":      cmp,
	"expr":     exprApplet,
	"sed":      sed,
	"xargs":    xargs,
	"getopt":   getopt,
	"ts":       ts,
	"diff":     diff,
}

// badOption prints busybox's complaint about an unknown option and the
// applet's usage; it returns 1.
func badOption(p *registry.Process, applet string, f byte, text string) int {
	fmt.Fprintf(stderr(p), "%s: invalid option -- '%c'\n", applet, f)
	return usage(p, text)
}

// needArg is badOption for an option given without its argument.
func needArg(p *registry.Process, applet string, f byte, text string) int {
	fmt.Fprintf(stderr(p), "%s: option requires an argument -- '%c'\n", applet, f)
	return usage(p, text)
}

// permutedOptions is options for an applet whose options may also follow
// its operands (getopt's permutation): a missing argument is reported
// before an invalid option.
func permutedOptions(p *registry.Process, applet, allowed, withArg, text string) (set map[byte]string, operands []string, ok bool) {
	set, operands, bad := flags(permute(p.Args[1:], withArg), withArg)
	if bad != 0 {
		needArg(p, applet, bad, text)
		return nil, nil, false
	}
	if f := checkFlags(set, allowed); f != 0 {
		badOption(p, applet, f, text)
		return nil, nil, false
	}
	return set, operands, true
}

// checkFlags reports the first flag of set not in known (0 if none).
func checkFlags[V any](set map[byte]V, known string) byte {
	for f := range set {
		if strings.IndexByte(known, f) < 0 {
			return f
		}
	}
	return 0
}

// killable reads r in the background so that a read blocked on a pipe
// or a device ends with errKilled when the process is killed.
func killable(p *registry.Process, r io.Reader) io.Reader {
	k := &killReader{chunks: make(chan []byte), done: p.KillContext().Done()}
	go func() {
		for {
			buf := make([]byte, 32*1024)
			n, err := r.Read(buf)
			if n > 0 {
				select {
				case k.chunks <- buf[:n]:
				case <-k.done:
					return
				}
			}
			if err != nil {
				k.err = err
				close(k.chunks)
				return
			}
		}
	}()
	return k
}

type killReader struct {
	chunks chan []byte
	done   <-chan struct{}
	rest   []byte
	err    error // set before chunks is closed
}

func (k *killReader) Read(b []byte) (int, error) {
	if len(k.rest) == 0 {
		select {
		case c, ok := <-k.chunks:
			if !ok {
				return 0, k.err
			}
			k.rest = c
		case <-k.done:
			return 0, errKilled
		}
	}
	n := copy(b, k.rest)
	k.rest = k.rest[n:]
	return n, nil
}

// isDirFile reports whether an opened file is a directory.
func isDirFile(f io.Reader) bool {
	st, ok := f.(interface{ Stat() (fs.FileInfo, error) })
	if !ok {
		return false
	}
	info, err := st.Stat()
	return err == nil && info.IsDir()
}

// eachTextLine calls fn with each line of r (without its newline) and
// whether it had one.
func eachTextLine(r io.Reader, fn func(line string, nl bool)) {
	br := bufio.NewReader(r)
	for {
		line, err := br.ReadString('\n')
		text, nl := strings.CutSuffix(line, "\n")
		if nl || text != "" {
			fn(text, nl)
		}
		if err != nil {
			return
		}
	}
}

// rev prints each line of its files (or stdin) with its characters
// reversed; a last line without a newline stays without.
func rev(p *registry.Process) int {
	_, files, _ := flags(p.Args[1:], "")
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			w.Flush()
			status = fail(p, "rev", "%s: %s", name, registry.Strerror(err))
			continue
		}
		r := bufio.NewReader(f)
		for {
			line, err := r.ReadString('\n')
			text, nl := strings.CutSuffix(line, "\n")
			c := []rune(text)
			for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
				c[i], c[j] = c[j], c[i]
			}
			w.WriteString(string(c))
			if nl {
				w.WriteByte('\n')
			}
			if err != nil {
				break
			}
		}
		f.Close()
	}
	return status
}

const trUsage = "tr [-cds] STRING1 [STRING2]"

// tr translates stdin's bytes from STRING1 to STRING2 (a shorter STRING2
// repeats its last byte), or deletes (-d) or squeezes (-s) them; -c takes
// STRING1's complement. Sets have ranges, [:class:], [=c=] and backslash
// escapes ([c*n] is literal, as in busybox).
func tr(p *registry.Process) int {
	set, args, _ := flags(p.Args[1:], "")
	if f := checkFlags(set, "cdsC"); f != 0 {
		return badOption(p, "tr", f, trUsage)
	}
	if len(args) == 0 {
		return usage(p, trUsage)
	}
	s1 := trSet(args[0])
	var s2 []byte
	if len(args) > 1 {
		s2 = trSet(args[1])
		if args[1] == "" {
			return fail(p, "tr", "STRING2 cannot be empty")
		}
	}
	var in1 [256]bool
	for _, c := range s1 {
		in1[c] = true
	}
	if has(set, 'c') || has(set, 'C') {
		var comp []byte
		for c := 0; c < 256; c++ {
			if !in1[c] {
				comp = append(comp, byte(c))
			}
		}
		for c := range in1 {
			in1[c] = !in1[c]
		}
		s1 = comp
	}
	del, squeeze := has(set, 'd'), has(set, 's')
	var mapping [256]int
	for c := range mapping {
		mapping[c] = c
	}
	if !del && len(s2) > 0 {
		for i, c := range s1 {
			j := min(i, len(s2)-1)
			mapping[c] = int(s2[j])
		}
	}
	var sq [256]bool
	switch {
	case squeeze && len(args) > 1:
		for _, c := range s2 {
			sq[c] = true
		}
	case squeeze:
		sq = in1
	}
	// Chunk by chunk, as the input comes.
	in := killable(p, stdin(p))
	buf := make([]byte, 32*1024)
	last := -1
	for {
		n, err := in.Read(buf)
		out := make([]byte, 0, n)
		for _, c := range buf[:n] {
			if del && in1[c] {
				continue
			}
			o := byte(mapping[c])
			if squeeze && sq[o] && int(o) == last {
				continue
			}
			out = append(out, o)
			last = int(o)
		}
		if len(out) > 0 {
			if _, werr := stdout(p).Write(out); werr != nil {
				return 1
			}
		}
		if err != nil {
			return 0
		}
	}
}

// trClasses are tr's [:name:] classes.
var trClasses = map[string]func(c byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"digit":  isDigit,
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"space":  func(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' },
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"punct":  func(c byte) bool { return c > ' ' && c < 127 && !isAlpha(c) && !isDigit(c) },
	"print":  func(c byte) bool { return c >= ' ' && c < 127 },
	"graph":  func(c byte) bool { return c > ' ' && c < 127 },
	"cntrl":  func(c byte) bool { return c < ' ' || c == 127 },
	"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// trSet expands a tr set to its bytes, in order.
func trSet(s string) []byte {
	// Escapes first, marking which bytes were escaped.
	var raw []byte
	var lit []bool
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\\' && i+1 < len(s) {
			i++
			e := s[i]
			switch {
			case e >= '0' && e <= '7':
				n, j := 0, i
				for j < len(s) && j < i+3 && s[j] >= '0' && s[j] <= '7' {
					n = n*8 + int(s[j]-'0')
					j++
				}
				c, i = byte(n), j-1
			default:
				if k := strings.IndexByte("abfnrtv", e); k >= 0 {
					c = "\a\b\f\n\r\t\v"[k]
				} else {
					c = e
				}
			}
			raw, lit = append(raw, c), append(lit, true)
			continue
		}
		raw, lit = append(raw, c), append(lit, false)
	}
	var out []byte
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c == '[' && !lit[i] && i+1 < len(raw) {
			rest := string(raw[i+1:])
			if name, ok := strings.CutPrefix(rest, ":"); ok {
				if end := strings.Index(name, ":]"); end >= 0 {
					if fn, ok := trClasses[name[:end]]; ok {
						for b := 0; b < 256; b++ {
							if fn(byte(b)) {
								out = append(out, byte(b))
							}
						}
						i += 1 + end + 2
						continue
					}
				}
			}
			if len(rest) >= 4 && rest[0] == '=' && rest[2:4] == "=]" {
				out = append(out, rest[1])
				i += 4
				continue
			}
		}
		if i+2 < len(raw) && raw[i+1] == '-' && !lit[i+1] {
			for b := int(c); b <= int(raw[i+2]); b++ {
				out = append(out, byte(b))
			}
			i += 2
			continue
		}
		out = append(out, c)
	}
	return out
}

// tac prints its files (or stdin) last line first.
func tac(p *registry.Process) int {
	_, files, ok := permutedOptions(p, "tac", "", "", "tac [FILE]...")
	if !ok {
		return 1
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	for _, name := range files {
		var lines []string
		f, err := open(p, name)
		if err != nil {
			status = fail(p, "tac", "%s: %s", name, registry.Strerror(err))
			continue
		}
		if isDirFile(f) {
			f.Close()
			status = fail(p, "tac", "%s: Is a directory", name)
			continue
		}
		data, _ := readAllKillable(p, f)
		f.Close()
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			if i < 0 {
				i = len(data) - 1
			}
			lines = append(lines, string(data[:i+1]))
			data = data[i+1:]
		}
		for i := len(lines) - 1; i >= 0; i-- {
			w.WriteString(lines[i])
		}
	}
	return status
}

const nlUsage = "nl [OPTIONS] [FILE]..."

// nl numbers lines: -b a (all), t (non-empty, the default) or n (none,
// as any other style),
// -i increment, -s separator, -v first number, -w width.
func nl(p *registry.Process) int {
	set, files, ok := permutedOptions(p, "nl", "bisvw", "bisvw", nlUsage)
	if !ok {
		return 1
	}
	style, sep, width, incr, n := "t", "\t", 6, 1, 1
	if v, ok := set['b']; ok {
		style = v
	}
	if v, ok := set['s']; ok {
		sep = v
	}
	for f, dst := range map[byte]*int{'w': &width, 'i': &incr, 'v': &n} {
		if v, ok := set[f]; ok {
			x, err := strconv.Atoi(v)
			if err != nil {
				return fail(p, "nl", "invalid number '%s'", v)
			}
			*dst = x
		}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			w.Flush()
			status = fail(p, "nl", "%s: %s", name, registry.Strerror(err))
			continue
		}
		eachTextLine(killable(p, f), func(line string, _ bool) {
			defer w.Flush()
			if style == "a" || style == "t" && line != "" {
				fmt.Fprintf(w, "%*d%s%s\n", width, n, sep, line)
				n += incr
			} else {
				fmt.Fprintf(w, "%*s%s\n", width+len(sep), "", line)
			}
		})
		f.Close()
	}
	return status
}

const foldUsage = "fold [-bs] [-w WIDTH] [FILE]..."

// fold breaks lines longer than -w columns (80); -s breaks after the
// last blank, -b counts bytes instead of columns.
func fold(p *registry.Process) int {
	set, files, ok := permutedOptions(p, "fold", "bsw", "w", foldUsage)
	if !ok {
		return 1
	}
	width, ok := positiveOption(p, "fold", set, 'w', 80)
	if !ok {
		return 1
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	advance := func(col int, c byte) int {
		if has(set, 'b') {
			return col + 1
		}
		switch c {
		case '\t':
			return col + 8 - col%8
		case '\b':
			return max(col-1, 0)
		case '\r':
			return 0
		}
		return col + 1
	}
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			w.Flush()
			status = fail(p, "fold", "%s: %s", name, registry.Strerror(err))
			continue
		}
		if isDirFile(f) {
			f.Close()
			w.Flush()
			status = fail(p, "fold", "%s: Input/output error", name)
			continue
		}
		data, _ := readAllKillable(p, f)
		f.Close()
		var buf []byte
		col := 0
		for _, c := range data {
			if c == '\n' {
				w.Write(buf)
				w.WriteByte('\n')
				buf, col = buf[:0], 0
				continue
			}
			for {
				next := advance(col, c)
				if next <= width || len(buf) == 0 {
					buf = append(buf, c)
					col = next
					break
				}
				cut := len(buf)
				if has(set, 's') {
					if i := bytes.LastIndexAny(buf, " \t"); i >= 0 {
						cut = i + 1
					}
				}
				w.Write(buf[:cut])
				w.WriteByte('\n')
				buf = append(buf[:0], buf[cut:]...)
				col = 0
				for _, b := range buf {
					col = advance(col, b)
				}
			}
		}
		w.Write(buf)
	}
	return status
}

const pasteUsage = "paste [-d LIST] [-s] [FILE]..."

// paste joins the files' lines side by side with TABs (or -d's
// delimiters in turn), or each file's lines into one (-s).
func paste(p *registry.Process) int {
	set, files, ok := permutedOptions(p, "paste", "ds", "d", pasteUsage)
	if !ok {
		return 1
	}
	delims := []byte("\t")
	if v, ok := set['d']; ok {
		delims = nil
		for i := 0; i < len(v); i++ {
			c := v[i]
			if c == '\\' && i+1 < len(v) {
				i++
				switch v[i] {
				case 'n':
					c = '\n'
				case 't':
					c = '\t'
				case '0':
					c = 0
				default:
					c = v[i]
				}
			}
			delims = append(delims, c)
		}
		if len(delims) == 0 {
			return fail(p, "paste", "-d '' is not supported")
		}
	}
	if len(files) == 0 {
		files = []string{"-"}
	}
	readers := make([]*bufio.Reader, len(files))
	var stdinReader *bufio.Reader // every "-" reads the one standard input
	for i, name := range files {
		if name == "-" && stdinReader != nil {
			readers[i] = stdinReader
			continue
		}
		f, err := open(p, name)
		if err != nil {
			return fail(p, "paste", "%s: %s", name, registry.Strerror(err))
		}
		defer f.Close()
		readers[i] = bufio.NewReader(killable(p, f))
		if name == "-" {
			stdinReader = readers[i]
		}
	}
	getLine := func(r *bufio.Reader) (string, bool) {
		line, err := r.ReadString('\n')
		if err != nil && line == "" {
			return "", false
		}
		return strings.TrimSuffix(line, "\n"), true
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	putDelim := func(c byte) {
		if c != 0 {
			w.WriteByte(c)
		}
	}
	if has(set, 's') {
		for _, r := range readers {
			k := 0
			line, ok := getLine(r)
			for ok {
				next, more := getLine(r)
				w.WriteString(line)
				if !more {
					w.WriteByte('\n')
					break
				}
				putDelim(delims[k])
				k = (k + 1) % len(delims)
				line = next
			}
		}
		return 0
	}
	active := len(readers)
	done := make([]bool, len(readers))
	for active > 0 {
		k := 0
		for i, r := range readers {
			if done[i] {
				continue
			}
			line, ok := getLine(r)
			if !ok {
				done[i] = true
				active--
				continue
			}
			w.WriteString(line)
			if i == len(readers)-1 {
				w.WriteByte('\n')
			} else {
				putDelim(delims[k])
				k = (k + 1) % len(delims)
			}
		}
	}
	return 0
}

// tabSize parses -t for expand and unexpand.
func tabSize(p *registry.Process, applet string, set map[byte]string) (int, bool) {
	return positiveOption(p, applet, set, 't', 8)
}

// positiveOption is the value of option f, a number of at least 1, or
// def when it is not given; a bad one fails as busybox's xatoi_positive.
func positiveOption(p *registry.Process, applet string, set map[byte]string, f byte, def int) (int, bool) {
	v, ok := set[f]
	if !ok {
		return def, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		fail(p, applet, "invalid number '%s'", v)
		return 0, false
	}
	return n, true
}

// textFiles calls fn with the data of each file (or stdin), reporting
// missing files as "applet: NAME: error"; it returns the exit status.
func textFiles(p *registry.Process, applet string, files []string, fn func(name string, data []byte)) int {
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			status = fail(p, applet, "%s: %s", name, registry.Strerror(err))
			continue
		}
		if isDirFile(f) {
			// busybox's read of a directory fails with EISDIR, which
			// these applets report as an I/O error; strings says nothing.
			f.Close()
			if applet != "strings" {
				status = fail(p, applet, "%s: Input/output error", name)
			}
			continue
		}
		data, _ := readAllKillable(p, f)
		f.Close()
		fn(name, data)
	}
	return status
}

const expandUsage = "expand [-i] [-t N] [FILE]..."

// expand turns TABs into spaces to the next stop (-t, 8); -i only the
// leading ones.
func expand(p *registry.Process) int {
	set, files, ok := permutedOptions(p, "expand", "it", "t", expandUsage)
	if !ok {
		return 1
	}
	size, ok := tabSize(p, "expand", set)
	if !ok {
		return 1
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	return textFiles(p, "expand", files, func(_ string, data []byte) {
		col, leading := 0, true
		for _, c := range data {
			switch {
			case c == '\n':
				w.WriteByte(c)
				col, leading = 0, true
			case c == '\t' && (leading || !has(set, 'i')):
				n := size - col%size
				w.WriteString(strings.Repeat(" ", n))
				col += n
			default:
				if c != ' ' && c != '\t' {
					leading = false
				}
				w.WriteByte(c)
				if c == '\t' {
					col += size - col%size
				} else {
					col++
				}
			}
		}
	})
}

const unexpandUsage = "unexpand [-fa][-t N] [FILE]..."

// unexpand turns the leading blanks of lines (-a: all runs of blanks) into TABs where they reach a tab stop (-t, 8; -t implies
// -a).
func unexpand(p *registry.Process) int {
	set, files, ok := permutedOptions(p, "unexpand", "aft", "t", unexpandUsage)
	if !ok {
		return 1
	}
	size, ok := tabSize(p, "unexpand", set)
	if !ok {
		return 1
	}
	all := (has(set, 'a') || has(set, 't')) && !has(set, 'f')
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	return textFiles(p, "unexpand", files, func(_ string, data []byte) {
		for len(data) > 0 {
			i := bytes.IndexByte(data, '\n')
			line := data
			if i >= 0 {
				line, data = data[:i], data[i+1:]
			} else {
				data = nil
			}
			col := 0
			for j := 0; j < len(line); {
				if line[j] != ' ' && line[j] != '\t' {
					if !all {
						// Only the leading blanks change.
						w.Write(line[j:])
						break
					}
					w.WriteByte(line[j])
					col++
					j++
					continue
				}
				// A run of blanks from col.
				start := col
				k := j
				for k < len(line) && (line[k] == ' ' || line[k] == '\t') {
					if line[k] == '\t' {
						col += size - col%size
					} else {
						col++
					}
					k++
				}
				if !all && j > 0 {
					w.Write(line[j:])
					break
				}
				c := start
				for (c/size+1)*size <= col {
					w.WriteByte('\t')
					c = (c/size + 1) * size
				}
				w.WriteString(strings.Repeat(" ", col-c))
				j = k
			}
			if i >= 0 {
				w.WriteByte('\n')
			}
		}
	})
}

// dos2unix (and unix2dos) convert line endings (every CR goes), of
// each file in place or stdin to stdout; -u makes unix line ends, -d DOS
// ones, whatever the name.
func dos2unix(p *registry.Process) int {
	name := p.Args[0][strings.LastIndexByte(p.Args[0], '/')+1:]
	set, files, ok := permutedOptions(p, name, "ud", "", name+" [-ud] [FILE]")
	if !ok {
		return 1
	}
	toDOS := name == "unix2dos"
	if has(set, 'u') {
		toDOS = false
	}
	if has(set, 'd') {
		toDOS = true
	}
	convert := func(data []byte) []byte {
		data = bytes.ReplaceAll(data, []byte("\r"), nil)
		if toDOS {
			data = bytes.ReplaceAll(data, []byte("\n"), []byte("\r\n"))
		}
		return data
	}
	if len(files) == 0 {
		data, _ := readAllKillable(p, stdin(p))
		stdout(p).Write(convert(data))
		return 0
	}
	for _, f := range files {
		data, err := p.FS.ReadFile(p.Path(f))
		if err != nil {
			return fail(p, name, "can't open '%s': %s", f, registry.Strerror(err))
		}
		if err := p.FS.WriteFile(p.Path(f), convert(data), 0o644); err != nil {
			return fail(p, name, "%s: %s", f, registry.Strerror(err))
		}
	}
	return 0
}

const stringsUsage = "strings [-fo] [-t o|d|x] [-n LEN] [FILE]..."

// stringsApplet prints the runs of at least -n (4) printable characters
// of files; -f prefixes the file name, -o (-t o|d|x) the offset.
func stringsApplet(p *registry.Process) int {
	set, files, ok := permutedOptions(p, "strings", "afnot", "nt", stringsUsage)
	if !ok {
		return 1
	}
	minLen, ok := positiveOption(p, "strings", set, 'n', 4)
	if !ok {
		return 1
	}
	radix := ""
	if has(set, 'o') {
		radix = "o"
	}
	if v, ok := set['t']; ok {
		if v != "o" && v != "d" && v != "x" {
			return usage(p, stringsUsage)
		}
		radix = v
	}
	named := files
	if len(files) == 0 {
		named = []string{"{standard input}"}
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	i := 0
	return textFiles(p, "strings", files, func(name string, data []byte) {
		label := named[i]
		i++
		start := -1
		flush := func(end int) {
			if start >= 0 && end-start >= minLen {
				if has(set, 'f') {
					w.WriteString(label + ": ")
				}
				if radix != "" {
					fmt.Fprintf(w, "%7"+radix+" ", start)
				}
				w.Write(data[start:end])
				w.WriteByte('\n')
			}
			start = -1
		}
		for j, c := range data {
			if c >= ' ' && c < 127 || c == '\t' {
				if start < 0 {
					start = j
				}
				continue
			}
			flush(j)
		}
		flush(len(data))
	})
}

const shufUsage = "shuf [-n NUM] [-o FILE] [-z] [FILE | -e [ARG...] | -i L-H]"

// shuf prints its input lines (or -e's arguments, or -i's numbers) in a
// random order; -n at most NUM of them.
func shuf(p *registry.Process) int {
	set, args, ok := permutedOptions(p, "shuf", "einoz", "nio", shufUsage)
	if !ok {
		return 1
	}
	var items []string
	switch {
	case has(set, 'e'):
		items = args
	case has(set, 'i'):
		lo, hi, ok := strings.Cut(set['i'], "-")
		a, err1 := strconv.ParseUint(lo, 10, 32)
		b, err2 := strconv.ParseUint(hi, 10, 32)
		if !ok || err1 != nil || err2 != nil || a > b {
			return fail(p, "shuf", "bad range '%s'", set['i'])
		}
		for n := a; n <= b; n++ {
			items = append(items, strconv.FormatUint(n, 10))
		}
	default:
		if len(args) > 1 {
			return usage(p, shufUsage)
		}
		sep := byte('\n')
		if has(set, 'z') {
			sep = 0
		}
		st := textFiles(p, "shuf", args, func(_ string, data []byte) {
			s := string(data)
			s = strings.TrimSuffix(s, string(sep))
			if len(data) > 0 {
				items = strings.Split(s, string(sep))
			}
		})
		if st != 0 {
			return st
		}
	}
	rand.Shuffle(len(items), func(i, j int) { items[i], items[j] = items[j], items[i] })
	if v, ok := set['n']; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(p, "shuf", "invalid number '%s'", v)
		}
		items = items[:min(n, len(items))]
	}
	end := "\n"
	if has(set, 'z') {
		end = "\x00"
	}
	var b strings.Builder
	for _, s := range items {
		b.WriteString(s + end)
	}
	if v, ok := set['o']; ok {
		if err := p.FS.WriteFile(p.Path(v), []byte(b.String()), 0o644); err != nil {
			return fail(p, "shuf", "can't open '%s': %s", v, registry.Strerror(err))
		}
		return 0
	}
	io.WriteString(stdout(p), b.String())
	return 0
}

// permute moves the options of args before its operands, as GNU
// getopt does (up to a "--"); withArg are the options with an argument.
func permute(args []string, withArg string) []string {
	var opts, operands []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			operands = append(operands, args[i+1:]...)
			break
		}
		if len(a) < 2 || a[0] != '-' {
			operands = append(operands, a)
			continue
		}
		opts = append(opts, a)
		if k := strings.IndexAny(a[1:], withArg); k >= 0 && k+2 == len(a) {
			if i+1 == len(args) {
				return opts // flags reports the missing argument
			}
			i++
			opts = append(opts, args[i])
		}
	}
	return append(append(opts, "--"), operands...)
}

// grepAs is egrep and fgrep: grep with flag, its messages under the
// applet's own name.
func grepAs(flag string) registry.Program {
	return func(p *registry.Process) int {
		c := *p
		c.Args = append([]string{p.Args[0], flag}, p.Args[1:]...)
		name := p.Args[0][strings.LastIndexByte(p.Args[0], '/')+1:]
		c.Stderr = renamed{w: stderr(p), name: name}
		return grep(&c)
	}
}

// renamed writes grep's messages ("grep: ...") as another applet's.
type renamed struct {
	w    io.Writer
	name string
}

func (r renamed) Write(b []byte) (int, error) {
	if rest, ok := bytes.CutPrefix(b, []byte("grep: ")); ok {
		if _, err := io.WriteString(r.w, r.name+": "+string(rest)); err != nil {
			return 0, err
		}
		return len(b), nil
	}
	return r.w.Write(b)
}

// factor prints the prime factors of its numbers (or stdin's).
func factor(p *registry.Process) int {
	nums := p.Args[1:]
	if len(nums) > 0 && nums[0] == "--" {
		nums = nums[1:]
	}
	if len(p.Args) == 1 {
		data, _ := readAllKillable(p, stdin(p))
		nums = strings.Fields(string(data))
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	for _, s := range nums {
		n, err := strconv.ParseUint(strings.TrimPrefix(s, "+"), 10, 64)
		if err != nil || strings.HasPrefix(s, "++") {
			w.Flush()
			return usage(p, "factor [NUMBER]...")
		}
		w.WriteString(strconv.FormatUint(n, 10) + ":")
		for _, d := range []uint64{2, 3, 5} {
			for n%d == 0 && n > 1 {
				fmt.Fprintf(w, " %d", d)
				n /= d
			}
		}
		// 6k±1 candidates.
		for d, step := uint64(7), uint64(4); d <= n/d; d, step = d+step, 6-step {
			if d&0xfffff == 7 && p.KillContext().Err() != nil {
				return 137
			}
			for n%d == 0 {
				fmt.Fprintf(w, " %d", d)
				n /= d
			}
		}
		if n > 1 {
			fmt.Fprintf(w, " %d", n)
		}
		w.WriteByte('\n')
	}
	return 0
}

const cmpUsage = "cmp [-ls] [-n NUM] FILE1 [FILE2]"

// cmp compares two files (the second is stdin if not given): exit 0 if
// equal, 1 if they differ (the first difference is printed, -l all of
// them, -s nothing), 2 on trouble.
func cmp(p *registry.Process) int {
	set, args, ok := permutedOptions(p, "cmp", "lsn", "n", cmpUsage)
	if !ok {
		return 1
	}
	if len(args) < 1 || len(args) > 4 {
		return usage(p, cmpUsage)
	}
	names := []string{args[0], "-"}
	if len(args) > 1 {
		names[1] = args[1]
	}
	limit := int64(-1)
	if v, ok := set['n']; ok {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return fail(p, "cmp", "invalid number '%s'", v) + 1
		}
		limit = n
	}
	var data [2][]byte
	for i, name := range names {
		f, err := open(p, name)
		if err != nil {
			if !has(set, 's') {
				fail(p, "cmp", "%s: %s", name, registry.Strerror(err))
			}
			return 2
		}
		if isDirFile(f) {
			f.Close()
			if !has(set, 's') {
				fail(p, "cmp", "%s: I/O error", name)
			}
			return 2
		}
		data[i], _ = readAllKillable(p, f)
		f.Close()
		if len(args) > 2+i {
			skip, err := strconv.ParseInt(args[2+i], 0, 64)
			if err != nil {
				return fail(p, "cmp", "invalid number '%s'", args[2+i]) + 1
			}
			data[i] = data[i][min(int(skip), len(data[i])):]
		}
	}
	a, b := data[0], data[1]
	if limit >= 0 {
		a, b = a[:min(int(limit), len(a))], b[:min(int(limit), len(b))]
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	status, line := 0, 1
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			status = 1
			if has(set, 's') {
				return 1
			}
			if !has(set, 'l') {
				fmt.Fprintf(w, "%s %s differ: char %d, line %d\n", names[0], names[1], i+1, line)
				return 1
			}
			fmt.Fprintf(w, "%d %3o %3o\n", i+1, a[i], b[i])
		}
		if a[i] == '\n' {
			line++
		}
	}
	if len(a) != len(b) {
		if !has(set, 's') {
			w.Flush()
			short := names[0]
			if len(b) < len(a) {
				short = names[1]
			}
			fmt.Fprintf(stderr(p), "cmp: EOF on %s\n", short)
		}
		return 1
	}
	return status
}
