package redis

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// reply is a RESP reply as hiredis gives it to redis-cli.
type reply struct {
	kind  byte // '+' status, '-' error, ':' integer, '$' string, '*' array, '_' nil, '%' map, '~' set, '>' push, ',' double, '#' bool, '=' verbatim
	str   string
	num   int64
	elems []reply // for a map: keys and values in turn
}

var errReplyProtocol = errors.New("Protocol error")

// readReply reads one reply (RESP2 and RESP3).
func readReply(r *bufio.Reader) (reply, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		return reply{}, err
	}
	line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
	if line == "" {
		return reply{}, errReplyProtocol
	}
	kind, rest := line[0], line[1:]
	switch kind {
	case '+', '-', ',':
		return reply{kind: kind, str: rest}, nil
	case ':':
		n, err := strconv.ParseInt(rest, 10, 64)
		return reply{kind: kind, num: n}, err
	case '_':
		return reply{kind: '_'}, nil
	case '#':
		return reply{kind: kind, num: map[bool]int64{true: 1}[rest == "t"]}, nil
	case '$', '=':
		n, err := strconv.Atoi(rest)
		if err != nil {
			return reply{}, errReplyProtocol
		}
		if n < 0 {
			return reply{kind: '_'}, nil
		}
		buf := make([]byte, n+2)
		if _, err := io.ReadFull(r, buf); err != nil {
			return reply{}, err
		}
		s := string(buf[:n])
		if kind == '=' && len(s) >= 4 {
			s = s[4:] // "txt:"
		}
		return reply{kind: kind, str: s}, nil
	case '*', '%', '~', '>':
		n, err := strconv.Atoi(rest)
		if err != nil {
			return reply{}, errReplyProtocol
		}
		if n < 0 {
			return reply{kind: '_'}, nil
		}
		if kind == '%' {
			n *= 2
		}
		rep := reply{kind: kind, elems: make([]reply, 0, n)}
		for range n {
			e, err := readReply(r)
			if err != nil {
				return reply{}, err
			}
			rep.elems = append(rep.elems, e)
		}
		return rep, nil
	}
	return reply{}, errReplyProtocol
}

// formatTTY is cliFormatReplyTTY: how redis-cli prints a reply on a
// terminal.
func formatTTY(r reply, prefix string) string {
	switch r.kind {
	case '-':
		return "(error) " + r.str + "\n"
	case '+':
		return r.str + "\n"
	case ':':
		return fmt.Sprintf("(integer) %d\n", r.num)
	case ',':
		return "(double) " + r.str + "\n"
	case '$':
		return repr(r.str) + "\n"
	case '=':
		return r.str + "\n"
	case '_':
		return "(nil)\n"
	case '#':
		if r.num != 0 {
			return "(true)\n"
		}
		return "(false)\n"
	}
	// Aggregates.
	if len(r.elems) == 0 {
		switch r.kind {
		case '%':
			return "(empty hash)\n"
		case '~':
			return "(empty set)\n"
		case '>':
			return "(empty push)\n"
		}
		return "(empty array)\n"
	}
	count := len(r.elems)
	if r.kind == '%' {
		count /= 2
	}
	idxlen := len(strconv.Itoa(count))
	sub := prefix + strings.Repeat(" ", idxlen+2)
	sep := ')'
	switch r.kind {
	case '~':
		sep = '~'
	case '%':
		sep = '#'
	}
	var b strings.Builder
	for i := 0; i < len(r.elems); i++ {
		human := i + 1
		if r.kind == '%' {
			human = i/2 + 1
		}
		p := prefix
		if i == 0 {
			p = ""
		}
		fmt.Fprintf(&b, "%s%*d%c ", p, idxlen, human, sep)
		b.WriteString(formatTTY(r.elems[i], sub))
		if r.kind == '%' {
			i++
			s := strings.TrimSuffix(b.String(), "\n")
			b.Reset()
			b.WriteString(s)
			b.WriteString(" => ")
			b.WriteString(formatTTY(r.elems[i], sub))
		}
	}
	return b.String()
}

// formatRaw is cliFormatReplyRaw: how redis-cli prints a reply when its
// output is not a terminal (or with --raw).
func formatRaw(r reply) string {
	switch r.kind {
	case '_':
		return ""
	case '-':
		return r.str + "\n"
	case '+', '$', '=', ',':
		return r.str
	case ':':
		return strconv.FormatInt(r.num, 10)
	case '#':
		if r.num != 0 {
			return "(true)"
		}
		return "(false)"
	case '%':
		var parts []string
		for i := 0; i+1 < len(r.elems); i += 2 {
			parts = append(parts, formatRaw(r.elems[i])+" "+formatRaw(r.elems[i+1]))
		}
		return strings.Join(parts, "\n")
	}
	parts := make([]string, len(r.elems))
	for i, e := range r.elems {
		parts[i] = formatRaw(e)
	}
	return strings.Join(parts, "\n")
}
