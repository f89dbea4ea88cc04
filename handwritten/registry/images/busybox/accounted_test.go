package busybox_test

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/webernetes/webernetes/handwritten/registry/images/busybox"
)

// TestAppletsAccounted checks that every applet of the reference busybox
// is either one of the image's or absent with a reason, and keeps the
// README's list of them (go test -update rewrites it).
func TestAppletsAccounted(t *testing.T) {
	have := busybox.Applets()
	absent := busybox.Absent()
	for _, name := range busybox.ReferenceApplets() {
		_, missing := absent[name]
		// busybox itself is the image's multi-call binary.
		switch ours := slices.Contains(have, name) || name == "busybox"; {
		case ours && missing:
			t.Errorf("applet %s is both the image's and absent (%s)", name, absent[name])
		case !ours && !missing:
			t.Errorf("the reference's applet %s is neither the image's nor absent with a reason", name)
		}
	}
	for name := range absent {
		if !slices.Contains(busybox.ReferenceApplets(), name) {
			t.Errorf("absent applet %s is not one of the reference's", name)
		}
	}

	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i, j := strings.Index(text, appletsBegin), strings.Index(text, appletsEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no list of busybox's applets between %q and %q", appletsBegin, appletsEnd)
	}
	want := appletList(have, absent)
	if got := text[i+len(appletsBegin) : j]; got == want {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(text[:i+len(appletsBegin)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's list of busybox's applets is not the image's; run go test ./handwritten/registry/images/busybox -run TestAppletsAccounted -update. Want:\n%s", want)
}

var update = flag.Bool("update", false, "rewrite README.md's list of busybox's applets")

const (
	readme       = "../../../../README.md"
	appletsBegin = "<!-- busybox applets: made by go test ./handwritten/registry/images/busybox -run TestAppletsAccounted -update -->\n"
	appletsEnd   = "<!-- end of busybox applets -->\n"
)

// appletList is the README's text: the applets the image has, then the
// absent ones by reason.
func appletList(have []string, absent map[string]string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d applets: %s.\n\n", len(have), strings.Join(quoted(have), ", "))
	byReason := map[string][]string{}
	var reasons []string
	for name, reason := range absent {
		if _, ok := byReason[reason]; !ok {
			reasons = append(reasons, reason)
		}
		byReason[reason] = append(byReason[reason], name)
	}
	slices.Sort(reasons)
	fmt.Fprintf(&b, "Absent (%d of the reference's %d), by reason:\n\n", len(absent), len(busybox.ReferenceApplets()))
	for _, r := range reasons {
		names := byReason[r]
		slices.Sort(names)
		fmt.Fprintf(&b, "- %s: %s.\n", r, strings.Join(quoted(names), ", "))
	}
	return b.String()
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "`" + n + "`"
	}
	return out
}
