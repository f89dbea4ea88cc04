package busybox

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/flate"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// gzipMessage is busybox's message for a failed decompression.
func gzipMessage(err error) string {
	var corrupt flate.CorruptInputError
	var structural bzip2.StructuralError
	switch {
	case errors.Is(err, io.ErrUnexpectedEOF):
		return "unexpected end of file"
	case errors.Is(err, gzip.ErrChecksum):
		return "crc error"
	case errors.Is(err, gzip.ErrHeader):
		return "invalid magic"
	case errors.As(err, &corrupt):
		return "corrupted data"
	case errors.As(err, &structural):
		return "data integrity error when decompressing"
	}
	return registry.Strerror(err)
}

// unpacker is one of bbunpack's applets: how its input becomes output.
type unpacker struct {
	applet string
	// convert copies in, converted, to out; false means bad magic.
	convert func(out io.Writer, in *bufio.Reader) error
	// newName is the output file's name for an input file's name ("" when
	// the suffix is not the unpacker's).
	newName  func(name string) string
	toStdout bool // zcat, bzcat
	opts     string
}

// bbunpack runs a (de)compressor as busybox's bbunpack does: files (or
// stdin) in, a file with the suffix added or removed out, the input
// removed unless -k or -c.
func bbunpack(p *registry.Process, u unpacker) int {
	set, files, bad := flags(p.Args[1:], "")
	if bad != 0 {
		return usage(p, u.applet+" [-cfkdt] [FILE]...")
	}
	for f := range set {
		if !strings.ContainsRune(u.opts, rune(f)) {
			fmt.Fprintf(stderr(p), "%s: invalid option -- '%c'\n", u.applet, f)
			return usage(p, u.applet+" [-cfkdt] [FILE]...")
		}
	}
	toStdout := u.toStdout || has(set, 'c')
	test := has(set, 't')
	force, keep := has(set, 'f'), has(set, 'k')
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	for _, name := range files {
		if code := unpackOne(p, u, name, toStdout, test, force, keep); code != 0 {
			if code == 137 {
				return code
			}
			status = code
		}
	}
	return status
}

func unpackOne(p *registry.Process, u unpacker, name string, toStdout, test, force, keep bool) int {
	var in io.Reader
	var newName string
	if name != "-" {
		if p.FS == nil {
			return fail(p, u.applet, "%s: No such file or directory", name)
		}
		info, err := p.FS.Stat(p.Path(name))
		if err != nil {
			return fail(p, u.applet, "%s: %s", name, registry.Strerror(err))
		}
		if info.IsDir() && u.applet == "gzip" && !toStdout {
			// busybox compresses what a read of it gives (nothing), then
			// fails to unlink(2) it.
			return fail(p, u.applet, "can't remove file '%s': %s", name, registry.Strerror(registry.EISDIR))
		}
		if !toStdout && !test {
			if newName = u.newName(name); newName == "" {
				return fail(p, u.applet, "%s: unknown suffix - ignored", name)
			}
		}
		f, err := p.FS.Open(p.Path(name))
		if err != nil {
			return fail(p, u.applet, "can't open '%s': %s", name, registry.Strerror(err))
		}
		defer f.Close()
		in = f
		if newName != "" {
			if _, err := p.FS.Lstat(p.Path(newName)); err == nil {
				if !force {
					return fail(p, u.applet, "can't open '%s': File exists", newName)
				}
				p.FS.Remove(p.Path(newName))
			}
			_ = info
		}
	} else {
		in = stdin(p)
	}
	var out io.Writer = stdout(p)
	var outFile registry.File
	if test {
		out = io.Discard
	} else if newName != "" {
		info, _ := p.FS.Stat(p.Path(name))
		f, err := p.FS.OpenFile(p.Path(newName), os.O_WRONLY|os.O_CREATE|os.O_EXCL, info.Mode().Perm())
		if err != nil {
			return fail(p, u.applet, "can't open '%s': %s", newName, registry.Strerror(err))
		}
		outFile, out = f, f
	}
	bw := bufio.NewWriterSize(out, 32*1024)
	err := u.convert(bw, bufio.NewReaderSize(killableReader{p, in}, 32*1024))
	if err == nil {
		err = bw.Flush()
	}
	if outFile != nil {
		outFile.Close()
	}
	if err != nil {
		if outFile != nil {
			p.FS.Remove(p.Path(newName))
		}
		if errors.Is(err, errKilled) {
			return 137
		}
		if brokenPipe(err) {
			return 141
		}
		return fail(p, u.applet, "%s", gzipMessage(err))
	}
	if newName != "" {
		info, _ := p.FS.Stat(p.Path(name))
		if info != nil {
			fsChmod(p.FS, p.Path(newName), info.Mode().Perm())
		}
		if !keep {
			p.FS.Remove(p.Path(name))
		}
	}
	return 0
}

// brokenPipe reports a write to a pipe whose reader is gone: the
// writer dies of SIGPIPE, silently.
func brokenPipe(err error) bool {
	return err != nil && (err.Error() == "broken pipe" || errors.Is(err, io.ErrClosedPipe))
}

var errBadMagic = errors.New("invalid magic")

// gunzipStream decompresses every gzip member of in to out.
func gunzipStream(out io.Writer, in *bufio.Reader) error {
	if magic, _ := in.Peek(2); !bytes.Equal(magic, []byte{0x1f, 0x8b}) {
		return errBadMagic
	}
	zr, err := gzip.NewReader(in)
	if err != nil {
		return err
	}
	_, err = io.Copy(out, zr)
	return err
}

func bunzip2Stream(out io.Writer, in *bufio.Reader) error {
	if magic, _ := in.Peek(3); string(magic) != "BZh" {
		return errBadMagic
	}
	_, err := io.Copy(out, bzip2.NewReader(in))
	return err
}

func gzipStream(out io.Writer, in *bufio.Reader) error {
	zw, _ := gzip.NewWriterLevel(out, 6)
	if _, err := io.Copy(zw, in); err != nil {
		return err
	}
	return zw.Close()
}

func gunzipName(name string) string {
	switch {
	case strings.HasSuffix(name, ".gz") && len(name) > 3:
		return strings.TrimSuffix(name, ".gz")
	case (strings.HasSuffix(name, ".z") || strings.HasSuffix(name, ".Z")) && len(name) > 2:
		return name[:len(name)-2]
	case strings.HasSuffix(name, ".tgz") && len(name) > 4:
		return strings.TrimSuffix(name, ".tgz") + ".tar"
	}
	return ""
}

var gunzipper = unpacker{applet: "gunzip", convert: gunzipStream, newName: gunzipName, opts: "cfkt"}

func gzipApplet(p *registry.Process) int {
	set, _, _ := flags(p.Args[1:], "")
	if has(set, 'd') {
		u := gunzipper
		u.applet, u.opts = "gzip", "cfkdtn123456789"
		return bbunpack(p, u)
	}
	return bbunpack(p, unpacker{applet: "gzip", convert: gzipStream, opts: "cfkdtn123456789",
		newName: func(name string) string { return name + ".gz" }})
}

func gunzipApplet(p *registry.Process) int { return bbunpack(p, gunzipper) }

// zcat decompresses gzip, and bzip2 too (busybox's seamless
// decompression).
func zcatApplet(p *registry.Process) int {
	return bbunpack(p, unpacker{applet: "zcat", toStdout: true, opts: "cf", newName: gunzipName,
		convert: func(out io.Writer, in *bufio.Reader) error {
			magic, _ := in.Peek(3)
			switch {
			case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
				return gunzipStream(out, in)
			case string(magic) == "BZh":
				return bunzip2Stream(out, in)
			}
			return errors.New("no gzip/bzip2/xz magic")
		}})
}

func bunzip2Name(name string) string {
	if strings.HasSuffix(name, ".bz2") && len(name) > 4 {
		return strings.TrimSuffix(name, ".bz2")
	}
	return ""
}

func bunzip2Applet(p *registry.Process) int {
	return bbunpack(p, unpacker{applet: "bunzip2", convert: bunzip2Stream, newName: bunzip2Name, opts: "cfkt"})
}

func bzcatApplet(p *registry.Process) int {
	return bbunpack(p, unpacker{applet: "bzcat", toStdout: true, convert: bunzip2Stream, newName: bunzip2Name, opts: "cf"})
}
