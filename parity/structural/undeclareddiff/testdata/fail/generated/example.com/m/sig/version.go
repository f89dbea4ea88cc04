package sig

var (
	gitMajor string = "1" // major version
	gitMinor string = "37"

	gitVersion   = "v1.37.2"
	gitCommit    = "0123456789abcdef"
	gitTreeState = "clean"
)
