// A stand-in for cmd/webernetes-wasm with the same globalThis.webernetes API, for the
// loader's own tests (panics, several clusters, watch cancel). Its own module.
module webernetes.test/fakecluster

go 1.26
