package nobuild

import "testing"

func TestX(t *testing.T) { var x int = "not an int"; _ = x }
