package busybox

import (
	"bufio"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// textApplets are busybox's text filters (tr, sed, xargs, ...).
var textApplets = map[string]registry.Program{
	"rev": rev,
}

// rev prints each line of its files (or stdin) with its characters
// reversed; a last line without a newline stays without.
func rev(p *registry.Process) int {
	_, files, _ := flags(p.Args[1:], "")
	if len(files) == 0 {
		files = []string{"-"}
	}
	status := 0
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	for _, name := range files {
		f, err := open(p, name)
		if err != nil {
			w.Flush()
			status = fail(p, "rev", "%s: %s", name, registry.Strerror(err))
			continue
		}
		r := bufio.NewReader(f)
		for {
			line, err := r.ReadString('\n')
			text, nl := strings.CutSuffix(line, "\n")
			c := []rune(text)
			for i, j := 0, len(c)-1; i < j; i, j = i+1, j-1 {
				c[i], c[j] = c[j], c[i]
			}
			w.WriteString(string(c))
			if nl {
				w.WriteByte('\n')
			}
			if err != nil {
				break
			}
		}
		f.Close()
	}
	return status
}
