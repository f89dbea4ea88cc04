// Package accesslog is what a web server image's access log needs from a
// response: its status and how many body bytes were sent.
//
// What it must not do: change the response; it only counts.
package accesslog

import "net/http"

// Recorder is an http.ResponseWriter that notes the status and the body
// bytes written, for the access log line written after the request.
type Recorder struct {
	http.ResponseWriter
	// Status is the response's status: 200 once the body is written
	// without a WriteHeader, 0 before anything is written.
	Status int
	// Bytes is the body bytes written.
	Bytes int64
}

// WriteHeader implements http.ResponseWriter.
func (r *Recorder) WriteHeader(code int) {
	if r.Status == 0 {
		r.Status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

// Write implements http.ResponseWriter.
func (r *Recorder) Write(b []byte) (int, error) {
	if r.Status == 0 {
		r.Status = http.StatusOK
	}
	n, err := r.ResponseWriter.Write(b)
	r.Bytes += int64(n)
	return n, err
}
