package busybox_test

import (
	"strings"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

type shCase struct {
	name, script string
	code         int
	stdout       string
	stderr       string
}

func runShCases(t *testing.T, cases []shCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			code, out, errOut := proctest.Sh(t, busybox.Image, nil, tc.script)
			if code != tc.code || out != tc.stdout || errOut != tc.stderr {
				t.Errorf("sh -c %q\n got exit %d, stdout %q, stderr %q\nwant exit %d, stdout %q, stderr %q",
					tc.script, code, out, errOut, tc.code, tc.stdout, tc.stderr)
			}
		})
	}
}

func TestShellBasics(t *testing.T) {
	runShCases(t, []shCase{
		{"echo", "echo hello world", 0, "hello world\n", ""},
		{"echo -n", "echo -n hi", 0, "hi", ""},
		{"echo -e", `echo -e 'a\tb\nc'`, 0, "a\tb\nc\n", ""},
		{"echo no -e", `echo 'a\nb'`, 0, "a\\nb\n", ""},
		{"sequence", "echo a; echo b", 0, "a\nb\n", ""},
		{"and", "true && echo yes", 0, "yes\n", ""},
		{"and short-circuit", "false && echo yes", 1, "", ""},
		{"or", "false || echo fallback", 0, "fallback\n", ""},
		{"exit status", "false; echo $?", 0, "1\n", ""},
		{"exit N", "exit 3", 3, "", ""},
		{"exit in list", "echo a; exit 4; echo b", 4, "a\n", ""},
		{"not found", "nosuch arg", 127, "", "sh: nosuch: not found\n"},
		{"not found status", "nosuch 2>/dev/null; echo $?", 0, "127\n", ""},
		{"not found path", "/bin/nosuch", 127, "", "sh: /bin/nosuch: not found\n"},
		{"bang", "! false && echo negated", 0, "negated\n", ""},
		{"comment", "echo a # not this", 0, "a\n", ""},
		{"line continuation", "echo a \\\nb", 0, "a b\n", ""},
		{"syntax error", "if true; then echo x", 2, "", "sh: syntax error: unexpected end of file (expecting \"fi\")\n"},
		{"syntax error token", "echo a; fi", 2, "", "sh: syntax error: unexpected \"fi\"\n"},
		// Real busybox: a builtin's error names it and the line, counted
		// from 0 in a -c string; an error in a special builtin ends the
		// shell.
		{"builtin error line", "true\ncd /nosuch", 2, "", "sh: cd: line 1: can't cd to /nosuch: No such file or directory\n"},
		{"special builtin error exits", "export 1x=2; echo not reached", 2, "", "sh: export: line 0: 1x: bad variable name\n"},
		{"trap bad signal", "trap 'echo t' NOSIG; echo $?", 0, "1\n", "sh: trap: line 0: NOSIG: invalid signal specification\n"},
		{"parameter not set or null", "echo ${x:?}", 2, "", "sh: x: parameter not set or null\n"},
		{"test bad number", "test 1 -lt x", 2, "", "sh: x: bad number\n"},
		{"return at top level", "f() { return 3; }; f; echo $?; return 4; echo after", 4, "3\n", ""},
	})
}

func TestShellQuotingAndVariables(t *testing.T) {
	runShCases(t, []shCase{
		{"variables", "X=1; Y=two; echo $X ${Y}", 0, "1 two\n", ""},
		{"single quotes", "X=1; echo '$X'", 0, "$X\n", ""},
		{"double quotes", `X="a  b"; echo "$X" $X`, 0, "a  b a b\n", ""},
		{"escapes", `echo \$X "\"q\"" 'it'\''s'`, 0, "$X \"q\" it's\n", ""},
		{"default", "echo ${U:-dflt} ${U-d2}", 0, "dflt d2\n", ""},
		{"assign default", "echo ${U:=set}; echo $U", 0, "set\nset\n", ""},
		{"alternative", "X=1; echo ${X:+alt} ${U:+alt}.", 0, "alt .\n", ""},
		{"length", "X=hello; echo ${#X}", 0, "5\n", ""},
		{"trim", "F=/a/b/c.txt; echo ${F##*/} ${F%.txt} ${F#/} ${F%%/*}.", 0, "c.txt /a/b/c a/b/c.txt .\n", ""},
		{"error if unset", "echo ${U:?is required}", 2, "", "sh: U: is required\n"},
		{"env prefix", "X=1 printenv X; echo ${X:-unset}", 0, "1\nunset\n", ""},
		{"export", "export A=b; printenv A", 0, "b\n", ""},
		{"unexported", "A=b; printenv A; echo $?", 0, "1\n", ""},
		{"positional", `set -- a "b c"; echo $# "$1" "$2"; for x in "$@"; do echo "<$x>"; done`, 0, "2 a b c\n<a>\n<b c>\n", ""},
		{"command substitution", "echo \"[$(echo hi; echo there)]\" `echo old`", 0, "[hi\nthere] old\n", ""},
		{"nested substitution", "echo $(echo $(echo deep))", 0, "deep\n", ""},
		{"arithmetic", "i=3; echo $((i * 2 + 1)) $((10 / 3)) $((10 % 3)) $(( (1+2) * 3 ))", 0, "7 3 1 9\n", ""},
		{"arithmetic compare", "echo $((2 > 1)) $((1 == 2)) $((!0))", 0, "1 0 1\n", ""},
		{"arithmetic assign", "i=1; : $((i+=2)); echo $i; i=$((i+1)); echo $i", 0, "3\n4\n", ""},
		{"field splitting", `X="a b  c"; for w in $X; do echo $w; done`, 0, "a\nb\nc\n", ""},
		{"empty quoted field", `set -- "" x; echo $#`, 0, "2\n", ""},
		{"special vars", "echo $0 $$", 0, "sh 1\n", ""},
		{"tilde", "echo ~ ~/x", 0, "/root /root/x\n", ""},
		{"ansi-c quotes", `echo $'a\tb' "$'x'"`, 0, "a\tb $'x'\n", ""},
		{"sh -c args", "", 0, "", ""},
	})
	p := proctest.New(t, busybox.Image, nil, []string{"sh", "-c", `echo "$0:$1:$2"`, "name", "one", "two"})
	if code := p.Run(t, 5*time.Second); code != 0 || p.Out.String() != "name:one:two\n" {
		t.Errorf("sh -c with args: %d %q %q", code, p.Out.String(), p.Err.String())
	}
}

func TestShellControlFlow(t *testing.T) {
	runShCases(t, []shCase{
		{"if", "if true; then echo t; else echo f; fi", 0, "t\n", ""},
		{"if else", "if false; then echo t; elif false; then echo e; else echo f; fi", 0, "f\n", ""},
		{"if test", `X=5; if [ "$X" -gt 3 ]; then echo big; fi`, 0, "big\n", ""},
		{"while", "i=0; while [ $i -lt 3 ]; do echo $i; i=$((i+1)); done", 0, "0\n1\n2\n", ""},
		{"until", "i=0; until [ $i -ge 2 ]; do i=$((i+1)); done; echo $i", 0, "2\n", ""},
		{"for", "for x in a b c; do echo -n $x; done; echo", 0, "abc\n", ""},
		{"for glob-free words", "for i in 1 2 3\ndo\n  echo $i\ndone", 0, "1\n2\n3\n", ""},
		{"break", "for i in 1 2 3; do if [ $i = 2 ]; then break; fi; echo $i; done", 0, "1\n", ""},
		{"continue", "for i in 1 2 3; do if [ $i = 2 ]; then continue; fi; echo $i; done", 0, "1\n3\n", ""},
		{"nested break 2", "for i in 1 2; do for j in a b; do echo $i$j; break 2; done; done", 0, "1a\n", ""},
		{"while true break", "n=0; while true; do n=$((n+1)); [ $n -eq 5 ] && break; done; echo $n", 0, "5\n", ""},
		{"case", `for x in apple bar zed; do case $x in a*) echo A;; b*|c*) echo B;; *) echo other;; esac; done`, 0, "A\nB\nother\n", ""},
		{"brace group", "{ echo a; echo b; } | wc -l", 0, "2\n", ""},
		{"subshell", "X=1; (X=2; echo $X); echo $X", 0, "2\n1\n", ""},
		{"subshell exit", "(exit 3); echo $?", 0, "3\n", ""},
		{"function", "greet() { echo hello $1; return 3; }; greet bob; echo $?", 0, "hello bob\n3\n", ""},
		{"errexit", "set -e; echo a; false; echo b", 1, "a\n", ""},
		{"errexit in condition", "set -e; if false; then :; fi; false || true; echo ok", 0, "ok\n", ""},
		{"xtrace", "set -x; echo hi", 0, "hi\n", "+ echo hi\n"},
		{"eval", "X='echo evaluated'; eval $X", 0, "evaluated\n", ""},
		{"exit code of last", "true; false", 1, "", ""},
		{"here-document", "cat <<EOF\nline $((1+1))\n  indented\nEOF\necho after", 0, "line 2\n  indented\nafter\n", ""},
		{"quoted here-document", "cat <<'EOF'\n$NOT\nEOF", 0, "$NOT\n", ""},
		{"read loop", "printf 'a b\\nc d\\n' | while read x y; do echo \"$y-$x\"; done", 0, "b-a\nd-c\n", ""},
	})
}

func TestShellRedirectionsAndPipes(t *testing.T) {
	runShCases(t, []shCase{
		{"stdout to file", "echo hi > /tmp/f; cat /tmp/f", 0, "hi\n", ""},
		{"append", "echo a > /tmp/f; echo b >> /tmp/f; cat /tmp/f", 0, "a\nb\n", ""},
		{"stdin from file", "echo data > /tmp/f; read x < /tmp/f; echo $x", 0, "data\n", ""},
		{"stderr to stdout", "echo err >&2 2>&1", 0, "", "err\n"},
		{"2>&1", "nosuch 2>&1", 127, "sh: nosuch: not found\n", ""},
		{"to stderr", "echo oops 1>&2", 0, "", "oops\n"},
		{"/dev/null", "echo gone >/dev/null; nosuch 2>/dev/null; echo $?", 0, "127\n", ""},
		{"/dev/stderr", "echo e > /dev/stderr", 0, "", "e\n"},
		{"pipe", "echo hello | cat", 0, "hello\n", ""},
		{"pipeline status is last", "false | true; echo $?", 0, "0\n", ""},
		{"long pipeline", "printf 'b\\na\\nc\\n' | sort | head -n 2", 0, "a\nb\n", ""},
		{"grep in pipe", "printf 'x1\\ny2\\nx3\\n' | grep x | wc -l", 0, "2\n", ""},
		{"redirect error", "echo x > /nosuch/f", 1, "", "sh: can't create /nosuch/f: nonexistent directory\n"},
		{"exec redirect", "exec >/tmp/log; echo into-log; cat /tmp/log >&2", 0, "", "into-log\n"},
		{"&> both", "nosuch &>/tmp/both; cat /tmp/both", 0, "sh: nosuch: not found\n", ""},
	})
}

func TestShellScriptsAndExec(t *testing.T) {
	p := proctest.New(t, busybox.Image, nil, []string{"sh", "-c", "/tmp/run.sh one; /tmp/plain.sh; /tmp/noexec.sh; sh /tmp/noexec.sh"})
	p.FS.WriteFile("/tmp/run.sh", []byte("#!/bin/sh\necho script $1\nnosuch\n"), 0o755)
	p.FS.WriteFile("/tmp/plain.sh", []byte("echo plain\n"), 0o755)
	p.FS.WriteFile("/tmp/noexec.sh", []byte("echo ran by sh\n"), 0o644)
	code := p.Run(t, 5*time.Second)
	wantOut := "script one\nplain\nran by sh\n"
	wantErr := "/tmp/run.sh: line 3: nosuch: not found\nsh: /tmp/noexec.sh: Permission denied\n"
	if code != 0 || p.Out.String() != wantOut || p.Err.String() != wantErr {
		t.Errorf("got %d %q %q; want 0 %q %q", code, p.Out.String(), p.Err.String(), wantOut, wantErr)
	}
}

func TestShellTrapAndSignals(t *testing.T) {
	// The e2e framework's InfiniteSleepCommand: the TERM trap ends it.
	p := proctest.New(t, busybox.Image, nil, []string{"sh", "-c", "trap exit TERM; while true; do sleep 1; done"})
	done := p.Start(t)
	time.Sleep(100 * time.Millisecond)
	p.Stop()
	select {
	case code := <-done:
		if code != 0 {
			t.Errorf("trap exit: status %d", code)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the TERM trap did not end the loop")
	}

	// Without a trap, the shell as init ignores SIGTERM; SIGKILL ends it.
	p = proctest.New(t, busybox.Image, nil, []string{"sh", "-c", "while true; do sleep 1; done"})
	done = p.Start(t)
	p.Stop()
	select {
	case code := <-done:
		t.Fatalf("SIGTERM ended the untrapped shell (status %d)", code)
	case <-time.After(300 * time.Millisecond):
	}
	p.KillNow()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("SIGKILL did not end the shell")
	}

	// A trap with `sleep & wait` runs at once: wait is interrupted.
	p = proctest.New(t, busybox.Image, nil, []string{"sh", "-c", "trap 'echo bye; exit 7' TERM; sleep 3600 & wait"})
	done = p.Start(t)
	time.Sleep(100 * time.Millisecond)
	p.Stop()
	select {
	case code := <-done:
		if code != 7 || p.Out.String() != "bye\n" {
			t.Errorf("got %d %q", code, p.Out.String())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("wait was not interrupted by the trapped SIGTERM")
	}

	// EXIT trap.
	code, out, _ := proctest.Sh(t, busybox.Image, nil, "trap 'echo cleanup' EXIT; echo work; exit 3")
	if code != 3 || out != "work\ncleanup\n" {
		t.Errorf("EXIT trap: %d %q", code, out)
	}
}

func TestShellBackground(t *testing.T) {
	code, out, _ := proctest.Sh(t, busybox.Image, nil, "(sleep 0.1; echo bg) & echo fg; wait; echo done")
	if code != 0 || out != "fg\nbg\ndone\n" {
		t.Errorf("got %d %q", code, out)
	}
	code, out, _ = proctest.Sh(t, busybox.Image, nil, "sleep 100 & kill $!; wait $!; echo $?")
	if code != 0 || out != "143\n" {
		t.Errorf("kill of a background job: %d %q", code, out)
	}
}

func TestShellInteractive(t *testing.T) {
	p := proctest.New(t, busybox.Image, nil, []string{"sh"})
	p.Stdin = strings.NewReader("echo one\nif true\nthen echo two\nfi\nexit 5\necho never\n")
	if code := p.Run(t, 5*time.Second); code != 5 || p.Out.String() != "one\ntwo\n" || p.Err.String() != "" {
		t.Errorf("got %d %q %q", code, p.Out.String(), p.Err.String())
	}
	// On a terminal the shell prompts and echoes.
	p = proctest.New(t, busybox.Image, nil, []string{"sh"})
	p.TTY = true
	p.Stdin = strings.NewReader("echo hi\r")
	if code := p.Run(t, 5*time.Second); code != 0 || p.Out.String() != "echo hi\r\nhi\n" || p.Err.String() != "/ # / # \n" {
		t.Errorf("tty: got %d %q %q", code, p.Out.String(), p.Err.String())
	}
}
