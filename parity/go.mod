// The parity tools are their own module so that their dependencies (the port
// manifest reader in tools/portgen) never change the versions the root module
// builds upstream Kubernetes with. They drive the root module through the go
// command instead of importing it.
module github.com/webernetes/webernetes/parity

go 1.26.0

require (
	github.com/rogpeppe/go-internal v1.16.0
	github.com/webernetes/webernetes/parity/harness v0.0.0
	github.com/webernetes/webernetes/tools/portgen v0.0.0
)

require (
	go.yaml.in/yaml/v2 v2.4.2 // indirect
	go.yaml.in/yaml/v3 v3.0.6 // indirect
	golang.org/x/mod v0.43.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	golang.org/x/tools v0.52.0 // indirect
	sigs.k8s.io/yaml v1.6.0 // indirect
)

replace (
	github.com/webernetes/webernetes/parity/harness => ./harness
	github.com/webernetes/webernetes/tools/portgen => ../tools/portgen
)
