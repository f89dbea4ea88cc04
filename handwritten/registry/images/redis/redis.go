// Package redis is the image docker.io/library/redis as code: its
// docker-entrypoint.sh, a redis-server that speaks the Redis protocol
// (the server and the data types are github.com/alicebob/miniredis/v2,
// served on the pod network through Process.Net), and a redis-cli, on a
// Debian-like userland (dash as /bin/sh, bash, busybox's applets for
// coreutils).
//
// redis-server reads its configuration as the real one does (a file as
// the first argument, then --name value options), answers CONFIG GET/SET
// for it, logs in the real format ("1:M 07 Dec 2026 15:04:05.123 * ..."),
// keeps RDB snapshots in its dir (SAVE, BGSAVE, the save points, and the
// final snapshot on SIGTERM) and loads them at start. Its INFO is its own:
// real field names, with the memory an estimate of the dataset's size
// (see usage.go); the same estimate is the container's memory use.
//
// It replicates as Redis 7 does, at the protocol level (replication.go):
// a replica (replicaof, --replicaof, REPLICAOF host port) connects to its
// master over the pod network, PSYNCs, loads the master's RDB snapshot
// and applies its command stream, reconnecting when the link drops, and
// refuses clients' writes (READONLY); a master serves PSYNC/SYNC and
// REPLCONF, propagates its clients' successful writes and answers WAIT.
// ROLE and INFO replication report both sides.
//
// What it must not do: it must not pretend to do what it does not.
// Replication has no partial resynchronization (every sync is a full
// one) and no chained replicas (a replica refuses PSYNC, saying so).
// Sentinel, cluster mode and modules fail at start with the reason in
// the log; the append only file is not written (appendonly yes is
// warned about, and RDB snapshots go on); maxmemory is reported but not
// enforced; the image has no wget, nc or nslookup, as the real one has
// none.
package redis

import (
	"io/fs"
	"testing/fstest"

	"github.com/webernetes/webernetes/handwritten/registry"
	"github.com/webernetes/webernetes/handwritten/registry/images/internal/userland"
)

// Name is the image's repository.
const Name = "docker.io/library/redis"

// Version is the Redis release of the image's "latest" the work-alike
// imitates: redis:latest is 8.10.2 on trixie in the official images'
// library file (github.com/docker-library/official-images,
// library/redis, read 2026-12-07).
const Version = "8.10.2"

// Tags are the repository's tags: every release of the versions the
// Kubernetes docs use and of the maintained ones, also -alpine, and the
// moving ones. The last patch of each minor version is from the sources
// below; a later patch the sources do not show is not served.
//
//   - 5.0.14, 6.0.20, 7.0.15: the final releases of those branches.
//   - 6.2.22, 7.2.14, 7.4.9, 8.2.6, 8.4.3 (May and June 2026): redis/docs
//     pull request 3292 (7.4.9, 8.2.6, 8.4.3), the 8.4 branch's
//     00-RELEASENOTES, the redis 7.2.14 tag, cloudogu/redis' 6.2.22.
//   - 8.0.5: the 8.0 branch's 00-RELEASENOTES (its last, November 2025).
//   - 8.6.7, 8.8.3, 8.10.2: the official images' library/redis.
var Tags = append(append(append(append(
	registry.ReleaseTags(5, map[int]int{0: 14}, "-alpine"),
	registry.ReleaseTags(6, map[int]int{0: 20, 2: 22}, "-alpine")...),
	registry.ReleaseTags(7, map[int]int{0: 15, 2: 14, 4: 9}, "-alpine")...),
	registry.ReleaseTags(8, map[int]int{0: 5, 2: 6, 4: 3, 6: 7, 8: 3, 10: 2}, "-alpine")...),
	"5", "5-alpine", "6", "6-alpine", "7", "7-alpine", "8", "8-alpine", "latest", "alpine",
	// The Debian and Alpine releases the current images name.
	"trixie", "8-trixie", "8.10-trixie", "8.10.2-trixie", "8.8-trixie", "8.8.3-trixie", "8.6-trixie", "8.6.7-trixie",
	"alpine3.23", "8-alpine3.23", "8.10-alpine3.23", "8.10.2-alpine3.23", "8.8-alpine3.23", "8.8.3-alpine3.23")

// Image is redis with the repository's Tags. Every tag runs the same
// programs: Version's redis-server and redis-cli, on the Debian userland
// (the -alpine tags too).
var Image registry.Layered = image{registry.Meta{
	Repository: Name,
	TagList:    Tags,
	// The real image's configuration (it also exposes 6379/tcp).
	Configuration: registry.Config{
		Entrypoint: []string{"docker-entrypoint.sh"},
		Cmd:        []string{"redis-server"},
		Env: []string{
			"PATH=" + registry.DefaultPath,
			"REDIS_VERSION=" + Version,
		},
		WorkingDir: "/data",
		Size:       53_000_000,
	},
}}

type image struct{ registry.Meta }

// Files is the image's files besides its programs: the data directory,
// its working directory.
func (image) Files() fs.FS {
	return fstest.MapFS{"data": {Mode: fs.ModeDir | 0o755}}
}

// Program implements registry.Image.
func (image) Program(path string) (registry.Program, bool) {
	switch path {
	case "/usr/local/bin/docker-entrypoint.sh":
		return entrypoint, true
	case "/usr/local/bin/redis-server":
		return Server, true
	case "/usr/local/bin/redis-cli":
		return CLI, true
	}
	return userland.Debian(path)
}
