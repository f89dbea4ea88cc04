package sig

var (
	gitMajor string = "1" // major version
	gitMinor string = "37"

	gitVersion   = "v1.37.2"
	gitCommit    = "$Format:%H$"
	gitTreeState = "clean"
)
