package busybox

import (
	"bufio"
	"bytes"
	"crypto/sha3"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// base64Applet encodes its file (or stdin), wrapping lines at -w columns
// (76; 0 never wraps), or with -d decodes it, skipping newlines.
func base64Applet(p *registry.Process) int {
	const text = "base64 [-d] [-w COL] [FILE]"
	set, files, ok := options(p, "base64", "d", "w", text)
	if !ok {
		return 1
	}
	if len(files) > 1 {
		return usage(p, text)
	}
	width := 76
	if v, ok := set['w']; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(p, "base64", "invalid number '%s'", v)
		}
		width = n
	}
	r, in, _, _ := openInputs(p, "base64", files, "", "")
	if has(set, 'd') {
		var data bytes.Buffer
		copyKillable(p, &data, r)
		if in.status != 0 {
			return in.status
		}
		out, ok := decodeBase64(data.Bytes())
		stdout(p).Write(out)
		if !ok {
			return fail(p, "base64", "truncated input")
		}
		return 0
	}
	// Encoded as it is read (base64 /dev/urandom | head ends), in
	// chunks of whole 3-byte groups, wrapped at width columns.
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	col := 0
	eachLine(r, 3<<12, func(_ int64, chunk []byte) bool {
		enc := base64.StdEncoding.EncodeToString(chunk)
		if width == 0 {
			w.WriteString(enc)
			return written(w)
		}
		for enc != "" {
			n := min(width-col, len(enc))
			w.WriteString(enc[:n])
			enc, col = enc[n:], col+n
			if col == width {
				w.WriteByte('\n')
				col = 0
			}
		}
		return written(w)
	})
	if col > 0 {
		w.WriteByte('\n')
	}
	return in.status
}

// decodeBase64 decodes as busybox does: characters outside the alphabet
// are skipped, and so is an "=" before a group's third character or a
// lone one after its second; "==" after two characters or "=" after
// three ends the data with the group's last byte(s), and only blanks may
// follow. ok is false for an incomplete last group (dropped) or for
// anything after the end.
func decodeBase64(data []byte) (out []byte, ok bool) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	var g [4]byte
	n := 0
	for i := 0; i < len(data); i++ {
		c := data[i]
		if c == '=' {
			switch {
			case n == 3:
				out = append(out, g[0]<<2|g[1]>>4, g[1]<<4|g[2]>>2)
			case n == 2 && i+1 < len(data) && data[i+1] == '=':
				out = append(out, g[0]<<2|g[1]>>4)
				i++
			default:
				continue
			}
			rest := strings.Trim(string(data[i+1:]), " \t\r\n")
			return out, rest == ""
		}
		v := strings.IndexByte(alphabet, c)
		if v < 0 {
			continue
		}
		g[n] = byte(v)
		if n++; n == 4 {
			out = append(out, g[0]<<2|g[1]>>4, g[1]<<4|g[2]>>2, g[2]<<6|g[3])
			n = 0
		}
	}
	return out, n == 0
}

// digestApplet is md5sum, sha1sum, sha256sum, sha512sum and sha3sum
// (-a 224, 256, 384 or 512): "HASH  NAME" lines, or with -c the check
// of such lists (-s silent, -w warns of bad lines).
func digestApplet(name string, defaultHash func() hash.Hash) registry.Program {
	return func(p *registry.Process) int {
		newHash := defaultHash // sha3sum -a chooses another for this run
		withArg := ""
		if name == "sha3sum" {
			withArg = "a"
		}
		text := name + " [-c[sw]] [FILE]..."
		if name == "sha3sum" {
			text = name + " [-c[sw]] [-a BITS] [FILE]..."
		}
		set, files, ok := options(p, name, "cswbt", withArg, text)
		if !ok {
			return 1
		}
		// -s and -w are for -c; -b and -t (binary, text) change nothing.
		if !has(set, 'c') && (has(set, 's') || has(set, 'w')) {
			return usage(p, text)
		}
		if bits, ok := set['a']; ok {
			switch bits {
			case "224":
				newHash = func() hash.Hash { return sha3.New224() }
			case "256":
				newHash = func() hash.Hash { return sha3.New256() }
			case "384":
				newHash = func() hash.Hash { return sha3.New384() }
			case "512":
				newHash = func() hash.Hash { return sha3.New512() }
			default:
				return fail(p, name, "bad -a%s", bits)
			}
		}
		if len(files) == 0 {
			files = []string{"-"}
		}
		// sum is the digest of file, or busybox's message when it cannot
		// be opened or read.
		sum := func(file string) (string, string) {
			f, err := open(p, file)
			if err != nil {
				return "", fmt.Sprintf("can't open '%s': %s", file, registry.Strerror(err))
			}
			defer f.Close()
			h := newHash()
			if _, err := copyKillable(p, h, f); err != nil {
				return "", fmt.Sprintf("can't read '%s': %s", file, registry.Strerror(err))
			}
			return hex.EncodeToString(h.Sum(nil)), ""
		}
		w := bufio.NewWriter(stdout(p))
		defer w.Flush()
		status := 0
		if !has(set, 'c') {
			for _, file := range files {
				s, msg := sum(file)
				if msg != "" {
					w.Flush()
					status = fail(p, name, "%s", msg)
					continue
				}
				fmt.Fprintf(w, "%s  %s\n", s, file)
			}
			return status
		}
		silent, warn := has(set, 's'), has(set, 'w')
		for _, list := range files {
			f, err := open(p, list)
			if err != nil {
				w.Flush()
				status = fail(p, name, "%s: %s", list, registry.Strerror(err))
				continue
			}
			data, _ := readAllKillable(p, f)
			f.Close()
			failed, count := 0, 0
			for _, line := range strings.Split(strings.TrimSuffix(string(data), "\n"), "\n") {
				// "HASH  NAME" or "HASH *NAME"; the hash is compared as a
				// string, whatever its length.
				i := strings.Index(line, "  ")
				if i < 0 {
					i = strings.Index(line, " *")
				}
				count++
				if i < 0 {
					failed++
					if warn {
						w.Flush()
						fail(p, name, "invalid format")
					}
					continue
				}
				want, file := line[:i], line[i+2:]
				got, msg := sum(file)
				if msg != "" {
					w.Flush()
					fail(p, name, "%s", msg)
				}
				if msg != "" || got != want {
					failed++
					if !silent {
						fmt.Fprintf(w, "%s: FAILED\n", file)
					}
				} else if !silent {
					fmt.Fprintf(w, "%s: OK\n", file)
				}
			}
			if failed > 0 {
				status = 1
				if !silent {
					w.Flush()
					fail(p, name, "WARNING: %d of %d computed checksums did NOT match", failed, count)
				}
			}
		}
		return status
	}
}

// crc32Applet prints the IEEE CRC-32 of each file in hex (with the
// file's name), or of stdin (alone).
func crc32Applet(p *registry.Process) int {
	_, files, ok := options(p, "crc32", "", "", "crc32 [FILE]...")
	if !ok {
		return 1
	}
	named := len(files) > 0
	if !named {
		files = []string{"-"}
	}
	status := 0
	for _, file := range files {
		f, err := open(p, file)
		if err != nil {
			status = fail(p, "crc32", "can't open '%s': %s", file, registry.Strerror(err))
			continue
		}
		h := crc32.NewIEEE()
		copyKillable(p, h, f)
		f.Close()
		if named {
			fmt.Fprintf(stdout(p), "%08x %s\n", h.Sum32(), file)
		} else {
			fmt.Fprintf(stdout(p), "%08x\n", h.Sum32())
		}
	}
	return status
}

// uuencode encodes a file (or stdin) for the name in its "begin" line:
// traditional uuencoding, or base64 with -m.
func uuencode(p *registry.Process) int {
	const text = "uuencode [-m] [FILE] STORED_FILENAME"
	set, args, ok := options(p, "uuencode", "m", "", text)
	if !ok {
		return 1
	}
	if len(args) < 1 || len(args) > 2 {
		return usage(p, text)
	}
	src, stored := "-", args[len(args)-1]
	mode := uint32(0o644) // stdin's: 0666 less the umask
	if len(args) == 2 {
		src = args[0]
		info, err := p.FS.Stat(p.Path(src))
		if err != nil {
			return fail(p, "uuencode", "can't open '%s': %s", src, registry.Strerror(err))
		}
		mode = uint32(info.Mode().Perm())
	}
	f, err := open(p, src)
	if err != nil {
		return fail(p, "uuencode", "can't open '%s': %s", src, registry.Strerror(err))
	}
	defer f.Close()
	data, _ := readAllKillable(p, f)
	var b strings.Builder
	if has(set, 'm') {
		fmt.Fprintf(&b, "begin-base64 %o %s\n", mode, stored)
		for len(data) > 0 {
			n := min(len(data), 57)
			b.WriteString(base64.StdEncoding.EncodeToString(data[:n]) + "\n")
			data = data[n:]
		}
		b.WriteString("====\n")
	} else {
		fmt.Fprintf(&b, "begin %o %s\n", mode, stored)
		for len(data) > 0 {
			n := min(len(data), 45)
			b.WriteByte(uuChar(byte(n)))
			chunk := append([]byte(nil), data[:n]...)
			for len(chunk)%3 != 0 {
				chunk = append(chunk, 0)
			}
			for i := 0; i < len(chunk); i += 3 {
				c0, c1, c2 := chunk[i], chunk[i+1], chunk[i+2]
				b.WriteByte(uuChar(c0 >> 2))
				b.WriteByte(uuChar(c0<<4&0x30 | c1>>4))
				b.WriteByte(uuChar(c1<<2&0x3c | c2>>6))
				b.WriteByte(uuChar(c2 & 0x3f))
			}
			b.WriteByte('\n')
			data = data[n:]
		}
		b.WriteString("`\nend\n")
	}
	io.WriteString(stdout(p), b.String())
	return 0
}

func uuChar(c byte) byte {
	if c == 0 {
		return '`'
	}
	return c + ' '
}

// uudecode decodes the uuencoded (or begin-base64) data of a file (or
// stdin) into the file its "begin" line names, or -o FILE ("-" is
// stdout).
func uudecode(p *registry.Process) int {
	const text = "uudecode [-o OUTFILE] [INFILE]"
	set, args, ok := options(p, "uudecode", "", "o", text)
	if !ok {
		return 1
	}
	if len(args) > 1 {
		return usage(p, text)
	}
	src := "-"
	if len(args) == 1 {
		src = args[0]
	}
	f, err := open(p, src)
	if err != nil {
		return fail(p, "uudecode", "can't open '%s': %s", src, registry.Strerror(err))
	}
	data, _ := readAllKillable(p, f)
	f.Close()
	lines := strings.Split(string(data), "\n")
	start, b64 := -1, false
	var mode uint64
	var name string
	for i, line := range lines {
		line = strings.TrimRight(line, "\r")
		var rest string
		var ok bool
		if rest, ok = strings.CutPrefix(line, "begin-base64 "); ok {
			b64 = true
		} else if rest, ok = strings.CutPrefix(line, "begin "); !ok {
			continue
		}
		m, n, found := strings.Cut(rest, " ")
		mv, err := strconv.ParseUint(m, 8, 32)
		if !found || err != nil {
			continue
		}
		start, mode, name = i+1, mv, n
		break
	}
	if start < 0 {
		return fail(p, "uudecode", "no 'begin' line")
	}
	var out bytes.Buffer
	ended, short := false, false
	for _, line := range lines[start:] {
		line = strings.TrimRight(line, "\r")
		if b64 {
			if line == "====" {
				ended = true
				break
			}
			d, ok := decodeBase64([]byte(line))
			out.Write(d)
			if !ok {
				short = true
				break
			}
			continue
		}
		if line == "end" {
			ended = true
			break
		}
		if line == "" {
			continue
		}
		n := int((line[0] - ' ') & 0x3f)
		if n == 0 {
			continue
		}
		var dec []byte
		for i := 1; i+4 <= len(line); i += 4 {
			c := [4]byte{}
			for j := range c {
				c[j] = (line[i+j] - ' ') & 0x3f
			}
			dec = append(dec, c[0]<<2|c[1]>>4, c[1]<<4|c[2]>>2, c[2]<<6|c[3])
		}
		if len(dec) < n {
			short = true
			break
		}
		out.Write(dec[:n])
	}
	// Busybox writes what it decoded before it finds the data short; a
	// base64 body may end without its "====".
	short = short || !ended && !b64
	if o, ok := set['o']; ok {
		name = o
	}
	done := func() int {
		if short {
			return fail(p, "uudecode", "short file")
		}
		return 0
	}
	if name == "-" {
		stdout(p).Write(out.Bytes())
		return done()
	}
	dst, err := p.FS.OpenFile(p.Path(name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, os.FileMode(mode&0o7777))
	if err != nil {
		return fail(p, "uudecode", "can't open '%s': %s", name, registry.Strerror(err))
	}
	defer dst.Close()
	if _, err := dst.Write(out.Bytes()); err != nil {
		return fail(p, "uudecode", "%s: %s", path.Base(name), registry.Strerror(err))
	}
	return done()
}
