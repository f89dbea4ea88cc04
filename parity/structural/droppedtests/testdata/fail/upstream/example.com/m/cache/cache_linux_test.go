package cache

import "testing"

func TestLinuxOnly(t *testing.T) {}
