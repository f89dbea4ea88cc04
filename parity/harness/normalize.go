// This file is the one normalizer every scenario's kubectl output goes
// through, so that what differs from run to run (generated names, UIDs,
// times, IPs, ages, resourceVersions) never decides a comparison, and
// everything else does.
//
// The normalizer must not hide behaviour: it rewrites only values that the
// API server or a controller chooses at random or from the clock. A
// pod-template-hash, a generation, a count or a message stays as it is.

package harness

import (
	"regexp"
	"strings"
)

// Placeholders the normalizer writes; scenarios' expected outputs use them.
const (
	UIDPlaceholder  = "<uid>"
	TimePlaceholder = "<time>"
	RVPlaceholder   = "<rv>"
	IPPlaceholder   = "<ip>"
	AgePlaceholder  = "<age>"
	RandPlaceholder = "<rand>"
)

// rules are applied in order to the whole text.
var rules = []struct {
	re   *regexp.Regexp
	repl string
}{
	// metadata.uid, ownerReferences[].uid, UIDs in messages.
	{regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`), UIDPlaceholder},
	// RFC 3339 (JSON, YAML, jsonpath), with or without fractions.
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})`), TimePlaceholder},
	// RFC 1123 with numeric zone (kubectl describe: Creation Timestamp, Start Time).
	{regexp.MustCompile(`(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} \d{2}:\d{2}:\d{2} [+-]\d{4}`), TimePlaceholder},
	// Go's time.Time.String() (some messages print it), and diff's file times.
	{regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d+)? [+-]\d{4}( [A-Z]+)?`), TimePlaceholder},
	// kubectl diff's temporary directories.
	{regexp.MustCompile(`\b(LIVE|MERGED)-\d+\b`), "${1}-<n>"},
	// resourceVersion in JSON, YAML, query strings and kubectl's messages.
	{regexp.MustCompile(`(resourceVersion"?\s*[:=]\s*\\?"?)\d+`), "${1}" + RVPlaceholder},
	// IPv4 addresses (ClusterIPs, pod IPs, endpoints, the server's address), with a port.
	{regexp.MustCompile(`\b(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}:\d+\b`), IPPlaceholder + ":<port>"},
	{regexp.MustCompile(`\b(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\b`), IPPlaceholder},
	// Event names: <object>.<UnixNano in hex>.
	{regexp.MustCompile(`\.[0-9a-f]{15,16}\b`), ".<hex>"},
	// Jobs a CronJob creates: <cronjob>-<scheduled time in minutes since the epoch>.
	{regexp.MustCompile(`\b([a-z0-9][-a-z0-9]*)-\d{8}\b`), "${1}-<minutes>"},
}

// generateName suffixes: apimachinery's rand.String(5) alphabet
// (no vowels, no 0, 1 or 3), as the last dash-separated part of a name.
// Longer runs of the same alphabet (pod-template-hash,
// controller-revision-hash) are deterministic and kept.
var randSuffix = regexp.MustCompile(`\b([a-z0-9][-a-z0-9]*)-([bcdfghjklmnpqrstvwxz2456789]{5})\b(-[a-z0-9])?`)

// Normalize rewrites run-specific values in kubectl output to placeholders.
func Normalize(s string) string {
	for _, r := range rules {
		s = r.re.ReplaceAllString(s, r.repl)
	}
	s = randSuffix.ReplaceAllStringFunc(s, func(m string) string {
		sub := randSuffix.FindStringSubmatch(m)
		if sub[3] != "" { // a middle part of a longer name: not a suffix
			return m
		}
		return sub[1] + "-" + RandPlaceholder
	})
	return normalizeTables(s)
}

// ageColumns are the table columns whose cells are durations since a time
// the clock chose: kubectl get's AGE, LAST SEEN, DURATION, LAST SCHEDULE and
// kubectl describe's Events table Age.
var ageColumns = map[string]bool{"AGE": true, "LAST SEEN": true, "FIRST SEEN": true, "DURATION": true, "LAST SCHEDULE": true, "Age": true}

var (
	// kubectl's duration.HumanDuration forms: 5s, 3m2s, 4h, 2d3h, 3y45d.
	durationToken = regexp.MustCompile(`\b\d+(y|d|h|m|s)(\d+(d|h|m|s))?\b|<unknown>|<invalid>`)
	cellSplit     = regexp.MustCompile(` {2,}`)
)

// A tabwriter layout: kubectl get prints tables with cli-runtime's printers
// (minwidth 6, padding 3); kubectl describe with its own (minwidth 0,
// padding 2), its tables indented.
type layout struct{ minwidth, padding int }

var (
	getLayout      = layout{6, 3}
	describeLayout = layout{0, 2}
)

// normalizeTables replaces the cells of age columns in every kubectl table
// and lays the table out again as kubectl would have with those cells, so
// that a column's width never depends on how long ago something happened.
func normalizeTables(s string) string {
	lines := strings.Split(s, "\n")
	for i := 0; i < len(lines); i++ {
		starts, names, lay, ok := tableHeader(lines[i])
		if !ok {
			continue
		}
		end := i + 1
		for end < len(lines) && strings.TrimSpace(lines[end]) != "" && indent(lines[end]) >= indent(lines[i]) {
			end++
		}
		if rows, ok := splitRows(lines[i:end], starts, len(names)); ok {
			for c, name := range names {
				if !ageColumns[name] {
					continue
				}
				for r := 1; r < len(rows); r++ {
					if lay == describeLayout && strings.HasPrefix(rows[r][c], "--") {
						continue // the dashes under describe's headers
					}
					rows[r][c] = durationToken.ReplaceAllString(rows[r][c], AgePlaceholder)
				}
			}
			copy(lines[i:end], render(rows, lay))
		}
		i = end - 1
	}
	return strings.Join(lines, "\n")
}

var headerCell = regexp.MustCompile(`^[A-Z][A-Za-z0-9()/_.-]*( [A-Z][A-Za-z0-9()/_.-]*)*$`)

// tableHeader recognises a header line of a kubectl table holding at least
// one age column: cells of capitalised words separated by two or more
// spaces (kubectl get: all upper case, not indented; describe: indented).
func tableHeader(line string) (starts []int, names []string, lay layout, ok bool) {
	ind := indent(line)
	body := line[ind:]
	if body == "" {
		return nil, nil, lay, false
	}
	locs := cellSplit.FindAllStringIndex(body, -1)
	pos := 0
	age := false
	for _, loc := range append(locs, []int{len(body), len(body)}) {
		cell := body[pos:loc[0]]
		if !headerCell.MatchString(cell) {
			return nil, nil, lay, false
		}
		if ind == 0 && strings.ToUpper(cell) != cell {
			return nil, nil, lay, false
		}
		starts = append(starts, ind+pos)
		names = append(names, cell)
		age = age || ageColumns[cell]
		pos = loc[1]
	}
	if !age || len(names) < 2 {
		return nil, nil, lay, false
	}
	if ind == 0 {
		return starts, names, getLayout, true
	}
	return starts, names, describeLayout, true
}

// splitRows cuts each line at the header's column starts; a line that does
// not fit them (a watch whose later rows were wider) is split at runs of two
// or more spaces instead, and must then have as many cells as the header.
func splitRows(lines []string, starts []int, n int) ([][]string, bool) {
	var rows [][]string
	for _, line := range lines {
		row, ok := cutAt(line, starts)
		if !ok {
			ind := indent(line)
			row = append([]string{}, cellSplit.Split(line[ind:], -1)...)
			if len(row) != n {
				return nil, false
			}
			row[0] = line[:ind] + row[0]
		}
		rows = append(rows, row)
	}
	return rows, true
}

func cutAt(line string, starts []int) ([]string, bool) {
	row := make([]string, len(starts))
	for c, st := range starts {
		if st > len(line) || (c > 0 && line[st-1] != ' ') {
			return nil, false
		}
		end := len(line)
		if c+1 < len(starts) {
			end = min(starts[c+1], len(line))
		}
		if seg := line[st:end]; c > 0 && seg != "" && seg[0] == ' ' && strings.TrimSpace(seg) != "" {
			return nil, false // a cell starts where its header starts, or is empty
		}
		row[c] = strings.TrimRight(line[st:end], " ")
		if c == 0 {
			row[c] = strings.TrimRight(line[:end], " ")
		}
	}
	return row, true
}

// render lays rows out as text/tabwriter does with lay's minwidth and padding.
func render(rows [][]string, lay layout) []string {
	n := len(rows[0])
	width := make([]int, n)
	for _, row := range rows {
		for c := 0; c < n-1; c++ {
			width[c] = max(width[c], len(row[c])+lay.padding, lay.minwidth)
		}
	}
	out := make([]string, len(rows))
	for r, row := range rows {
		var b strings.Builder
		for c := 0; c < n-1; c++ {
			b.WriteString(row[c])
			b.WriteString(strings.Repeat(" ", width[c]-len(row[c])))
		}
		b.WriteString(row[n-1])
		out[r] = strings.TrimRight(b.String(), " ")
	}
	return out
}

func indent(line string) int { return len(line) - len(strings.TrimLeft(line, " ")) }
