package busybox

import (
	"archive/zip"
	"bufio"
	"bytes"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const unzipUsage = "unzip [-lnojpq] FILE[.zip] [FILE]... [-x FILE]... [-d DIR]"

// unzipApplet is busybox's unzip: list (-l), extract (into -d DIR),
// or write to stdout (-p) the members of a zip archive.
func unzipApplet(p *registry.Process) int {
	var (
		list, never, overwrite, junk, pipe, quiet bool
		dir, archive                              string
		members, excludes                         []string
		inExclude                                 bool
	)
	args := p.Args[1:]
	for i := 0; i < len(args); i++ {
		a := args[i]
		if len(a) > 1 && a[0] == '-' {
			for j := 1; j < len(a); j++ {
				switch c := a[j]; c {
				case 'l':
					list = true
				case 'n':
					never = true
				case 'o':
					overwrite = true
				case 'j':
					junk = true
				case 'p':
					pipe = true
				case 'q':
					quiet = true
				case 't', 'v':
				case 'x':
					inExclude = true
				case 'd':
					if j+1 < len(a) {
						dir = a[j+1:]
					} else if i+1 < len(args) {
						i++
						dir = args[i]
					} else {
						fmt.Fprintf(stderr(p), "unzip: option requires an argument -- 'd'\n")
						return usage(p, unzipUsage)
					}
					j = len(a)
				default:
					fmt.Fprintf(stderr(p), "unzip: invalid option -- '%c'\n", c)
					return usage(p, unzipUsage)
				}
			}
			continue
		}
		switch {
		case archive == "":
			archive = a
		case inExclude:
			excludes = append(excludes, a)
		default:
			members = append(members, a)
		}
	}
	if archive == "" {
		return usage(p, unzipUsage)
	}
	if p.FS == nil {
		return fail(p, "unzip", "can't open %s[.zip]", archive)
	}
	name := archive
	data, err := p.FS.ReadFile(p.Path(name))
	if err != nil {
		name = archive + ".zip"
		if data, err = p.FS.ReadFile(p.Path(name)); err != nil {
			return fail(p, "unzip", "can't open %s[.zip]", archive)
		}
	}
	base := p.Dir
	if dir != "" {
		// One level only, as busybox's (and UnZip 6.00's) mkdir.
		base = p.Path(dir)
		if parent, err := p.FS.Stat(path.Dir(base)); err == nil && parent.IsDir() {
			p.FS.MkdirAll(base, 0o777&^umask)
		}
		info, err := p.FS.Stat(base)
		if err == nil && !info.IsDir() {
			err = registry.ENOTDIR
		}
		if err != nil {
			return fail(p, "unzip", "can't change directory to '%s': %s", dir, registry.Strerror(err))
		}
	}
	out := bufio.NewWriter(stdout(p))
	defer out.Flush()
	if !pipe && !(quiet && !list) {
		fmt.Fprintf(out, "Archive:  %s\n", name)
	}
	if list {
		fmt.Fprint(out, "  Length      Date    Time    Name\n---------  ---------- -----   ----\n")
	}
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		out.Flush()
		return fail(p, "unzip", "short read")
	}
	wanted := func(n string) bool {
		for _, x := range excludes {
			if ok, _ := path.Match(x, n); ok {
				return false
			}
		}
		if len(members) == 0 {
			return true
		}
		for _, m := range members {
			if ok, _ := path.Match(m, n); ok {
				return true
			}
		}
		return false
	}
	var total uint64
	count := 0
	all := false // [A]ll was answered
	answers := bufio.NewReader(stdin(p))
	for _, f := range zr.File {
		count++ // busybox counts every entry, and sums the sizes listed
		if !wanted(f.Name) {
			continue
		}
		if list {
			t := f.Modified
			if f.Modified.IsZero() {
				t = f.ModTime()
			}
			fmt.Fprintf(out, "%9d  %02d-%02d-%04d %02d:%02d   %s\n", f.UncompressedSize64,
				int(t.Month()), t.Day(), t.Year(), t.Hour(), t.Minute(), f.Name)
			total += f.UncompressedSize64
			continue
		}
		isDir := strings.HasSuffix(f.Name, "/")
		if pipe {
			if isDir {
				continue
			}
			out.Flush()
			if code := unzipCopy(p, f, stdout(p)); code != 0 {
				return code
			}
			continue
		}
		name := stripUnsafePrefix(p, "unzip", f.Name, new(bool))
		if junk {
			if isDir {
				continue
			}
			name = path.Base(name)
		}
		full := path.Join(base, name)
		mode := fs.FileMode(0o666)
		if f.CreatorVersion>>8 == 3 { // made on Unix: the mode is there
			mode = fs.FileMode(f.ExternalAttrs>>16) & 0o777
		}
		if isDir {
			if _, err := p.FS.Stat(full); err != nil {
				if !quiet {
					fmt.Fprintf(out, "   creating: %s\n", f.Name)
				}
				if err := p.FS.MkdirAll(full, 0o777&^umask); err != nil {
					out.Flush()
					return fail(p, "unzip", "can't create directory '%s': %s", name, registry.Strerror(err))
				}
			}
			continue
		}
		if d := path.Dir(full); d != full {
			if err := p.FS.MkdirAll(d, 0o777&^umask); err != nil {
				out.Flush()
				return fail(p, "unzip", "can't create directory '%s': %s", path.Dir(name), registry.Strerror(err))
			}
		}
		if _, err := p.FS.Stat(full); err == nil && !overwrite && !all {
			if never {
				continue
			}
			skip := false
		ask:
			for {
				fmt.Fprintf(out, "replace %s? [y]es, [n]o, [A]ll, [N]one, [r]ename: ", name)
				out.Flush()
				answer, err := fgets(answers, 80)
				if err != nil && answer == "" {
					return fail(p, "unzip", "can't read standard input")
				}
				switch answer[0] {
				case 'y':
				case 'A':
					all = true
				case 'N':
					never = true
					skip = true
				case 'n', 'r': // no renaming here: the file stays
					skip = true
				default:
					fmt.Fprintf(out, "error: invalid response [%c]\n", answer[0])
					continue
				}
				break ask
			}
			if skip {
				continue
			}
		}
		if !quiet {
			fmt.Fprintf(out, "  inflating: %s\n", name)
		}
		file, err := p.FS.OpenFile(full, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode&^umask)
		if err != nil {
			out.Flush()
			return fail(p, "unzip", "can't open '%s': %s", name, registry.Strerror(err))
		}
		code := unzipCopy(p, f, file)
		file.Close()
		if code != 0 {
			return code
		}
		fsChmod(p.FS, full, mode&^umask)
	}
	if list {
		fmt.Fprintf(out, " --------                     -------\n%9d                     %d files\n", total, count)
	}
	return 0
}

func unzipCopy(p *registry.Process, f *zip.File, w io.Writer) int {
	r, err := f.Open()
	if err != nil {
		return fail(p, "unzip", "unsupported method %d", f.Method)
	}
	defer r.Close()
	if _, err := copyKillable(p, w, r); err != nil {
		if err == errKilled {
			return 137
		}
		if err == zip.ErrChecksum {
			return fail(p, "unzip", "crc error")
		}
		return fail(p, "unzip", "%s", gzipMessage(err))
	}
	return 0
}

// fgets reads as C's fgets into a buffer of size bytes: through a newline,
// or size-1 bytes.
func fgets(r *bufio.Reader, size int) (string, error) {
	var b strings.Builder
	for b.Len() < size-1 {
		c, err := r.ReadByte()
		if err != nil {
			return b.String(), err
		}
		b.WriteByte(c)
		if c == '\n' {
			break
		}
	}
	return b.String(), nil
}
