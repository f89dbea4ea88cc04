// The scenario side of the parity harness (testscript commands, the
// normalizer), shared by the native harness (../scenarios, the parity module)
// and the in-process runner (../inprocess, built with the root module). Its own
// module so that the in-process runner can import it without the parity
// module's requirements, which would raise the versions the root module
// builds upstream Kubernetes with. go-internal is the version the root module's
// graph already holds.
module github.com/webernetes/webernetes/parity/harness

go 1.26.0

require github.com/rogpeppe/go-internal v1.14.1

require (
	golang.org/x/sys v0.26.0 // indirect
	golang.org/x/tools v0.26.0 // indirect
)
