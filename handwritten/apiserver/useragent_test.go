package apiserver

import (
	"net/http"
	"testing"
)

type recordUserAgent struct{ got string }

func (r *recordUserAgent) RoundTrip(req *http.Request) (*http.Response, error) {
	r.got = req.Header.Get("User-Agent")
	return &http.Response{StatusCode: http.StatusOK, Body: http.NoBody}, nil
}

// TestProgramUserAgent checks the rewrite of client-go's default User-Agent
// for a component: only the program name before the first "/" changes, and
// the caller's request is left alone.
func TestProgramUserAgent(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"webernetes/v1.37.2 (linux/amd64) kubernetes/abcdef0", "kube-scheduler/v1.37.2 (linux/amd64) kubernetes/abcdef0"},
		{"webernetes/v1.37.2 (linux/amd64) kubernetes/abcdef0/scheduler", "kube-scheduler/v1.37.2 (linux/amd64) kubernetes/abcdef0/scheduler"},
		{"webernetes-other/v1 (linux/amd64)", "webernetes-other/v1 (linux/amd64)"},
		{"kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0", "kubectl/v1.37.2 (linux/amd64) kubernetes/abcdef0"},
		{"", ""},
	} {
		rec := &recordUserAgent{}
		rt := &programUserAgent{rt: rec, program: "webernetes/", component: "kube-scheduler/"}
		req, err := http.NewRequest(http.MethodGet, "https://kube-scheduler.x.kube-apiserver.invalid/api", nil)
		if err != nil {
			t.Fatal(err)
		}
		if tc.in != "" {
			req.Header.Set("User-Agent", tc.in)
		}
		if _, err := rt.RoundTrip(req); err != nil {
			t.Fatal(err)
		}
		if rec.got != tc.want {
			t.Errorf("User-Agent %q sent as %q, want %q", tc.in, rec.got, tc.want)
		}
		if got := req.Header.Get("User-Agent"); got != tc.in {
			t.Errorf("caller's request changed: User-Agent %q, want %q", got, tc.in)
		}
	}
}
