package busybox

import (
	"bufio"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// textApplets are busybox's text filters (tr, sed, xargs, ...).
var textApplets = map[string]registry.Program{
	"rev": rev,
}

// rev prints each line of its files (or stdin) with its characters
// reversed; a last line without a newline gets one.
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
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1<<24)
		for sc.Scan() {
			r := []rune(sc.Text())
			for i, j := 0, len(r)-1; i < j; i, j = i+1, j-1 {
				r[i], r[j] = r[j], r[i]
			}
			w.WriteString(string(r))
			w.WriteByte('\n')
		}
		f.Close()
	}
	return status
}
