package busybox

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// dumpInput is what od, hexdump and xxd read: their files one after
// the other (stdin without any), each opened when the one before ends; a
// file that cannot be opened or read is reported and skipped (status 1).
// A read that blocks ends when the process is killed.
type dumpInput struct {
	p      *registry.Process
	applet string
	files  []string
	name   string
	cur    io.ReadCloser
	status int
}

func (d *dumpInput) Read(b []byte) (int, error) {
	for {
		if d.p.KillContext().Err() != nil {
			return 0, errKilled
		}
		if d.cur == nil {
			if len(d.files) == 0 {
				return 0, io.EOF
			}
			d.name, d.files = d.files[0], d.files[1:]
			f, err := open(d.p, d.name)
			if err != nil {
				d.status = fail(d.p, d.applet, "%s: %s", d.name, registry.Strerror(err))
				continue
			}
			d.cur = f
		}
		type result struct {
			n   int
			err error
		}
		ch := make(chan result, 1)
		buf := make([]byte, len(b))
		go func() {
			n, err := d.cur.Read(buf)
			ch <- result{n, err}
		}()
		var r result
		select {
		case r = <-ch:
		case <-d.p.KillContext().Done():
			return 0, errKilled
		}
		copy(b, buf[:r.n])
		if r.n > 0 {
			return r.n, nil
		}
		if r.err != nil {
			if r.err != io.EOF {
				d.status = fail(d.p, d.applet, "%s: %s", d.name, registry.Strerror(r.err))
			}
			d.cur.Close()
			d.cur = nil
		}
	}
}

// openInputs is the dump input of files less skip bytes at the start
// (-j, -s; off is how many were skipped) and at most limit bytes (-N,
// -n, -l; all without), read as the dump goes, so that a dump of
// /dev/urandom ends with a length or when its reader goes. bad is a skip
// or limit that is not a number.
func openInputs(p *registry.Process, applet string, files []string, skip, limit string) (r io.Reader, in *dumpInput, off int64, bad string) {
	if len(files) == 0 {
		files = []string{"-"}
	}
	in = &dumpInput{p: p, applet: applet, files: files}
	br := bufio.NewReaderSize(in, 32<<10)
	r = br
	if skip != "" {
		n, ok := parseSize(skip)
		if !ok {
			return nil, nil, 0, skip
		}
		defer func() {
			if bad == "" {
				off, _ = io.CopyN(io.Discard, br, n)
			}
		}()
	}
	if limit != "" {
		n, ok := parseSize(limit)
		if !ok {
			return nil, nil, 0, limit
		}
		r = io.LimitReader(br, n)
	}
	return r, in, 0, ""
}

// eachLine calls fn with each width bytes of r (the last line may be
// shorter) and its offset from the first, until r ends or fn returns
// false (its output is gone); total is how many bytes there were.
func eachLine(r io.Reader, width int, fn func(at int64, line []byte) bool) (total int64) {
	for {
		line := make([]byte, width)
		n, err := io.ReadFull(r, line)
		if n > 0 && !fn(total, line[:n]) {
			return total + int64(n)
		}
		total += int64(n)
		if err != nil {
			return total
		}
	}
}

// written reports whether w can still write (a bufio.Writer keeps the
// error of its last flush: a closed pipe ends a dump).
func written(w *bufio.Writer) bool {
	_, err := w.Write(nil)
	return err == nil
}

// seekable reports whether the input can seek (hexdump -s and xxd -s
// seek instead of reading): files can, a pipe on stdin cannot.
func seekable(p *registry.Process, files []string) bool {
	if len(files) > 0 && files[0] != "-" {
		return true
	}
	_, ok := stdin(p).(io.Seeker)
	return ok
}

// odType is one output type of od: c (characters), or d, u, o, x of
// size bytes.
type odType struct {
	kind byte
	size int
}

// width is the field width of one unit, without its leading space.
func (t odType) width() int {
	if t.kind == 'c' || t.kind == 'a' {
		return 3
	}
	if t.kind == 'f' {
		return map[int]int{4: 15, 8: 23}[t.size]
	}
	w := map[byte][4]int{'d': {4, 6, 11, 20}, 'u': {3, 5, 10, 20}, 'o': {3, 6, 11, 22}, 'x': {2, 4, 8, 16}}[t.kind]
	return w[map[int]int{1: 0, 2: 1, 4: 2, 8: 3}[t.size]]
}

func (t odType) format(b []byte) string {
	if t.kind == 'c' {
		return " " + fmt.Sprintf("%3s", odChar(b[0]))
	}
	if t.kind == 'a' {
		return " " + fmt.Sprintf("%3s", odNamed(b[0]))
	}
	var buf [8]byte
	copy(buf[:], b)
	u := binary.LittleEndian.Uint64(buf[:])
	var s string
	switch t.kind {
	case 'd':
		shift := 64 - 8*t.size
		s = strconv.FormatInt(int64(u<<shift)>>shift, 10)
	case 'u':
		s = strconv.FormatUint(u, 10)
	case 'o':
		s = fmt.Sprintf("%0*o", t.width(), u)
	case 'x':
		s = fmt.Sprintf("%0*x", t.width(), u)
	case 'f':
		f, digits := math.Float64frombits(u), 15
		if t.size == 4 {
			f, digits = float64(math.Float32frombits(uint32(u))), 7
		}
		switch {
		case math.IsNaN(f):
			s = "nan"
		case math.IsInf(f, 1):
			s = "inf"
		case math.IsInf(f, -1):
			s = "-inf"
		default:
			s = strconv.FormatFloat(f, 'e', digits, 64)
		}
	}
	return " " + fmt.Sprintf("%*s", t.width(), s)
}

// odChar is a byte as od -c shows it: itself, a C escape, or octal.
func odChar(c byte) string {
	switch c {
	case 0:
		return `\0`
	case '\a':
		return `\a`
	case '\b':
		return `\b`
	case '\f':
		return `\f`
	case '\n':
		return `\n`
	case '\r':
		return `\r`
	case '\t':
		return `\t`
	case '\v':
		return `\v`
	}
	if c >= 0x20 && c < 0x7f {
		return string(c)
	}
	return fmt.Sprintf("%03o", c)
}

// odNamed is a byte as od -a shows it: the low 7 bits, named.
func odNamed(c byte) string {
	c &= 0x7f
	names := strings.Fields("nul soh stx etx eot enq ack bel bs ht nl vt ff cr so si " +
		"dle dc1 dc2 dc3 dc4 nak syn etb can em sub esc fs gs rs us sp")
	switch {
	case int(c) < len(names):
		return names[c]
	case c == 0x7f:
		return "del"
	}
	return string(c)
}

// parseODTypes parses -t's TYPE: a, c, [doux] with an optional size (1,
// 2, 4, 8, or C, S, I, L), or f with 4, 8, F, D or L; errMsg is od's
// complaint.
func parseODTypes(spec string) (types []odType, errMsg string) {
	s := spec
	for len(s) > 0 {
		k := s[0]
		s = s[1:]
		if k == 'c' || k == 'a' {
			types = append(types, odType{k, 1})
			continue
		}
		if strings.IndexByte("doufx", k) < 0 {
			return nil, fmt.Sprintf("invalid character '%c' in type string '%s'", k, spec)
		}
		size, letters, kind := 4, map[byte]int{'C': 1, 'S': 2, 'I': 4, 'L': 8}, "integral"
		if k == 'f' {
			size, letters, kind = 8, map[byte]int{'F': 4, 'D': 8, 'L': 8}, "floating point"
		}
		if len(s) > 0 {
			if n, ok := letters[s[0]]; ok {
				size, s = n, s[1:]
			} else if i := strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }); i != 0 {
				if i < 0 {
					i = len(s)
				}
				n, _ := strconv.Atoi(s[:i])
				if n != 1 && n != 2 && n != 4 && n != 8 || k == 'f' && n < 4 {
					return nil, fmt.Sprintf("invalid type string '%s'; %d-byte %s type is not supported", spec, n, kind)
				}
				size, s = n, s[i:]
			}
		}
		types = append(types, odType{k, size})
	}
	return types, ""
}

const odUsage = "od [-abcdfhilovxs] [-t TYPE] [-A RADIX] [-N SIZE] [-j SKIP] [-S MINSTR] [-w WIDTH] [FILE]..."

// od dumps files (or stdin) as octal words by default, or in the types
// of -a -b -c -d -f -h -i -l -o -s -x and -t (named characters,
// characters, integers, floats), with -A's addresses (o, d, x, n), -j
// skip, -N length, -w bytes per line; repeated lines become "*" unless
// -v. Its -S (strings) is not supported.
func od(p *registry.Process) int {
	set, files, bad := flagsAll(p.Args[1:], "tANjw")
	if bad != 0 {
		fmt.Fprintf(stderr(p), "od: option requires an argument -- '%c'\n", bad)
		return usage(p, odUsage)
	}
	var types []odType
	letters := map[byte]odType{'b': {'o', 1}, 'c': {'c', 1}, 'd': {'u', 2}, 'a': {'a', 1}, 'f': {'f', 4}, 'h': {'x', 2}, 'i': {'d', 2}, 'l': {'d', 4}, 'o': {'o', 2}, 's': {'d', 2}, 'x': {'x', 2}}
	// flagsAll loses the order of the letters and -t, which is the order
	// od prints the types in.
	for i := 1; i < len(p.Args); i++ {
		a := p.Args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			if t, ok := letters[a[j]]; ok {
				types = append(types, t)
				continue
			}
			if strings.IndexByte("tANjw", a[j]) < 0 {
				if a[j] != 'v' {
					fmt.Fprintf(stderr(p), "od: invalid option -- '%c'\n", a[j])
					return usage(p, odUsage)
				}
				continue
			}
			arg := a[j+1:]
			if arg == "" && i+1 < len(p.Args) {
				i++
				arg = p.Args[i]
			}
			if a[j] == 't' {
				t, msg := parseODTypes(arg)
				if msg != "" {
					return fail(p, "od", "%s", msg)
				}
				types = append(types, t...)
			}
			break
		}
	}
	if len(types) == 0 {
		types = []odType{{'o', 2}}
	}
	last := func(f byte) string {
		v := set[f]
		if len(v) == 0 {
			return ""
		}
		return v[len(v)-1]
	}
	radix := last('A')
	if radix == "" {
		radix = "o"
	}
	addr := map[string]string{"o": "%07o", "d": "%07d", "x": "%06x", "n": ""}
	af, ok := addr[radix]
	if !ok {
		return fail(p, "od", "bad output address radix '%s' (must be [doxn])", radix)
	}
	width := 16
	if w := last('w'); w != "" {
		n, err := strconv.Atoi(w)
		if err != nil || n <= 0 {
			return fail(p, "od", "invalid number '%s'", w)
		}
		width = n
	} else if _, ok := set['w']; ok {
		width = 32
	}
	r, in, off, badNum := openInputs(p, "od", files, last('j'), last('N'))
	if badNum != "" {
		return fail(p, "od", "invalid number '%s'", badNum)
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	address := func(n int64) string {
		if af == "" {
			return ""
		}
		return fmt.Sprintf(af, n)
	}
	unit := 1 // the sizes' least common multiple: they are 1, 2, 4 or 8
	for _, t := range types {
		unit = max(unit, t.size)
	}
	_, all := set['v']
	var prev []byte
	starred := false
	total := eachLine(r, width, func(at int64, line []byte) bool {
		if !all && prev != nil && len(line) == width && bytes.Equal(line, prev) {
			if !starred {
				w.WriteString("*\n")
				starred = true
			}
			return written(w)
		}
		prev, starred = line, false
		// A short last line is padded with zeros to a whole number of
		// the largest unit (all the types' sizes' multiple).
		padded := line
		if r := len(line) % unit; r != 0 {
			padded = append(slices.Clip(line), make([]byte, unit-r)...)
		}
		for k, t := range types {
			if k == 0 {
				w.WriteString(address(off + at))
			} else {
				w.WriteString(strings.Repeat(" ", len(address(0))))
			}
			for j := 0; j < len(padded); j += t.size {
				w.WriteString(t.format(padded[j : j+t.size]))
			}
			w.WriteByte('\n')
		}
		return written(w)
	})
	if in.status != 0 && total == 0 {
		return in.status
	}
	if af != "" {
		w.WriteString(address(off+total) + "\n")
	}
	return in.status
}

const hexdumpUsage = "hexdump [-bcdoxCv] [-e FMT] [-f FMT_FILE] [-n LEN] [-s OFS] [FILE]..."

// hexdump dumps files (or stdin) in the formats of its options, in
// their order, each line with its address: 16-bit little-endian hex
// words by default, -b octal bytes, -c characters, -d decimal and -o
// octal words, -x hex words, -C canonical hex and ASCII; -n length, -s
// skip, -v shows repeated lines (else "*"). Its -e and -f formats are not
// supported.
func hexdump(p *registry.Process) int {
	set, files, ok := options(p, "hexdump", "bcdoxCv", "ns", hexdumpUsage)
	if !ok {
		return 1
	}
	// flags loses the options' order, which is the formats' order.
	var formats []byte
	for i := 1; i < len(p.Args); i++ {
		a := p.Args[i]
		if a == "--" || len(a) < 2 || a[0] != '-' {
			break
		}
		for j := 1; j < len(a); j++ {
			if strings.IndexByte("bcdoxC", a[j]) >= 0 {
				formats = append(formats, a[j])
			} else if strings.IndexByte("nsef", a[j]) >= 0 {
				if j == len(a)-1 {
					i++
				}
				break
			}
		}
	}
	if len(formats) == 0 {
		formats = []byte{0}
	}
	if set['s'] != "" && !seekable(p, files) {
		return fail(p, "hexdump", "stdin: Illegal seek")
	}
	r, in, off, badNum := openInputs(p, "hexdump", files, set['s'], set['n'])
	if badNum != "" {
		return fail(p, "hexdump", "invalid number '%s'", badNum)
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	var prev []byte
	starred := false
	total := eachLine(r, 16, func(at int64, line []byte) bool {
		if !has(set, 'v') && prev != nil && len(line) == 16 && bytes.Equal(line, prev) {
			if !starred {
				w.WriteString("*\n")
				starred = true
			}
			return written(w)
		}
		prev, starred = line, false
		for _, f := range formats {
			hexdumpLine(w, f, off+at, line)
		}
		return written(w)
	})
	if total > 0 {
		if formats[len(formats)-1] == 'C' {
			fmt.Fprintf(w, "%08x\n", off+total)
		} else {
			fmt.Fprintf(w, "%07x\n", off+total)
		}
	}
	return in.status
}

// hexdumpLine prints one line of up to 16 bytes in hexdump's format f
// (an option letter, 0 for the default).
func hexdumpLine(w *bufio.Writer, f byte, addr int64, line []byte) {
	if f == 'C' {
		fmt.Fprintf(w, "%08x ", addr)
		for j := range 16 {
			if j == 8 {
				w.WriteByte(' ')
			}
			if j < len(line) {
				fmt.Fprintf(w, " %02x", line[j])
			} else {
				w.WriteString("   ")
			}
		}
		w.WriteString("  |")
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			w.WriteByte(c)
		}
		w.WriteString("|\n")
		return
	}
	fmt.Fprintf(w, "%07x", addr)
	if f == 'b' || f == 'c' {
		for j := range 16 {
			switch {
			case j >= len(line):
				w.WriteString("    ")
			case f == 'b':
				fmt.Fprintf(w, " %03o", line[j])
			default:
				fmt.Fprintf(w, " %3s", odChar(line[j]))
			}
		}
		w.WriteByte('\n')
		return
	}
	for j := 0; j < 16; j += 2 {
		if j >= len(line) {
			if f == 0 {
				w.WriteString("     ")
			} else {
				w.WriteString("        ")
			}
			continue
		}
		v := uint16(line[j])
		if j+1 < len(line) {
			v |= uint16(line[j+1]) << 8
		}
		switch f {
		case 0:
			fmt.Fprintf(w, " %04x", v)
		case 'd':
			fmt.Fprintf(w, "   %05d", v)
		case 'o':
			fmt.Fprintf(w, "  %06o", v)
		case 'x':
			fmt.Fprintf(w, "    %04x", v)
		}
	}
	w.WriteByte('\n')
}

const xxdUsage = "xxd [-pri] [-g N] [-c N] [-n LEN] [-s OFS] [-o OFS] [FILE]"

// xxd dumps a file (or stdin) as offset, 2-byte hex groups and ASCII,
// or with -p as plain hex (30 bytes a line); -r turns such a dump (or
// with -p plain hex) back into bytes. -c, -g, -l, -s and -o shape the
// dump; -i prints a C array.
func xxd(p *registry.Process) int {
	set, files, ok := options(p, "xxd", "pri", "gcnlso", xxdUsage)
	if !ok {
		return 1
	}
	if len(files) > 1 {
		return usage(p, xxdUsage)
	}
	if set['s'] != "" && !has(set, 'r') && !seekable(p, files) {
		return fail(p, "xxd", "stdin: Illegal seek")
	}
	skip, limit := set['s'], set['l']
	if v, ok := set['n']; ok {
		limit = v
	}
	if has(set, 'r') {
		skip, limit = "", ""
	}
	r, in, off, badNum := openInputs(p, "xxd", files, skip, limit)
	if badNum != "" {
		return fail(p, "xxd", "invalid number '%s'", badNum)
	}
	// -r and -i need all of it (-i names the length at the end).
	readAll := func() ([]byte, bool) {
		var all bytes.Buffer
		copyKillable(p, &all, r)
		return all.Bytes(), in.status == 0
	}
	if has(set, 'r') {
		data, ok := readAll()
		if !ok {
			return in.status
		}
		return xxdRevert(p, data, has(set, 'p'))
	}
	num := func(f byte, def int) (int, bool) {
		v, ok := set[f]
		if !ok {
			return def, true
		}
		n, err := strconv.ParseInt(v, 0, 64)
		return int(n), err == nil && n >= 0
	}
	plain := has(set, 'p')
	defCols := 16
	if plain {
		defCols = 30
	} else if has(set, 'i') {
		defCols = 12
	}
	cols, ok1 := num('c', defCols)
	group, ok2 := num('g', 2)
	disp, ok3 := num('o', 0)
	for f, ok := range map[byte]bool{'c': ok1, 'g': ok2, 'o': ok3} {
		if !ok {
			return fail(p, "xxd", "invalid number '%s'", set[f])
		}
	}
	if cols == 0 {
		cols = defCols
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	if has(set, 'i') {
		data, ok := readAll()
		if !ok {
			return in.status
		}
		// A C array named after the file (none for stdin).
		name := ""
		if len(files) == 1 && files[0] != "-" {
			name = strings.Map(func(r rune) rune {
				if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
					return r
				}
				return '_'
			}, files[0])
			if name[0] >= '0' && name[0] <= '9' {
				name = "__" + name
			}
			fmt.Fprintf(w, "unsigned char %s[] = {\n", name)
		}
		for i := 0; i < len(data); i += cols {
			var b strings.Builder
			for j, c := range data[i:min(i+cols, len(data))] {
				if j > 0 {
					b.WriteByte(' ')
				}
				fmt.Fprintf(&b, "0x%02x,", c)
			}
			w.WriteString("  " + b.String() + "\n")
		}
		if name != "" {
			fmt.Fprintf(w, "};\nunsigned int %s_len = %d;\n", name, len(data))
		}
		return 0
	}
	if plain {
		eachLine(r, cols, func(_ int64, line []byte) bool {
			w.WriteString(hex.EncodeToString(line) + "\n")
			return written(w)
		})
		return in.status
	}
	if group == 0 {
		group = cols
	}
	hexWidth := 2*cols + (cols+group-1)/group - 1
	eachLine(r, cols, func(at int64, line []byte) bool {
		var h strings.Builder
		for j, c := range line {
			if j > 0 && j%group == 0 {
				h.WriteByte(' ')
			}
			fmt.Fprintf(&h, "%02x", c)
		}
		fmt.Fprintf(w, "%08x: %-*s  ", off+int64(disp)+at, hexWidth, h.String())
		for _, c := range line {
			if c < 0x20 || c > 0x7e {
				c = '.'
			}
			w.WriteByte(c)
		}
		w.WriteByte('\n')
		return written(w)
	})
	return in.status
}

// xxdRevert writes the bytes of a dump as busybox reads one: each line's
// leading offset (hex digits and a colon) is skipped, unless plain, then
// every pair of hex digits is a byte, wherever it is (the ASCII column
// too). Other characters are skipped; blanks may split a pair, anything
// else between its digits drops the first. A pair may also span a line
// end, and then the next line's offset is read as hex.
func xxdRevert(p *registry.Process, data []byte, plain bool) int {
	hexval := func(c byte) int {
		switch {
		case c >= '0' && c <= '9':
			return int(c - '0')
		case c >= 'a' && c <= 'f':
			return int(c-'a') + 10
		case c >= 'A' && c <= 'F':
			return int(c-'A') + 10
		}
		return -1
	}
	var out []byte
	hi := -1 // the first digit of a pair
	for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
		i := 0
		if !plain && hi < 0 {
			for i < len(line) && hexval(line[i]) >= 0 {
				i++
			}
			if i < len(line) && line[i] == ':' {
				i++
			}
		}
		for ; i < len(line); i++ {
			c := line[i]
			v := hexval(c)
			switch {
			case v >= 0 && hi < 0:
				hi = v
			case v >= 0:
				out = append(out, byte(hi<<4|v))
				hi = -1
			case hi >= 0 && c != ' ' && c != '\t':
				hi = -1
			}
		}
	}
	if _, err := stdout(p).Write(out); err != nil {
		return 1
	}
	return 0
}
