// Sources that tools/portgen splices into upstream packages, as declared by the
// trims in port.yaml. Each file is compiled only inside its generated upstream
// package; this go.mod keeps them out of the root module's build.
module github.com/webernetes/webernetes/handwritten/trims

go 1.26
