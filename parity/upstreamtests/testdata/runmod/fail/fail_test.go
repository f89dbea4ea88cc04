package fail

import "testing"

func TestFails(t *testing.T) { t.Errorf("want 1, got 2") }

func TestOnlyWasm(t *testing.T) {}
