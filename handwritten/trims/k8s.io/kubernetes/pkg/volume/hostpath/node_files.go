package hostpath

// NodeFiles is implemented by a HostUtils whose node has a file system of
// its own, where a node path ("/data") is not the same path of the
// process's (several in-process nodes, or a browser). The type checks of
// DirectoryOrCreate and FileOrCreate then create what is missing there,
// with the results of upstream's makeDir and makeFile: an existing
// directory or file is no error.
type NodeFiles interface {
	MakeDir(pathname string) error
	MakeFile(pathname string) error
}
