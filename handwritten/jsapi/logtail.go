package jsapi

import "sync"

// LogTail keeps the newest bytes written to it, up to its size: where a page
// keeps the components' log (klog), which would otherwise grow for as long
// as the page is open.
type LogTail struct {
	mu   sync.Mutex
	size int
	buf  []byte
}

// NewLogTail returns a LogTail that keeps the newest size bytes.
func NewLogTail(size int) *LogTail { return &LogTail{size: size} }

func (t *LogTail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.size; over > 0 {
		// Keep whole lines: drop up to the first newline after the cut.
		cut := over
		for cut < len(t.buf) && t.buf[cut-1] != '\n' {
			cut++
		}
		t.buf = append(t.buf[:0], t.buf[cut:]...)
	}
	return len(p), nil
}

// String is what the tail holds.
func (t *LogTail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.buf)
}
