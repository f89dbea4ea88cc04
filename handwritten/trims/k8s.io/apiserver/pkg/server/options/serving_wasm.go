package options

import (
	"fmt"
	"syscall"
)

// permitPortReuse fails on wasm: the browser has no sockets, so there is no
// SO_REUSEPORT to set.
func permitPortReuse(network, addr string, conn syscall.RawConn) error {
	return fmt.Errorf("port reuse is not supported on js/wasm")
}

// permitAddressReuse fails on wasm: the browser has no sockets, so there is
// no SO_REUSEADDR to set.
func permitAddressReuse(network, addr string, conn syscall.RawConn) error {
	return fmt.Errorf("address reuse is not supported on js/wasm")
}
