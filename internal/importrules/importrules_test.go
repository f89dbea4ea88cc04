package importrules

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/parser"
	"go/token"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the README layout table's must-not-import column from the package docs")

const module = "github.com/webernetes/webernetes"

// rulePrefix starts the package doc paragraph that states a rule.
const rulePrefix = "It must not import:"

// pkg is what `go list` says of one of our packages.
type pkg struct {
	ImportPath string
	Dir        string
	Deps       []string
	GoFiles    []string
}

// listPackages runs go list on our packages for the environment env
// (KEY=VALUE additions).
func listPackages(t *testing.T, env ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", "list", "-e", "-tags=grpcnotrace", "-json=ImportPath,Dir,Deps,GoFiles", "./handwritten/...", "./cmd/...")
	cmd.Dir = repoRoot(t)
	cmd.Env = append(os.Environ(), env...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, stderr.String())
	}
	var pkgs []pkg
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func repoRoot(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

// rule is the patterns a package's doc says it must not import, or nil.
func rule(t *testing.T, p pkg) []string {
	t.Helper()
	fset := token.NewFileSet()
	for _, name := range p.GoFiles {
		f, err := parser.ParseFile(fset, filepath.Join(p.Dir, name), nil, parser.PackageClauseOnly|parser.ParseComments)
		if err != nil {
			t.Fatal(err)
		}
		if f.Doc == nil {
			continue
		}
		for _, para := range strings.Split(f.Doc.Text(), "\n\n") {
			para = strings.Join(strings.Fields(para), " ")
			if rest, ok := strings.CutPrefix(para, rulePrefix); ok {
				var patterns []string
				for _, pat := range strings.Split(rest, ",") {
					if pat = strings.TrimSpace(pat); pat != "" {
						patterns = append(patterns, pat)
					}
				}
				return patterns
			}
		}
	}
	return nil
}

// matches reports whether import path path is pattern's.
func matches(pattern, path string) bool {
	if strings.HasPrefix(pattern, "handwritten/") || strings.HasPrefix(pattern, "cmd/") {
		pattern = module + "/" + pattern
	}
	if base, ok := strings.CutSuffix(pattern, "/..."); ok {
		return path == base || strings.HasPrefix(path, base+"/")
	}
	return path == pattern
}

// rel is an import path of ours relative to the module.
func rel(path string) string { return strings.TrimPrefix(path, module+"/") }

// Our packages that the README's layout table and the layers must name.
var mustHaveRule = []string{
	"handwritten/apiserver", "handwritten/cluster", "handwritten/cri", "handwritten/inprocesshttp",
	"handwritten/inprocesskubectl", "handwritten/jsapi", "handwritten/kubeproxy", "handwritten/netsim",
	"handwritten/node", "handwritten/nodefs", "handwritten/pki", "handwritten/portmap",
	"handwritten/registry", "handwritten/registry/containerfs", "handwritten/registry/images",
	"handwritten/storage/memstore", "cmd/allcomponents", "cmd/webernetes", "cmd/webernetes-wasm",
}

func TestImportRules(t *testing.T) {
	for _, target := range []struct {
		name string
		env  []string
	}{
		{"native", nil},
		{"js/wasm", []string{"GOOS=js", "GOARCH=wasm"}},
	} {
		t.Run(target.name, func(t *testing.T) {
			ruled := map[string]bool{}
			for _, p := range listPackages(t, target.env...) {
				patterns := rule(t, p)
				if patterns == nil {
					continue
				}
				ruled[rel(p.ImportPath)] = true
				for _, dep := range p.Deps {
					for _, pat := range patterns {
						if matches(pat, dep) {
							t.Errorf("%s imports %s (through its dependencies or directly), which its doc says it must not (%s)", rel(p.ImportPath), dep, pat)
						}
					}
				}
			}
			for _, want := range mustHaveRule {
				if !ruled[want] && (target.name == "js/wasm" || want != "cmd/webernetes-wasm") {
					t.Errorf("%s: its package doc has no %q paragraph", want, rulePrefix)
				}
			}
		})
	}
}

// The README's layout table says each package's rule, as its doc does.
func TestReadmeShowsTheRules(t *testing.T) {
	rules := map[string]string{}
	for _, env := range [][]string{nil, {"GOOS=js", "GOARCH=wasm"}} {
		for _, p := range listPackages(t, env...) {
			if patterns := rule(t, p); patterns != nil {
				rules[rel(p.ImportPath)] = "`" + strings.Join(patterns, "`, `") + "`"
			}
		}
	}
	readme := filepath.Join(repoRoot(t), "README.md")
	data, err := os.ReadFile(readme)
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("^\\| `([^`]+)/?` \\| (.*) \\| (.*) \\|$")
	lines := strings.Split(string(data), "\n")
	shown := map[string]bool{}
	var stale []string
	for i, line := range lines {
		m := row.FindStringSubmatch(line)
		if m == nil {
			continue
		}
		path := strings.TrimSuffix(m[1], "/")
		want, ok := rules[path]
		if !ok {
			continue
		}
		shown[path] = true
		if m[3] != want {
			stale = append(stale, fmt.Sprintf("%s: README says %q, its doc %q", path, m[3], want))
			lines[i] = fmt.Sprintf("| `%s` | %s | %s |", m[1], m[2], want)
		}
	}
	var missing []string
	for path := range rules {
		if !shown[path] {
			missing = append(missing, path)
		}
	}
	slices.Sort(missing)
	if len(missing) > 0 {
		t.Errorf("the README's layout table has no row (| `path` | what | must not import |) for %v", missing)
	}
	if len(stale) == 0 {
		return
	}
	if *update {
		if err := os.WriteFile(readme, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the README's layout table differs from the package docs (go test ./internal/importrules -update):\n%s", strings.Join(stale, "\n"))
}
