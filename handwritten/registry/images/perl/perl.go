// Package perl is the image docker.io/library/perl as code: a Debian
// userland (dash as /bin/sh, bash, curl, busybox's applets for coreutils)
// and a perl that is NOT a Perl interpreter. It runs exactly the programs
// the Kubernetes documentation and tutorials give it:
//
//   - `perl -Mbignum=bpi -wle "print bpi(2000)"` (the Job example), and
//     bpi(N) generally: π to N significant digits, printed as
//     Math::BigFloat's bpi prints it ("3." and N-1 digits, the last
//     rounded on the next), for 1 <= N <= 100000. -Mbigrat=bpi gives the
//     same; -Mbigint=bpi gives bigint's bpi, which is always 3.
//   - `print` of string literals: 'single' or "double" quoted, with the
//     escapes \n \t \r \f \a \e \0 \\ \" \$ \@, and comma-separated lists
//     of literals and bpi(N) calls; several print statements separated by
//     ";".
//   - `perl -v` and `perl --version`: the banner of perl 5.42.0 as the
//     image builds it.
//
// Switches are parsed as perl parses them (clusters such as -wle, -e's
// code attached or in the next argument, switches after -e's code, -l with
// an octal character, -M module=imports with bignum, bigrat, bigint,
// strict and warnings); -w, -W and -X change nothing these programs print.
// An unknown switch gets perl's "Unrecognized switch" (exit 29), a
// missing script perl's "Can't open perl script" (exit 2), a call of bpi
// without importing it perl's "Undefined subroutine &main::bpi" (exit 255).
//
// While it computes, perl reports one busy CPU (1000 millicores) and an
// estimated 8Mi through Process.Usage. As the container's init it ignores
// SIGTERM, as perl without a handler does as PID 1, and ends on SIGKILL.
//
// What it must not do: succeed at a program it cannot run. Any other
// code, a script file, perl reading its program from stdin, the image's
// default command (`perl5.42.0 -de0`, the debugger) and the switches it
// does not implement (-n, -p, -i, -c, -d, ...) print an honest error
// naming what is supported and exit 255; it never prints a guess. The
// image's Debian /usr/bin/perl (5.40.1) is absent, as are wget, nc and
// nslookup (Debian's are not busybox's); all tags run perl 5.42.0.
package perl

import (
	"strings"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/curl"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "docker.io/library/perl"

// Version is the perl release of the image's "latest" the work-alike
// imitates (Docker's perl 5.42.0 on Debian trixie).
const Version = "5.42.0"

// Tags are the repository's tags: every 5.30 to 5.42 release published
// while its series was supported (5.34.0 is the one tutorials pin), each
// also -slim, -threaded and -slim-threaded; the moving tags ("5",
// "latest", "stable", "slim", ...); and 5.42's tags naming its Debian
// release (trixie, bookworm, bullseye), as the image's README lists them.
// Older releases' Debian-named tags are not served.
var Tags = func() []string {
	variants := []string{"", "-slim", "-threaded", "-slim-threaded"}
	tags := registry.ReleaseTags(5, map[int]int{30: 3, 32: 1, 34: 1, 36: 3, 38: 5, 40: 3, 42: 0}, variants[1:]...)
	tags = append(tags, "latest")
	for _, v := range variants {
		tags = append(tags, "5"+v)
		if v != "" {
			tags = append(tags, strings.TrimPrefix(v, "-"))
		}
		tags = append(tags, "stable"+v)
	}
	for _, debian := range []string{"trixie", "bookworm", "bullseye"} {
		for _, v := range variants {
			suffix := v + "-" + debian
			for _, version := range []string{"5.42.0", "5.42", "5", "stable"} {
				tags = append(tags, version+suffix)
			}
			tags = append(tags, strings.TrimPrefix(suffix, "-"))
		}
	}
	return tags
}()

// Image is perl with the repository's Tags.
var Image registry.Image = image{registry.Meta{
	Repository: Name,
	TagList:    Tags,
	// The real image's configuration (docker-perl's
	// 5.042.000-main-trixie Dockerfile on buildpack-deps).
	Configuration: registry.Config{
		Cmd:        []string{"perl" + Version, "-de0"},
		Env:        []string{"PATH=" + registry.DefaultPath},
		WorkingDir: "/usr/src/app",
		Size:       341_000_000,
	},
}}

type image struct{ registry.Meta }

// Program implements registry.Image: perl, curl, and Debian's userland.
func (image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/local/bin/perl", "/usr/local/bin/perl" + Version:
		return Perl, true
	case "/usr/bin/curl", "/bin/curl":
		return curl.New("8.14.1"), true
	}
	return userland.Debian(path)
}
