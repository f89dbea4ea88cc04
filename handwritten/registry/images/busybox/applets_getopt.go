package busybox

import (
	"bufio"
	"fmt"
	"strings"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const tsUsage = "ts [-is] [STRFTIME]"

// ts prefixes each line of stdin with the time (strftime format, "%b %d
// %H:%M:%S", and %.S %.s with microseconds); -s the time since start,
// -i since the previous line.
func ts(p *registry.Process) int {
	set, args, _ := flags(p.Args[1:], "")
	if f := checkFlags(set, "is"); f != 0 {
		return badOption(p, "ts", f, tsUsage)
	}
	format := "%b %d %H:%M:%S"
	relative := has(set, 'i') || has(set, 's')
	if relative {
		format = "%H:%M:%S"
	}
	if len(args) > 1 {
		return usage(p, tsUsage)
	}
	if len(args) == 1 {
		format = args[0]
	}
	start := time.Now()
	prev := start
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	br := bufio.NewReader(killable(p, stdin(p)))
	for {
		line, err := br.ReadString('\n')
		if line != "" {
			now := time.Now()
			t := now.UTC()
			switch {
			case has(set, 's'):
				t = time.Unix(0, 0).UTC().Add(now.Sub(start))
			case has(set, 'i'):
				t = time.Unix(0, 0).UTC().Add(now.Sub(prev))
			}
			prev = now
			// %.S and %.s have microseconds.
			f := strings.ReplaceAll(format, "%.S", "%S."+fmt.Sprintf("%06d", t.Nanosecond()/1000))
			f = strings.ReplaceAll(f, "%.s", "%s."+fmt.Sprintf("%06d", t.Nanosecond()/1000))
			w.WriteString(strftime(f, t) + " " + line)
			if !strings.HasSuffix(line, "\n") || br.Buffered() == 0 {
				w.Flush()
			}
		}
		if err != nil {
			return 0
		}
	}
}

const getoptUsage = "getopt [OPTIONS] [--] OPTSTRING PARAMS"

// getopt normalizes a command line for a shell script: the options of
// OPTSTRING (-o; x: takes an argument, x:: may) and -l's long ones,
// each argument quoted (not with -u, nor in the old form without -o),
// then --, then the operands. Errors are getopt_long's, prefixed with
// -n's name; -q silences them, -Q the output.
func getopt(p *registry.Process) int {
	args := p.Args[1:]
	var short string
	var longs []string
	name, quote, quiet, noOut, alt, haveShort := "getopt", true, false, false, false, false
	shell := "sh"
	i := 0
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		// The old form: getopt OPTSTRING PARAMS.
		short, haveShort, quote = args[0], true, false
		i = 1
	} else {
	opts:
		for i < len(args) {
			a := args[i]
			if a == "--" {
				i++
				break
			}
			if !strings.HasPrefix(a, "-") || a == "-" {
				break
			}
			if long, ok := strings.CutPrefix(a, "--"); ok {
				key, val, hasVal := strings.Cut(long, "=")
				need := func() (string, bool) {
					if hasVal {
						return val, true
					}
					if i+1 < len(args) {
						i++
						return args[i], true
					}
					return "", false
				}
				switch key {
				case "options", "longoptions", "name", "shell":
					v, ok := need()
					if !ok {
						fmt.Fprintf(stderr(p), "getopt: option '--%s' requires an argument\n", key)
						return usage(p, getoptUsage)
					}
					switch key {
					case "options":
						short, haveShort = v, true
					case "longoptions":
						longs = append(longs, strings.Split(v, ",")...)
					case "name":
						name = v
					default:
						shell = v
					}
				case "quiet":
					quiet = true
				case "quiet-output":
					noOut = true
				case "unquoted":
					quote = false
				case "alternative":
					alt = true
				case "test":
					return 4
				default:
					fmt.Fprintf(stderr(p), "getopt: unrecognized option '%s'\n", a)
					return usage(p, getoptUsage)
				}
				i++
				continue
			}
			for j := 1; j < len(a); j++ {
				f := a[j]
				switch f {
				case 'o', 'l', 'n', 's':
					v := a[j+1:]
					if v == "" {
						if i+1 >= len(args) {
							fmt.Fprintf(stderr(p), "getopt: option requires an argument -- '%c'\n", f)
							return usage(p, getoptUsage)
						}
						i++
						v = args[i]
					}
					switch f {
					case 'o':
						short, haveShort = v, true
					case 'l':
						longs = append(longs, strings.Split(v, ",")...)
					case 'n':
						name = v
					case 's':
						shell = v
					}
					i++
					continue opts
				case 'q':
					quiet = true
				case 'Q':
					noOut = true
				case 'u':
					quote = false
				case 'a':
					alt = true
				case 'T':
					return 4
				default:
					fmt.Fprintf(stderr(p), "getopt: invalid option -- '%c'\n", f)
					return usage(p, getoptUsage)
				}
			}
			i++
		}
		if !haveShort {
			if i >= len(args) {
				fmt.Fprintln(stderr(p), "getopt: missing optstring argument")
				return 1
			}
			short, haveShort = args[i], true
			i++
		}
	}
	if shell != "sh" && shell != "bash" && shell != "csh" && shell != "tcsh" {
		fmt.Fprintf(stderr(p), "getopt: unknown shell '%s', using sh\n", shell)
		shell = "sh"
	}
	params := args[i:]
	stopAtOperand := strings.HasPrefix(short, "+") || p.Getenv("POSIXLY_CORRECT") != ""
	short = strings.TrimLeft(short, "+-")
	q := func(s string) string {
		if !quote {
			return s
		}
		s = "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
		if shell == "csh" || shell == "tcsh" {
			s = strings.ReplaceAll(s, "!", `'\!'`)
			s = strings.ReplaceAll(s, "\n", "'\\\n'")
		}
		return s
	}
	complain := func(format string, a ...any) {
		if !quiet {
			fmt.Fprintf(stderr(p), "%s: %s\n", name, fmt.Sprintf(format, a...))
		}
	}
	// kind of an option: 0 none, 1 required, 2 optional; ok if known.
	shortKind := func(c byte) (int, bool) {
		k := strings.IndexByte(short, c)
		if k < 0 || c == ':' {
			return 0, false
		}
		switch {
		case strings.HasPrefix(short[k+1:], "::"):
			return 2, true
		case strings.HasPrefix(short[k+1:], ":"):
			return 1, true
		}
		return 0, true
	}
	var out, operands []string
	status := 0
	for k := 0; k < len(params); k++ {
		a := params[k]
		if a == "--" {
			operands = append(operands, params[k+1:]...)
			break
		}
		long, isLong := strings.CutPrefix(a, "--")
		if !isLong && alt && len(a) > 2 && a[0] == '-' {
			if key, _, _ := strings.Cut(a[1:], "="); getoptLong(longs, key) != "" {
				long, isLong = a[1:], true
			}
		}
		if isLong && long != "" {
			dash := a[:len(a)-len(long)]
			key, val, hasVal := strings.Cut(long, "=")
			full := getoptLong(longs, key)
			if full == "" {
				complain("unrecognized option '%s'", a)
				status = 1
				continue
			}
			if full == "?" {
				complain("option '%s%s' is ambiguous; possibilities: %s", dash, key, getoptCandidates(longs, dash, key))
				status = 1
				continue
			}
			kind := 0
			base := full
			switch {
			case strings.HasSuffix(full, "::"):
				kind, base = 2, strings.TrimSuffix(full, "::")
			case strings.HasSuffix(full, ":"):
				kind, base = 1, strings.TrimSuffix(full, ":")
			}
			switch {
			case kind == 0 && hasVal:
				complain("option '%s%s' doesn't allow an argument", dash, base)
				status = 1
			case kind == 0:
				out = append(out, "--"+base)
			case kind == 2:
				out = append(out, "--"+base, q(val))
			case hasVal:
				out = append(out, "--"+base, q(val))
			case k+1 < len(params):
				k++
				out = append(out, "--"+base, q(params[k]))
			default:
				complain("option '%s%s' requires an argument", dash, base)
				status = 1
			}
			continue
		}
		if len(a) < 2 || a[0] != '-' {
			if stopAtOperand {
				operands = append(operands, params[k:]...)
				break
			}
			operands = append(operands, a)
			continue
		}
		for j := 1; j < len(a); j++ {
			c := a[j]
			kind, ok := shortKind(c)
			if !ok {
				complain("invalid option -- '%c'", c)
				status = 1
				continue
			}
			rest := a[j+1:]
			switch {
			case kind == 0:
				out = append(out, "-"+string(c))
				continue
			case kind == 2:
				out = append(out, "-"+string(c), q(rest))
			case rest != "":
				out = append(out, "-"+string(c), q(rest))
			case k+1 < len(params):
				k++
				out = append(out, "-"+string(c), q(params[k]))
			default:
				complain("option requires an argument -- '%c'", c)
				status = 1
			}
			break
		}
	}
	if noOut {
		return status
	}
	var b strings.Builder
	for _, o := range out {
		b.WriteString(" " + o)
	}
	b.WriteString(" --")
	for _, o := range operands {
		b.WriteString(" " + q(o))
	}
	fmt.Fprintln(stdout(p), b.String())
	return status
}

// getoptLong finds the long option key (exact, or a prefix) among
// longs, with its colons; "" if none, "?" if the prefix fits options
// that differ in their argument (getopt_long's ambiguity).
func getoptLong(longs []string, key string) string {
	found := ""
	for _, l := range longs {
		base := strings.TrimRight(l, ":")
		if base == key {
			return l
		}
		if strings.HasPrefix(base, key) && key != "" {
			switch {
			case found == "":
				found = l
			case found != "?" && len(l)-len(base) != len(found)-len(strings.TrimRight(found, ":")):
				found = "?"
			}
		}
	}
	return found
}

// getoptCandidates lists the long options key is a prefix of, as
// getopt_long's ambiguity message does.
func getoptCandidates(longs []string, dash, key string) string {
	var c []string
	for _, l := range longs {
		if base := strings.TrimRight(l, ":"); strings.HasPrefix(base, key) {
			c = append(c, "'"+dash+base+"'")
		}
	}
	return strings.Join(c, " ")
}
