package sig

var (
	gitMajor string // major version
	gitMinor string = ""

	gitVersion   = "v0.0.0-master+$Format:%H$"
	gitCommit    = "$Format:%H$"
	gitTreeState = ""
)
