package agnhost

import "time"

// SetLivenessWindow shortens liveness's healthy window for a test.
func SetLivenessWindow(d time.Duration) (restore func()) {
	old := livenessWindow
	livenessWindow = d.Seconds()
	return func() { livenessWindow = old }
}
