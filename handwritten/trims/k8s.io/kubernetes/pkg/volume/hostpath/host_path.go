package hostpath

// MakeFile creates the file at the checked path: on the node's own file
// system when the volume host's HostUtils has one (NodeFiles), else as
// upstream does, with makeFile on the host's.
func (ftc *fileTypeChecker) MakeFile() error {
	if nf, ok := ftc.hu.(NodeFiles); ok {
		return nf.MakeFile(ftc.path)
	}
	return makeFile(ftc.path)
}

// MakeDir creates the directory at the checked path: on the node's own
// file system when the volume host's HostUtils has one (NodeFiles), else
// as upstream does, with makeDir on the host's.
func (ftc *fileTypeChecker) MakeDir() error {
	if nf, ok := ftc.hu.(NodeFiles); ok {
		return nf.MakeDir(ftc.path)
	}
	return makeDir(ftc.path)
}
