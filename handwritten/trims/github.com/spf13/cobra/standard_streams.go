package cobra

import (
	"io"
	"os"
	"sync"
)

// standardStreams are the writers that stand for the process's standard
// output and error for a root command's tree (SetStandardStreams).
var standardStreams sync.Map // *Command (a root) -> [2]io.Writer

// SetStandardStreams makes stdout and stderr what root's command tree
// writes to wherever cobra would write to os.Stdout and os.Stderr (help,
// usage, completions, Print*), until forget. A program that runs several
// command trees at once in one process (kubectl in the browser, where the
// process is the cluster's) gives each its caller's streams: to each tree
// they are its process's. Writers set with SetOut and SetErr still win, as
// they win over os.Stdout and os.Stderr.
func SetStandardStreams(root *Command, stdout, stderr io.Writer) (forget func()) {
	standardStreams.Store(root, [2]io.Writer{stdout, stderr})
	return func() { standardStreams.Delete(root) }
}

// standardStream is def (os.Stdout, os.Stderr or another default) as root
// c's tree has it.
func standardStream(c *Command, def io.Writer) io.Writer {
	s, ok := standardStreams.Load(c)
	if !ok {
		return def
	}
	streams := s.([2]io.Writer)
	switch def {
	case os.Stdout:
		return streams[0]
	case os.Stderr:
		return streams[1]
	}
	return def
}
