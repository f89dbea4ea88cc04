package busybox

import (
	"errors"
	"fmt"
	"regexp"
	"regexp/syntax"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// exprApplet is expr: it prints the value of the expression its
// arguments make (| & = != < <= > >= + - * / % : match substr index
// length quote, parentheses) and exits 1 if it is null or 0, 2 on an error.
func exprApplet(p *registry.Process) int {
	args := p.Args[1:]
	if len(args) > 0 && args[0] == "--" {
		args = args[1:]
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr(p), "expr: too few arguments")
		return 2
	}
	e := &exprParser{args: args}
	v, err := e.or()
	if err == nil && e.pos < len(args) {
		err = errExprSyntax
	}
	if err != nil {
		fmt.Fprintf(stderr(p), "expr: %s\n", err)
		return 2
	}
	fmt.Fprintln(stdout(p), v.String())
	if v.null() {
		return 1
	}
	return 0
}

var errExprSyntax = errors.New("syntax error")

// exprValue is an integer or a string.
type exprValue struct {
	isInt bool
	n     int64
	s     string
}

func exprInt(n int64) exprValue { return exprValue{isInt: true, n: n} }

func (v exprValue) String() string {
	if v.isInt {
		return strconv.FormatInt(v.n, 10)
	}
	return v.s
}

func (v exprValue) null() bool {
	if v.isInt {
		return v.n == 0
	}
	return v.s == "" || v.s == "0"
}

// toInt converts a string that is an integer.
func (v exprValue) toInt() (exprValue, bool) {
	if v.isInt {
		return v, true
	}
	n, err := strconv.ParseInt(strings.TrimLeft(v.s, " \t"), 10, 64)
	if err != nil {
		return v, false
	}
	return exprInt(n), true
}

type exprParser struct {
	args []string
	pos  int
}

func (e *exprParser) next(ops ...string) (string, bool) {
	if e.pos < len(e.args) {
		for _, op := range ops {
			if e.args[e.pos] == op {
				e.pos++
				return op, true
			}
		}
	}
	return "", false
}

// The grammar, loosest first: | & comparisons + - * / % : and the
// primaries (keywords, parentheses, strings).
func (e *exprParser) or() (exprValue, error) {
	l, err := e.and()
	for err == nil {
		if _, ok := e.next("|"); !ok {
			break
		}
		var r exprValue
		if r, err = e.and(); err == nil && l.null() {
			l = r
		}
	}
	return l, err
}

func (e *exprParser) and() (exprValue, error) {
	l, err := e.compare()
	for err == nil {
		if _, ok := e.next("&"); !ok {
			break
		}
		var r exprValue
		if r, err = e.compare(); err == nil && (l.null() || r.null()) {
			l = exprInt(0)
		}
	}
	return l, err
}

func (e *exprParser) compare() (exprValue, error) {
	l, err := e.sum()
	for err == nil {
		op, ok := e.next("=", "==", "!=", "<", "<=", ">", ">=")
		if !ok {
			break
		}
		var r exprValue
		if r, err = e.sum(); err != nil {
			break
		}
		var c int
		li, lok := l.toInt()
		ri, rok := r.toInt()
		if lok && rok {
			c = compareInt(li.n, ri.n)
		} else {
			c = strings.Compare(l.String(), r.String())
		}
		t := false
		switch op {
		case "=", "==":
			t = c == 0
		case "!=":
			t = c != 0
		case "<":
			t = c < 0
		case "<=":
			t = c <= 0
		case ">":
			t = c > 0
		case ">=":
			t = c >= 0
		}
		l = exprInt(0)
		if t {
			l = exprInt(1)
		}
	}
	return l, err
}

func compareInt(a, b int64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (e *exprParser) arith(op string, l, r exprValue) (exprValue, error) {
	li, lok := l.toInt()
	ri, rok := r.toInt()
	if !lok || !rok {
		return l, errors.New("non-numeric argument")
	}
	switch op {
	case "+":
		return exprInt(li.n + ri.n), nil
	case "-":
		return exprInt(li.n - ri.n), nil
	case "*":
		return exprInt(li.n * ri.n), nil
	}
	if ri.n == 0 {
		return l, errors.New("division by zero")
	}
	if op == "/" {
		return exprInt(li.n / ri.n), nil
	}
	return exprInt(li.n % ri.n), nil
}

func (e *exprParser) sum() (exprValue, error) {
	l, err := e.product()
	for err == nil {
		op, ok := e.next("+", "-")
		if !ok {
			break
		}
		var r exprValue
		if r, err = e.product(); err == nil {
			l, err = e.arith(op, l, r)
		}
	}
	return l, err
}

func (e *exprParser) product() (exprValue, error) {
	l, err := e.match()
	for err == nil {
		op, ok := e.next("*", "/", "%")
		if !ok {
			break
		}
		var r exprValue
		if r, err = e.match(); err == nil {
			l, err = e.arith(op, l, r)
		}
	}
	return l, err
}

func (e *exprParser) match() (exprValue, error) {
	l, err := e.primary()
	for err == nil {
		if _, ok := e.next(":"); !ok {
			break
		}
		var r exprValue
		if r, err = e.primary(); err == nil {
			l, err = exprMatch(l.String(), r.String())
		}
	}
	return l, err
}

// exprMatch is STRING : REGEX, a basic regular expression anchored at
// the start: the first \(...\) group's text, or the match's length, in
// bytes (the C locale).
func exprMatch(s, pattern string) (exprValue, error) {
	re, err := regexp.Compile(`^(?:` + breToERE(toBytes(pattern)) + `)`)
	if err != nil {
		msg := err.Error()
		var se *syntax.Error
		if errors.As(err, &se) {
			msg = regerror(se.Code)
		}
		return exprValue{}, fmt.Errorf("bad regex '%s': %s", pattern, msg)
	}
	s = toBytes(s)
	m := re.FindStringSubmatchIndex(s)
	if re.NumSubexp() > 0 {
		if m == nil || m[2] < 0 {
			return exprValue{}, nil
		}
		return exprValue{s: fromBytes(s[m[2]:m[3]])}, nil
	}
	if m == nil {
		return exprInt(0), nil
	}
	return exprInt(int64(len([]rune(s[:m[1]])))), nil
}

func (e *exprParser) primary() (exprValue, error) {
	if e.pos >= len(e.args) {
		return exprValue{}, errExprSyntax
	}
	a := e.args[e.pos]
	e.pos++
	// A keyword's operands are primaries themselves.
	operand := func() (string, error) {
		v, err := e.primary()
		return v.String(), err
	}
	switch a {
	case "(":
		v, err := e.or()
		if err != nil {
			return v, err
		}
		if _, ok := e.next(")"); !ok {
			return v, errExprSyntax
		}
		return v, nil
	case "quote":
		if e.pos >= len(e.args) {
			return exprValue{}, errExprSyntax
		}
		e.pos++
		return exprValue{s: e.args[e.pos-1]}, nil
	case "length":
		s, err := operand()
		return exprInt(int64(len(s))), err
	case "match":
		s, err := operand()
		if err != nil {
			return exprValue{}, err
		}
		re, err := operand()
		if err != nil {
			return exprValue{}, err
		}
		return exprMatch(s, re)
	case "index":
		s, err := operand()
		if err != nil {
			return exprValue{}, err
		}
		chars, err := operand()
		if err != nil {
			return exprValue{}, err
		}
		return exprInt(int64(strings.IndexAny(s, chars) + 1)), nil
	case "substr":
		var ops [3]string
		for i := range ops {
			var err error
			if ops[i], err = operand(); err != nil {
				return exprValue{}, err
			}
		}
		s := ops[0]
		posV, ok1 := exprValue{s: ops[1]}.toInt()
		nV, ok2 := exprValue{s: ops[2]}.toInt()
		if !ok1 || !ok2 {
			return exprValue{}, errors.New("non-numeric argument")
		}
		pos, n := posV.n, nV.n
		if pos < 1 || pos > int64(len(s)) || n < 1 {
			return exprValue{}, nil
		}
		end := min(pos-1+n, int64(len(s)))
		return exprValue{s: s[pos-1 : end]}, nil
	case ")":
		return exprValue{}, errExprSyntax
	}
	if e.pos < len(e.args) && a == "" {
		return exprValue{}, nil
	}
	return exprValue{s: a}, nil
}
