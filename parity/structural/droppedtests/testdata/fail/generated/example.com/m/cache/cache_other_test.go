//go:build !windows && !wasm

package cache

import "testing"

func TestOther(t *testing.T) {}
