package netsim

import (
	"context"
	"errors"
	"os"
	"syscall"
)

// The errors here are shaped like the ones Go's net package returns on
// Linux, so callers that test them (errors.Is(err, syscall.ECONNREFUSED),
// net.Error.Timeout, errors.Is(err, net.ErrClosed)) and people reading them
// see what a real cluster shows.

// linuxText is the Linux strerror text of the errnos the network reports.
// Under js/wasm, syscall.Errno has capitalised texts of its own ("Connection
// refused"); errno keeps the message the same on every platform.
var linuxText = map[syscall.Errno]string{
	syscall.ECONNREFUSED:  "connection refused",
	syscall.ECONNRESET:    "connection reset by peer",
	syscall.EPIPE:         "broken pipe",
	syscall.ETIMEDOUT:     "connection timed out",
	syscall.EADDRINUSE:    "address already in use",
	syscall.EADDRNOTAVAIL: "cannot assign requested address",
	syscall.ENETUNREACH:   "network is unreachable",
	syscall.EDESTADDRREQ:  "destination address required",
	syscall.EMSGSIZE:      "message too long",
}

// errno returns no itself where its text is the Linux one, and otherwise an
// error with the Linux text that still unwraps to no.
func errno(no syscall.Errno) error {
	if no.Error() == linuxText[no] {
		return no
	}
	return linuxErrno{no}
}

type linuxErrno struct{ no syscall.Errno }

func (e linuxErrno) Error() string   { return linuxText[e.no] }
func (e linuxErrno) Unwrap() error   { return e.no }
func (e linuxErrno) Timeout() bool   { return e.no.Timeout() }
func (e linuxErrno) Temporary() bool { return e.no.Temporary() }

// sysErr is the error of a failed system call, "connect: connection refused".
func sysErr(call string, no syscall.Errno) error {
	return os.NewSyscallError(call, errno(no))
}

// ErrRefused is what a DNAT returns to reject a connection the way
// kube-proxy rejects one to a Service without endpoints: the dialer sees
// "connect: connection refused".
var ErrRefused = sysErr("connect", syscall.ECONNREFUSED)

// ErrDropped is what a DNAT returns to drop a connection's packets the way
// kube-proxy's DROP rules do (a Service whose traffic policy is Local, with
// no endpoint on the node): the dial waits, as for an IP no host has, and
// times out.
var ErrDropped = errors.New("netsim: dropped by a DNAT rule")

// ctxErr maps a context's error to the error Go's dialer reports for it:
// "i/o timeout" for an expired deadline, "operation was canceled" for a
// cancellation; both still match the context errors with errors.Is.
func ctxErr(err error) error {
	switch err {
	case context.DeadlineExceeded:
		return timeoutError{}
	case context.Canceled:
		return canceledError{}
	}
	return err
}

type timeoutError struct{}

func (timeoutError) Error() string        { return "i/o timeout" }
func (timeoutError) Timeout() bool        { return true }
func (timeoutError) Temporary() bool      { return true }
func (timeoutError) Is(target error) bool { return target == context.DeadlineExceeded }

type canceledError struct{}

func (canceledError) Error() string        { return "operation was canceled" }
func (canceledError) Is(target error) bool { return target == context.Canceled }
