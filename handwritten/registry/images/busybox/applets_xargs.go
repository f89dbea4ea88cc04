package busybox

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os/exec"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const xargsUsage = "xargs [OPTIONS] [PROG ARGS]"

// xargs runs PROG (echo) with the items of stdin (or -a FILE) as more
// arguments: blank separated with quotes and backslashes, or NUL
// terminated (-0), or one line each replacing -I's string (-i: {}); -n at most N
// per run, -s at most N bytes, -r not at all without items, -t traces
// on stderr, -p asks on /dev/tty first, -E stops at an item. The exit
// status is busybox's: 123 if a run failed, 124 if one exited 255,
// 126/127 if PROG cannot run. Parallel runs (-P) are run one after
// another.
func xargs(p *registry.Process) int {
	// -e[EOF] and -i[STR] take their value attached only: split them off
	// first.
	args := p.Args[1:]
	var pre []string
	eof, hasEOF := "", false
	replaceI, hasI := "", false // -i[STR]: -I STR, "{}" by default
	i := 0
	for ; i < len(args); i++ {
		a := args[i]
		if a == "--" {
			i++
			break
		}
		if len(a) < 2 || a[0] != '-' {
			break
		}
		kept, takesNext := "-", false
		for j := 1; j < len(a); j++ {
			c := a[j]
			if c == 'e' {
				eof = a[j+1:]
				hasEOF = eof != ""
				break
			}
			if c == 'i' {
				replaceI, hasI = a[j+1:], true
				if replaceI == "" {
					replaceI = "{}"
				}
				break
			}
			kept += string(c)
			if strings.IndexByte("aEInsP", c) >= 0 {
				kept += a[j+1:]
				takesNext = j+1 == len(a)
				break
			}
		}
		if kept != "-" {
			pre = append(pre, kept)
		}
		if takesNext && i+1 < len(args) {
			i++
			pre = append(pre, args[i])
		}
	}
	set, cmd, bad := flags(append(append(pre, "--"), args[i:]...), "aEInsP")
	if bad != 0 {
		return needArg(p, "xargs", bad, xargsUsage)
	}
	if v, ok := set['E']; ok {
		eof, hasEOF = v, true
	}
	if _, ok := set['I']; hasI && !ok {
		set['I'] = replaceI
	}
	if f := checkFlags(set, "0aEInsPprtxe"); f != 0 {
		return badOption(p, "xargs", f, xargsUsage)
	}
	maxArgs, maxSize := 0, 128*1024
	for f, dst := range map[byte]*int{'n': &maxArgs, 's': &maxSize} {
		if v, ok := set[f]; ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return fail(p, "xargs", "invalid number '%s'", v)
			}
			*dst = n
		}
	}
	if v, ok := set['P']; ok {
		if _, err := strconv.Atoi(v); err != nil {
			return fail(p, "xargs", "invalid number '%s'", v)
		}
	}
	if len(cmd) == 0 {
		cmd = []string{"echo"}
	}
	in := stdin(p)
	if name, ok := set['a']; ok {
		f, err := open(p, name)
		if err != nil {
			return fail(p, "xargs", "can't open '%s': %s", name, registry.Strerror(err))
		}
		defer f.Close()
		in = f
	}
	replace, replacing := set['I']
	next := xargsItems(p, in, has(set, '0'), replacing)
	// The first item, to know whether there are any (-r).
	var carry []string
	ended := false
	take := func() (string, bool, int) {
		if len(carry) > 0 {
			it := carry[0]
			carry = carry[1:]
			return it, true, 0
		}
		if ended {
			return "", false, 0
		}
		it, ok, err := next()
		switch {
		case errors.Is(err, errKilled):
			return "", false, 137
		case err != nil:
			fail(p, "xargs", "%s", err)
			return "", false, 1
		case !ok || hasEOF && it == eof:
			ended = true
			return "", false, 0
		}
		return it, true, 0
	}
	first, ok, st := take()
	if st != 0 {
		return st
	}
	if ok {
		carry = append(carry, first)
	} else if has(set, 'r') {
		return 0
	}
	status := 0
	runOne := func(args []string) bool {
		if p.KillContext().Err() != nil {
			status = 137
			return false
		}
		if has(set, 'p') {
			// Ask on the terminal, as busybox does.
			io.WriteString(stderr(p), strings.Join(args, " "))
			tty, err := p.FS.Open("/dev/tty")
			if err != nil {
				fmt.Fprintf(stderr(p), "xargs: can't open '/dev/tty': %s\n", registry.Strerror(err))
				status = 1
				return false
			}
			io.WriteString(stderr(p), " ?...")
			answer, _ := bufio.NewReader(tty).ReadString('\n')
			tty.Close()
			if !strings.HasPrefix(answer, "y") && !strings.HasPrefix(answer, "Y") {
				return true
			}
		} else if has(set, 't') {
			fmt.Fprintln(stderr(p), strings.Join(args, " "))
		}
		c := *p
		c.Args = args
		c.Stdin = nil
		prog, err := c.LookPath(args[0])
		if err != nil {
			var ee *exec.Error
			if errors.As(err, &ee) && errors.Is(ee.Err, exec.ErrNotFound) {
				err = registry.ENOENT
			} else if ee != nil {
				err = ee.Err
			}
			fail(p, "xargs", "%s: %s", args[0], registry.Strerror(err))
			status = 127
			if errors.Is(err, fs.ErrPermission) {
				status = 126
			}
			return false
		}
		switch code := registry.Run(prog, &c); {
		case code == 255:
			fail(p, "xargs", "%s: exited with status 255; aborting", args[0])
			status = 124
			return false
		case code > 128 && p.KillContext().Err() != nil:
			status = 125
			return false
		case code != 0:
			status = 123
		}
		return true
	}
	if replacing {
		for {
			it, ok, st := take()
			if st != 0 {
				return st
			}
			if !ok {
				return status
			}
			args := make([]string, len(cmd))
			for i, a := range cmd {
				args[i] = strings.ReplaceAll(a, replace, it)
			}
			if !runOne(args) {
				return status
			}
		}
	}
	base := 0
	for _, a := range cmd {
		base += len(a) + 1
	}
	for round := 0; ; round++ {
		var batch []string
		size := base
		for maxArgs == 0 || len(batch) < maxArgs {
			it, ok, st := take()
			if st != 0 {
				return st
			}
			if !ok {
				break
			}
			if size+len(it)+1 > maxSize && len(batch) > 0 {
				carry = append(carry, it)
				break
			}
			size += len(it) + 1
			batch = append(batch, it)
		}
		if len(batch) == 0 && round > 0 {
			return status
		}
		if size > maxSize && has(set, 'x') {
			return fail(p, "xargs", "argument line too long")
		}
		if !runOne(append(append([]string{}, cmd...), batch...)) {
			return status
		}
		if ended && len(carry) == 0 {
			return status
		}
	}
}

// xargsItems reads the items of in as they come: NUL terminated (nul),
// whole lines without leading blanks (lines), or words.
func xargsItems(p *registry.Process, in io.Reader, nul, lines bool) func() (string, bool, error) {
	sep := byte('\n')
	if nul {
		sep = 0
	}
	chunks := make(chan string)
	done := p.KillContext().Done()
	go func() {
		defer close(chunks)
		br := bufio.NewReader(in)
		for {
			s, err := br.ReadString(sep)
			if s != "" {
				select {
				case chunks <- s:
				case <-done:
					return
				}
			}
			if err != nil {
				return
			}
		}
	}()
	var pending []string
	return func() (string, bool, error) {
		for len(pending) == 0 {
			var chunk string
			var ok bool
			select {
			case chunk, ok = <-chunks:
			case <-done:
				return "", false, errKilled
			}
			if !ok {
				return "", false, nil
			}
			switch {
			case nul:
				pending = append(pending, strings.TrimSuffix(chunk, "\x00"))
			case lines:
				if line := strings.TrimLeft(strings.TrimSuffix(chunk, "\n"), " \t"); line != "" {
					pending = append(pending, line)
				}
			default:
				words, err := xargsWords(chunk)
				if err != nil {
					return "", false, err
				}
				pending = words
			}
		}
		it := pending[0]
		pending = pending[1:]
		return it, true, nil
	}
}

// xargsWords splits input at blanks and newlines, with '...', "..." and
// backslash quoting.
func xargsWords(s string) ([]string, error) {
	var words []string
	var b strings.Builder
	in, quote := false, byte(0)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0:
			if c == quote {
				quote = 0
			} else {
				b.WriteByte(c)
			}
		case c == '\'' || c == '"':
			quote, in = c, true
		case c == '\\' && i+1 < len(s):
			i++
			b.WriteByte(s[i])
			in = true
		case c == ' ' || c == '\t' || c == '\n':
			if in {
				words = append(words, b.String())
				b.Reset()
				in = false
			}
		default:
			b.WriteByte(c)
			in = true
		}
	}
	if quote != 0 {
		kind := "single"
		if quote == '"' {
			kind = "double"
		}
		return nil, fmt.Errorf("unmatched %s quote", kind)
	}
	if in {
		words = append(words, b.String())
	}
	return words, nil
}
