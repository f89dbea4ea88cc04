package busybox_test

import (
	"io"
	"testing"
	"time"

	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
	"github.com/webernetes/webernetes/handwritten/registry/internal/proctest"
)

// TestTextFiltersStopOnKill: a filter reading a pipe that stays open
// (kubectl logs | ..., tail -f | ...) ends at SIGKILL.
func TestTextFiltersStopOnKill(t *testing.T) {
	for _, args := range [][]string{
		{"sed", "p"}, {"ts"}, {"nl"}, {"paste", "-"}, {"xargs", "echo"}, {"tr", "a", "b"},
		{"tac"}, {"fold"}, {"expand"}, {"cmp", "/etc/passwd"}, {"diff", "/etc/passwd", "-"},
	} {
		t.Run(args[0], func(t *testing.T) {
			p := proctest.New(t, busybox.Image, nil, args)
			r, w := io.Pipe()
			defer w.Close()
			p.Stdin = r
			done := p.Start(t)
			w.Write([]byte("a\n"))
			select {
			case <-done:
				t.Fatal("ended before its input did")
			case <-time.After(50 * time.Millisecond):
			}
			p.KillNow()
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("survived SIGKILL")
			}
		})
	}
}

// TestTextFiltersStream: a filter of a pipe that stays open prints what
// it has read so far.
func TestTextFiltersStream(t *testing.T) {
	for _, c := range []struct {
		args      []string
		in, wants string
	}{
		{[]string{"tr", "a", "b"}, "abc\n", "bbc\n"},
		{[]string{"sed", "s/a/x/"}, "a\nb\n", "x\n"},
		{[]string{"nl"}, "x\n", "     1\tx\n"},
		{[]string{"ts", "T"}, "x\n", "T x\n"},
		{[]string{"xargs", "-n", "1", "echo"}, "a b\n", "a\nb\n"},
	} {
		t.Run(c.args[0], func(t *testing.T) {
			p := proctest.New(t, busybox.Image, nil, c.args)
			r, w := io.Pipe()
			defer w.Close()
			p.Stdin = r
			done := p.Start(t)
			w.Write([]byte(c.in))
			deadline := time.Now().Add(5 * time.Second)
			for p.Out.String() != c.wants {
				if time.Now().After(deadline) {
					t.Fatalf("stdout %q, want %q before the input ends", p.Out.String(), c.wants)
				}
				time.Sleep(5 * time.Millisecond)
			}
			p.KillNow()
			<-done
		})
	}
}
