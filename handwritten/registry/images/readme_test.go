package images_test

import (
	"flag"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/webernetes/webernetes/handwritten/registry/images"
)

var update = flag.Bool("update", false, "rewrite README.md's table of the built-in images")

const (
	readme      = "../../../README.md"
	tableBegin  = "<!-- built-in images: made by go test ./handwritten/registry/images -update -->\n"
	tableEnd    = "<!-- end of built-in images -->\n"
	shownTags   = 8
	tableHeader = "| image | tags | runs |\n| --- | --- | --- |\n"
)

// table is the README's list of the built-in images: each repository
// with the tags it serves (the first few and how many).
func table() string {
	var b strings.Builder
	b.WriteString(tableHeader)
	for _, img := range images.All() {
		tags := img.Tags()
		shown := strings.Join(tags, ", ")
		if len(tags) > shownTags {
			shown = fmt.Sprintf("%s, … %s (%d tags)", strings.Join(tags[:shownTags], ", "), tags[len(tags)-1], len(tags))
		}
		if len(tags) == 0 {
			shown = "any"
		}
		cfg := img.Config()
		what := "nothing: files only (an artifact)"
		if argv := append(append([]string{}, cfg.Entrypoint...), cfg.Cmd...); len(argv) > 0 {
			what = "`" + strings.Join(argv, " ") + "`"
		}
		fmt.Fprintf(&b, "| `%s` | %s | %s |\n", img.Name(), shown, what)
	}
	return b.String()
}

// TestREADMEListsTheImages keeps README.md's table of the built-in images
// the registry's: a new image or tag changes it (go test -update).
func TestREADMEListsTheImages(t *testing.T) {
	b, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	text := string(b)
	i := strings.Index(text, tableBegin)
	j := strings.Index(text, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("README.md has no table of the built-in images between %q and %q", tableBegin, tableEnd)
	}
	want := table()
	got := text[i+len(tableBegin) : j]
	if got == want {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(text[:i+len(tableBegin)]+want+text[j:]), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("README.md's table of the built-in images is not the registry's; run go test ./handwritten/registry/images -update. Want:\n%s", want)
}
