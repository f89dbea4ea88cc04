package busybox

import (
	"bufio"
	"fmt"
	"path"
	"strconv"
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
)

const duUsage = "du [-aHLdclsxhmk] [FILE]..."

// du prints the disk usage of files and directories in KiB (-m MiB, -h
// human), counted as busybox counts it from st_blocks: the host's blocks
// where its file system reports them, otherwise the size rounded up to
// 4 KiB blocks (see newStatFile); -b sums sizes in bytes instead. -a
// shows files too, -s only each argument, -d N a depth limit, -c a grand
// total. Hard links count once per link (as with -l).
func du(p *registry.Process) int {
	set, files, ok := options(p, "du", "aHLclsxhmkb", "d", duUsage)
	if !ok {
		return 1
	}
	maxDepth := -1
	if v, ok := set['d']; ok {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return fail(p, "du", "invalid number '%s'", v)
		}
		maxDepth = n
	}
	if has(set, 's') {
		maxDepth = 0
	}
	if len(files) == 0 {
		files = []string{"."}
	}
	w := bufio.NewWriter(stdout(p))
	defer w.Flush()
	apparent := has(set, 'b')
	show := func(blocks int64, name string) {
		switch {
		case apparent && has(set, 'h'):
			fmt.Fprintf(w, "%s\t%s\n", humanBlocks(blocks), name)
		case apparent:
			fmt.Fprintf(w, "%d\t%s\n", blocks, name)
		case has(set, 'h'):
			fmt.Fprintf(w, "%s\t%s\n", humanBlocks(blocks*512), name)
		case has(set, 'm'):
			fmt.Fprintf(w, "%d\t%s\n", (blocks+2047)/2048, name)
		default:
			fmt.Fprintf(w, "%d\t%s\n", (blocks+1)/2, name)
		}
	}
	status := 0
	var walk func(shown, full string, depth int) int64
	walk = func(shown, full string, depth int) int64 {
		info, err := p.FS.Lstat(full)
		if err != nil {
			w.Flush()
			status = fail(p, "du", "%s: %s", shown, registry.Strerror(err))
			return 0
		}
		blocks := newStatFile(shown, full, info).blocks
		if apparent {
			blocks = info.Size()
		}
		if info.IsDir() {
			entries, err := p.FS.ReadDir(full)
			if err != nil {
				w.Flush()
				status = fail(p, "du", "%s: %s", shown, registry.Strerror(err))
			}
			for _, e := range entries {
				child := shown + "/" + e.Name()
				if strings.HasSuffix(shown, "/") {
					child = shown + e.Name()
				}
				blocks += walk(child, path.Join(full, e.Name()), depth+1)
			}
		}
		if (info.IsDir() || has(set, 'a') || depth == 0) && (maxDepth < 0 || depth <= maxDepth) {
			show(blocks, shown)
		}
		return blocks
	}
	var total int64
	for _, name := range files {
		total += walk(name, p.Path(name), 0)
	}
	if has(set, 'c') {
		show(total, "total")
	}
	return status
}

// humanBlocks is busybox's human-readable size of n bytes: "0", "512",
// "4.0K", "20.0K", "1.5M".
func humanBlocks(n int64) string {
	if n == 0 {
		return "0"
	}
	units := "KMGTPE"
	u, frac := -1, int64(0)
	for n >= 1024 && u < len(units)-1 {
		frac = ((n%1024)*10 + 512) / 1024
		n /= 1024
		u++
	}
	if frac >= 10 {
		n++
		frac = 0
	}
	if u < 0 {
		return strconv.FormatInt(n, 10)
	}
	return fmt.Sprintf("%d.%d%c", n, frac, units[u])
}
