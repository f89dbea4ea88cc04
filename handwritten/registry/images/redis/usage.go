package redis

import (
	"sync"
	"time"
)

// The memory and CPU redis-server reports (INFO, and the container's
// usage through Process.Usage) are estimates, not measurements of this
// process: an empty Redis 8 without modules, plus what its dataset would
// take in Redis.
const (
	// baseUsedMemory is INFO's used_memory of an empty server.
	baseUsedMemory = 900_000
	// baseRSS is the resident size of an idle server: the container's
	// memory use with an empty dataset.
	baseRSS = 4 << 20
	// keyOverhead and elementOverhead approximate Redis's per-key
	// (dictionary entry, object, expire) and per-element (encoding)
	// overheads.
	keyOverhead     = 56
	elementOverhead = 12
	// idleMillicores is serverCron's (hz 10) use of an idle server;
	// opsPerMillicore is how many commands a second a millicore serves
	// (a core serves about 100,000 simple commands a second).
	idleMillicores  = 2
	opsPerMillicore = 100
)

// dbStats is a database's keys, for INFO keyspace.
type dbStats struct {
	keys, expires int
}

// dataset walks the databases: each one's keys and the dataset's
// estimated size in bytes.
func (s *srv) dataset() ([]dbStats, int64) {
	n := int(s.cfg.getInt("databases"))
	stats := make([]dbStats, n)
	var size int64
	for i := range n {
		db := s.m.DB(i)
		for _, k := range db.Keys() {
			stats[i].keys++
			size += keyOverhead + int64(len(k))
			if db.TTL(k) > 0 {
				stats[i].expires++
			}
			switch db.Type(k) {
			case "string":
				v, _ := db.Get(k)
				size += int64(len(v))
			case "list":
				l, _ := db.List(k)
				size += strsSize(l)
			case "set":
				m, _ := db.Members(k)
				size += strsSize(m)
			case "hash":
				fields, _ := db.HKeys(k)
				size += strsSize(fields)
				for _, f := range fields {
					size += int64(len(db.HGet(k, f)))
				}
			case "zset":
				set, _ := db.SortedSet(k)
				for m := range set {
					size += int64(len(m)) + 8 + elementOverhead
				}
			case "stream":
				entries, _ := db.Stream(k)
				for _, e := range entries {
					size += int64(len(e.ID)) + strsSize(e.Values)
				}
			case "hll":
				size += 12304 // a dense HyperLogLog
			}
		}
	}
	return stats, size
}

func strsSize(l []string) int64 {
	var n int64
	for _, s := range l {
		n += int64(len(s)) + elementOverhead
	}
	return n
}

// usedMemory is INFO's used_memory.
func (s *srv) usedMemory() int64 {
	_, size := s.dataset()
	return baseUsedMemory + size
}

// usageMeter reports the server's usage to Process.Usage.
type usageMeter struct {
	mu       sync.Mutex
	last     time.Time
	lastCmds int
	peak     int64
}

// report estimates CPU from the commands served since the last report
// and memory from the dataset.
func (u *usageMeter) report(s *srv) {
	used := s.usedMemory()
	now := time.Now()
	cmds := s.rs.TotalCommands()
	u.mu.Lock()
	cpu := int64(idleMillicores)
	if !u.last.IsZero() {
		if secs := now.Sub(u.last).Seconds(); secs > 0 {
			cpu += int64(float64(cmds-u.lastCmds) / secs / opsPerMillicore)
		}
	}
	u.last, u.lastCmds = now, cmds
	if used > u.peak {
		u.peak = used
	}
	u.mu.Unlock()
	if s.p.Usage != nil {
		s.p.Usage(cpu, rss(used))
	}
}

// peakMemory is INFO's used_memory_peak.
func (u *usageMeter) peakMemory(used int64) int64 {
	u.mu.Lock()
	defer u.mu.Unlock()
	if used > u.peak {
		u.peak = used
	}
	return u.peak
}

// stop reports that the server no longer uses anything.
func (u *usageMeter) stop(s *srv) {
	if s.p.Usage != nil {
		s.p.Usage(0, 0)
	}
}

// rss is the resident size of a server whose used_memory is used.
func rss(used int64) int64 {
	return baseRSS + (used-baseUsedMemory)*11/10
}
