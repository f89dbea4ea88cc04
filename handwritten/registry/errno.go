package registry

import (
	"errors"
	"io/fs"
	"strings"
	"syscall"
)

// Errno is a Linux error number that prints as Go on Linux prints it
// ("no such file or directory") on every GOOS: js/wasm's syscall spells
// the same numbers differently ("No such file or directory"), and
// programs in containers must not tell where they run. errors.Is matches
// the syscall.Errno and the fs errors (fs.ErrNotExist, ...) it stands for.
type Errno syscall.Errno

// Errors the container file system and the pod network return (a
// network should wrap ECONNREFUSED, EADDRINUSE, ... in *net.OpError and
// *os.SyscallError as the net package does).
const (
	ENOENT    = Errno(syscall.ENOENT)
	EACCES    = Errno(syscall.EACCES)
	EEXIST    = Errno(syscall.EEXIST)
	ENOTDIR   = Errno(syscall.ENOTDIR)
	EISDIR    = Errno(syscall.EISDIR)
	EINVAL    = Errno(syscall.EINVAL)
	EROFS     = Errno(syscall.EROFS)
	ENOTEMPTY = Errno(syscall.ENOTEMPTY)
	EBUSY     = Errno(syscall.EBUSY)
	EXDEV     = Errno(syscall.EXDEV)
	ELOOP     = Errno(syscall.ELOOP)

	ECONNREFUSED = Errno(syscall.ECONNREFUSED)
	ECONNRESET   = Errno(syscall.ECONNRESET)
	EADDRINUSE   = Errno(syscall.EADDRINUSE)
	ETIMEDOUT    = Errno(syscall.ETIMEDOUT)
	EHOSTUNREACH = Errno(syscall.EHOSTUNREACH)
	ENETUNREACH  = Errno(syscall.ENETUNREACH)
)

func (e Errno) Error() string {
	msg := syscall.Errno(e).Error()
	if msg == "" {
		return msg
	}
	// Go on Linux prints strerror's text with a lower-case first letter.
	return strings.ToLower(msg[:1]) + msg[1:]
}

// Is reports whether target is this errno or the fs error it stands for.
func (e Errno) Is(target error) bool {
	if t, ok := target.(Errno); ok {
		return t == e
	}
	return syscall.Errno(e).Is(target) || target == syscall.Errno(e)
}

// Unwrap returns the syscall.Errno.
func (e Errno) Unwrap() error { return syscall.Errno(e) }

// Strerror is the message a C program prints for err (strerror(errno)):
// "No such file or directory". Errors without an errno print as they are.
func Strerror(err error) string {
	var en Errno
	var se syscall.Errno
	switch {
	case errors.As(err, &en):
	case errors.As(err, &se):
		en = Errno(se)
	case errors.Is(err, fs.ErrNotExist):
		en = ENOENT
	case errors.Is(err, fs.ErrPermission):
		en = EACCES
	case errors.Is(err, fs.ErrExist):
		en = EEXIST
	default:
		return err.Error()
	}
	msg := en.Error()
	return strings.ToUpper(msg[:1]) + msg[1:]
}

// LinuxError returns err with a syscall.Errno (bare or inside an
// *fs.PathError) replaced by Errno, so that it prints as on Linux. Other
// errors are returned as they are.
func LinuxError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		var se syscall.Errno
		if errors.As(pe.Err, &se) {
			return &fs.PathError{Op: pe.Op, Path: pe.Path, Err: Errno(se)}
		}
		return pe
	}
	var se syscall.Errno
	if errors.As(err, &se) && err == error(se) {
		return Errno(se)
	}
	return err
}
