//go:build !windows

package cache

import "testing"

func TestOther(t *testing.T) {}
