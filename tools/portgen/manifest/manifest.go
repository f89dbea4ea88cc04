// Package manifest reads the port manifest: the one declarative input of portgen.
//
// The manifest names the pinned upstream release, the build targets, the root
// packages whose import closure is ported, the packages whose upstream tests are
// ported with their test-only dependencies, every trim (each with a reason) and
// every excluded upstream test (each with a reason). Nothing else may make the
// generated tree differ from upstream.
//
// This package only parses and validates the manifest's shape. It must not touch
// the module cache, the network or the file system beyond reading the manifest.
package manifest

import (
	"bytes"
	"fmt"
	"os"
	"path"
	"regexp"
	"sort"
	"strings"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// Trim kinds. A trim is the only way generated code may differ from upstream.
const (
	// KindBuildTag changes an upstream file's build constraint: it becomes
	// "(original) && (Constraint)" to narrow it, or "(original) || (Widen)" to
	// let a portable upstream file build on another target.
	KindBuildTag = "buildtag"
	// KindAddFile adds a file, copied verbatim from Source under the trims
	// directory, to an upstream package.
	KindAddFile = "addfile"
	// KindReplaceDecl replaces one top-level declaration of an upstream file with
	// the declaration of the same name found in Source.
	KindReplaceDecl = "replacedecl"
	// KindDropFile removes an upstream file from the port.
	KindDropFile = "dropfile"
	// KindMoveDecls moves declarations, byte for byte, out of an upstream file
	// into a new file To whose build constraint is Constraint, so an added file
	// can supply them on the targets that constraint excludes.
	KindMoveDecls = "movedecls"
	// KindRenameDecl renames one upstream top-level func (Decl) to NewName,
	// byte for byte otherwise, so an added file can define Decl as a wrapper
	// that adds behaviour and then calls upstream's code under its new name.
	KindRenameDecl = "renamedecl"
	// KindReplaceRef makes an upstream file refer to a package-level
	// identifier (With) wherever it refers to a qualified one (Ref,
	// "import/path.Name"), byte for byte otherwise, so an added file can
	// supply what that identifier is on a target that cannot use Ref.
	KindReplaceRef = "replaceref"
	// KindStampVersion sets a version package's release variables
	// (gitVersion, gitMajor, gitMinor, gitTreeState) to upstream.version, as
	// upstream's release build does with -ldflags -X, so every way of
	// building reports the pinned release.
	KindStampVersion = "stampversion"
)

// Manifest is the parsed port manifest.
type Manifest struct {
	// Upstream pins the Kubernetes release the port is taken from.
	Upstream Upstream `json:"upstream"`
	// Targets are the platforms every root package must build for.
	Targets []Target `json:"targets"`
	// Roots are the packages whose import closure (for every target) is ported.
	Roots []string `json:"roots"`
	// Tests are packages whose upstream tests are ported together with their
	// test-only dependencies and run by `make test-upstream`.
	Tests []string `json:"tests"`
	// TrimsDir is the directory (relative to the manifest) holding the sources
	// that addfile and replacedecl trims splice in.
	TrimsDir string `json:"trimsDir"`
	// Modules are the modules that need at least one trim; each becomes a
	// replacement module under generated/.
	Modules []Module `json:"modules"`
	// ExcludedTests are upstream tests that are not run, each with a reason.
	ExcludedTests []ExcludedTest `json:"excludedTests"`

	// File is the path the manifest was read from.
	File string `json:"-"`
	// Raw is the manifest's bytes, as read.
	Raw   []byte `json:"-"`
	lines map[string]int
}

// Upstream pins upstream Kubernetes.
type Upstream struct {
	// Module is k8s.io/kubernetes.
	Module string `json:"module"`
	// Version is the Kubernetes release, e.g. v1.37.2.
	Version string `json:"version"`
	// StagingVersion is the matching version of the staging modules, e.g. v0.37.2.
	StagingVersion string `json:"stagingVersion"`
	// Staging lists the staging modules (k8s.io/api, k8s.io/client-go, ...)
	// that k8s.io/kubernetes requires at v0.0.0 and replaces with ./staging.
	Staging []string `json:"staging"`
}

// Target is one platform.
type Target struct {
	GOOS   string   `json:"goos"`
	GOARCH string   `json:"goarch"`
	Tags   []string `json:"tags,omitempty"`
}

func (t Target) String() string { return t.GOOS + "/" + t.GOARCH }

// Module is an upstream module that gets a replacement module under generated/.
type Module struct {
	// Path is the module path, e.g. k8s.io/apiserver.
	Path string `json:"path"`
	// Trims are the declared differences from upstream.
	Trims []Trim `json:"trims"`
}

// Trim is one declared difference between upstream and the port.
type Trim struct {
	// Kind is one of buildtag, addfile, replacedecl, renamedecl, replaceref,
	// movedecls, stampversion, dropfile.
	Kind string `json:"kind"`
	// File is the file's path relative to the module root.
	File string `json:"file"`
	// Constraint is the build expression a buildtag trim ANDs onto the file.
	Constraint string `json:"constraint,omitempty"`
	// Widen is the build expression a buildtag trim ORs onto the file.
	Widen string `json:"widen,omitempty"`
	// Decl names the declaration a replacedecl trim replaces: a func, var,
	// const or type name, or Type.Method for a method.
	Decl string `json:"decl,omitempty"`
	// Decls are the declarations a movedecls trim moves.
	Decls []string `json:"decls,omitempty"`
	// NewName is the name a renamedecl trim gives the upstream func.
	NewName string `json:"newName,omitempty"`
	// To is the file (in the same directory) a movedecls trim moves them to,
	// or the new name a widening buildtag trim gives a file whose name's
	// _GOOS/_GOARCH suffix would otherwise still exclude the widened builds.
	To string `json:"to,omitempty"`
	// Ref is the qualified identifier ("import/path.Name") a replaceref trim
	// replaces, and With the package-level identifier it is replaced with.
	Ref  string `json:"ref,omitempty"`
	With string `json:"with,omitempty"`
	// Source is the replacement, relative to the manifest's trims directory.
	Source string `json:"source,omitempty"`
	// Reason says why upstream cannot be used as is.
	Reason string `json:"reason"`

	// Line is the manifest line the trim starts on.
	Line int `json:"-"`
}

// ExcludedTest is an upstream test that is ported but not run.
type ExcludedTest struct {
	// Package is the upstream import path.
	Package string `json:"package"`
	// Test is the top-level test name, optionally followed by /subtest.
	Test string `json:"test"`
	// Targets restricts the exclusion: "native", "wasm", or empty for both.
	Targets []string `json:"targets,omitempty"`
	// Reason says what is missing for the test to run.
	Reason string `json:"reason"`

	Line int `json:"-"`
}

// Error is a manifest error that names the manifest line.
type Error struct {
	File string
	Line int
	Msg  string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
	}
	return fmt.Sprintf("%s: %s", e.File, e.Msg)
}

// Load reads and validates the manifest at file.
func Load(file string) (*Manifest, error) {
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, fmt.Errorf("read port manifest: %w (run from the repository root, or pass -manifest)", err)
	}
	return Parse(file, data)
}

// Parse parses and validates manifest bytes. file names it in errors.
func Parse(file string, data []byte) (*Manifest, error) {
	m := &Manifest{File: file, Raw: data}
	var node yamlv3.Node
	if err := yamlv3.Unmarshal(data, &node); err != nil {
		return nil, &Error{File: file, Line: yamlLine(err), Msg: "malformed YAML: " + err.Error() + " (fix the YAML syntax)"}
	}
	m.lines = map[string]int{}
	indexLines(&node, "", m.lines)
	if err := yaml.UnmarshalStrict(data, m); err != nil {
		msg := err.Error()
		line := 0
		if f := unknownField.FindStringSubmatch(msg); f != nil {
			line = m.findKeyLine(f[1])
		}
		return nil, &Error{File: file, Line: line, Msg: msg + " (see tools/portgen/manifest for the fields a manifest may have)"}
	}
	for i := range m.Modules {
		for j := range m.Modules[i].Trims {
			m.Modules[i].Trims[j].Line = m.lines[fmt.Sprintf(".modules[%d].trims[%d]", i, j)]
		}
	}
	for i := range m.ExcludedTests {
		m.ExcludedTests[i].Line = m.lines[fmt.Sprintf(".excludedTests[%d]", i)]
	}
	if err := m.validate(); err != nil {
		return nil, err
	}
	return m, nil
}

var unknownField = regexp.MustCompile(`unknown field "([^"]+)"`)

var yamlLineRE = regexp.MustCompile(`line (\d+)`)

func yamlLine(err error) int {
	if f := yamlLineRE.FindStringSubmatch(err.Error()); f != nil {
		var n int
		fmt.Sscan(f[1], &n)
		return n
	}
	return 0
}

// indexLines records the line of every mapping value and sequence element under
// a path like ".modules[0].trims[2].file".
func indexLines(n *yamlv3.Node, p string, out map[string]int) {
	switch n.Kind {
	case yamlv3.DocumentNode:
		for _, c := range n.Content {
			indexLines(c, p, out)
		}
	case yamlv3.MappingNode:
		out[p] = n.Line
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := p + "." + n.Content[i].Value
			out[k] = n.Content[i].Line
			indexLines(n.Content[i+1], k, out)
		}
	case yamlv3.SequenceNode:
		out[p] = n.Line
		for i, c := range n.Content {
			k := fmt.Sprintf("%s[%d]", p, i)
			out[k] = c.Line
			indexLines(c, k, out)
		}
	default:
		if _, ok := out[p]; !ok {
			out[p] = n.Line
		}
	}
}

func (m *Manifest) findKeyLine(key string) int {
	best := 0
	for p, l := range m.lines {
		if strings.HasSuffix(p, "."+key) && (best == 0 || l < best) {
			best = l
		}
	}
	return best
}

// LineOf returns the manifest line of a path such as ".roots[3]", or 0.
func (m *Manifest) LineOf(p string) int { return m.lines[p] }

// Errorf returns an error naming the manifest line of path p.
func (m *Manifest) Errorf(p string, format string, args ...any) error {
	return &Error{File: m.File, Line: m.lines[p], Msg: fmt.Sprintf(format, args...)}
}

var goIdent = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

var semver = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

func (m *Manifest) validate() error {
	u := m.Upstream
	if u.Module == "" {
		return m.Errorf(".upstream", "upstream.module is required (k8s.io/kubernetes)")
	}
	if !semver.MatchString(u.Version) {
		return m.Errorf(".upstream.version", "upstream.version %q is not a release version like v1.37.2", u.Version)
	}
	if !semver.MatchString(u.StagingVersion) {
		return m.Errorf(".upstream.stagingVersion", "upstream.stagingVersion %q is not a version like v0.37.2", u.StagingVersion)
	}
	if want := "v0" + strings.TrimPrefix(u.Version, "v1"); u.StagingVersion != want {
		return m.Errorf(".upstream.stagingVersion", "upstream.stagingVersion %s does not match upstream.version %s (want %s)", u.StagingVersion, u.Version, want)
	}
	if len(m.Targets) == 0 {
		return m.Errorf(".targets", "at least one target is required")
	}
	for i, t := range m.Targets {
		if t.GOOS == "" || t.GOARCH == "" {
			return m.Errorf(fmt.Sprintf(".targets[%d]", i), "target needs goos and goarch")
		}
	}
	if len(m.Roots) == 0 {
		return m.Errorf(".roots", "at least one root package is required")
	}
	if err := m.checkPaths(".roots", m.Roots); err != nil {
		return err
	}
	if err := m.checkPaths(".tests", m.Tests); err != nil {
		return err
	}
	seenMod := map[string]bool{}
	for i, mod := range m.Modules {
		mp := fmt.Sprintf(".modules[%d]", i)
		if mod.Path == "" {
			return m.Errorf(mp, "module needs a path")
		}
		if seenMod[mod.Path] {
			return m.Errorf(mp, "module %s is declared twice", mod.Path)
		}
		seenMod[mod.Path] = true
		seenTrim := map[string]bool{}
		for j, t := range mod.Trims {
			tp := fmt.Sprintf("%s.trims[%d]", mp, j)
			if strings.TrimSpace(t.Reason) == "" {
				return m.Errorf(tp, "trim of %s has no reason: every difference from upstream says why", t.File)
			}
			if t.File == "" || path.IsAbs(t.File) || strings.Contains(t.File, "..") || path.Clean(t.File) != t.File {
				return m.Errorf(tp, "trim file %q must be a clean path relative to the module root", t.File)
			}
			key := t.Kind + " " + t.File + " " + t.Decl + " " + t.Ref
			if seenTrim[key] {
				return m.Errorf(tp, "trim %s of %s is declared twice", t.Kind, t.File)
			}
			seenTrim[key] = true
			switch t.Kind {
			case KindBuildTag:
				if (t.Constraint == "") == (t.Widen == "") {
					return m.Errorf(tp, "buildtag trim of %s needs either constraint (to narrow, e.g. \"!wasm\") or widen (e.g. \"wasm\")", t.File)
				}
				if t.To != "" && (t.Widen == "" || strings.Contains(t.To, "/") || !strings.HasSuffix(t.To, ".go")) {
					return m.Errorf(tp, "buildtag trim of %s: to (a new .go file name in the same directory) goes with widen only", t.File)
				}
			case KindAddFile:
				if t.Source == "" {
					return m.Errorf(tp, "addfile trim of %s needs a source under %s", t.File, m.TrimsDir)
				}
			case KindReplaceDecl:
				if t.Source == "" || t.Decl == "" {
					return m.Errorf(tp, "replacedecl trim of %s needs decl and source", t.File)
				}
			case KindMoveDecls:
				if len(t.Decls) == 0 || t.To == "" || t.Constraint == "" || strings.Contains(t.To, "/") {
					return m.Errorf(tp, "movedecls trim of %s needs decls, to (a file name in the same directory) and constraint", t.File)
				}
			case KindRenameDecl:
				if t.Decl == "" || !goIdent.MatchString(t.NewName) || strings.Contains(t.Decl, ".") {
					return m.Errorf(tp, "renamedecl trim of %s needs decl (a top-level func) and newName (a Go identifier)", t.File)
				}
			case KindReplaceRef:
				if t.Ref == "" || !goIdent.MatchString(t.With) {
					return m.Errorf(tp, "replaceref trim of %s needs ref (import/path.Name) and with (a Go identifier)", t.File)
				}
			case KindDropFile, KindStampVersion:
			default:
				return m.Errorf(tp, "unknown trim kind %q (want buildtag, addfile, replacedecl, renamedecl, replaceref, movedecls, stampversion or dropfile)", t.Kind)
			}
		}
	}
	for i, x := range m.ExcludedTests {
		xp := fmt.Sprintf(".excludedTests[%d]", i)
		if x.Package == "" || x.Test == "" {
			return m.Errorf(xp, "excluded test needs package and test")
		}
		if strings.TrimSpace(x.Reason) == "" {
			return m.Errorf(xp, "excluded test %s %s has no reason: say what is missing for it to run", x.Package, x.Test)
		}
		for _, t := range x.Targets {
			if t != "native" && t != "wasm" {
				return m.Errorf(xp, "excluded test target %q: want native or wasm", t)
			}
		}
	}
	return nil
}

func (m *Manifest) checkPaths(field string, pkgs []string) error {
	seen := map[string]bool{}
	for i, p := range pkgs {
		if p == "" || strings.ContainsAny(p, " \t") {
			return m.Errorf(fmt.Sprintf("%s[%d]", field, i), "bad package path %q", p)
		}
		if seen[p] {
			return m.Errorf(fmt.Sprintf("%s[%d]", field, i), "package %s is listed twice", p)
		}
		seen[p] = true
	}
	return nil
}

// ModuleVersion returns the version of an upstream module: the Kubernetes
// version for k8s.io/kubernetes, the staging version for staging modules, and
// "" for any other module (whose version comes from the module graph).
func (m *Manifest) ModuleVersion(mod string) string {
	if mod == m.Upstream.Module {
		return m.Upstream.Version
	}
	for _, s := range m.Upstream.Staging {
		if s == mod {
			return m.Upstream.StagingVersion
		}
	}
	return ""
}

// Replaced reports whether mod gets a replacement module.
func (m *Manifest) Replaced(mod string) *Module {
	for i := range m.Modules {
		if m.Modules[i].Path == mod {
			return &m.Modules[i]
		}
	}
	return nil
}

// ModulePaths returns the replaced modules' paths, sorted.
func (m *Manifest) ModulePaths() []string {
	var out []string
	for _, mod := range m.Modules {
		out = append(out, mod.Path)
	}
	sort.Strings(out)
	return out
}

// Excluded returns the exclusions of one package for a target ("native" or "wasm").
func (m *Manifest) Excluded(pkg, target string) []ExcludedTest {
	var out []ExcludedTest
	for _, x := range m.ExcludedTests {
		if x.Package != pkg {
			continue
		}
		if len(x.Targets) == 0 {
			out = append(out, x)
			continue
		}
		for _, t := range x.Targets {
			if t == target {
				out = append(out, x)
			}
		}
	}
	return out
}

// WithVersion returns a copy of the manifest pinned to another Kubernetes
// release (used by `portgen bump`).
func (m *Manifest) WithVersion(version string) (*Manifest, error) {
	if !semver.MatchString(version) || !strings.HasPrefix(version, "v1.") {
		return nil, fmt.Errorf("bump: %q is not a Kubernetes release like v1.36.6", version)
	}
	c := *m
	c.Upstream.Version = version
	c.Upstream.StagingVersion = "v0" + strings.TrimPrefix(version, "v1")
	c.Raw = bytes.Clone(m.Raw)
	return &c, nil
}
