package redis

import (
	"fmt"
	"strings"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

// infoSections are INFO's sections, in redis's order; the default ones
// are what INFO without arguments gives.
var infoSections = []string{"server", "clients", "memory", "persistence", "stats", "replication", "cpu", "modules", "errorstats", "cluster", "keyspace"}

// cmdInfo is INFO [section ...]: redis's field names; the memory fields
// are estimates (usage.go).
func (s *srv) cmdInfo(c *server.Peer, args []string) {
	want := map[string]bool{}
	if len(args) == 0 {
		for _, sec := range infoSections {
			want[sec] = true
		}
	}
	for _, a := range args {
		switch a = strings.ToLower(a); a {
		case "all", "everything", "default":
			for _, sec := range infoSections {
				want[sec] = true
			}
		default:
			want[a] = true
		}
	}
	var b strings.Builder
	section := func(name string, fields [][2]string) {
		if !want[strings.ToLower(name)] {
			return
		}
		if b.Len() > 0 {
			b.WriteString("\r\n")
		}
		fmt.Fprintf(&b, "# %s\r\n", name)
		for _, f := range fields {
			fmt.Fprintf(&b, "%s:%s\r\n", f[0], f[1])
		}
	}
	now := time.Now()
	uptime := int64(now.Sub(s.start).Seconds())
	stats, size := s.dataset()
	used := baseUsedMemory + size
	peak := s.usage.peakMemory(used)
	maxmemory := s.cfg.getInt("maxmemory")
	s.mu.Lock()
	port, dirty, lastSave, lastOK, bgsaving := s.port, s.dirty, s.lastSave, s.lastSaveOK, s.bgsaving
	s.mu.Unlock()
	status := "ok"
	if !lastOK {
		status = "err"
	}
	i := func(n int64) string { return fmt.Sprint(n) }
	binds := ""
	for _, a := range strings.Fields(s.cfg.get("bind")) {
		binds += ",bind=" + a
	}

	section("Server", [][2]string{
		{"redis_version", Version},
		{"redis_git_sha1", "00000000"},
		{"redis_git_dirty", "1"},
		{"redis_build_id", buildID},
		{"redis_mode", "standalone"},
		{"os", "Linux 6.8.0-webernetes x86_64"},
		{"arch_bits", "64"},
		{"monotonic_clock", "POSIX clock_gettime"},
		{"multiplexing_api", "epoll"},
		{"atomicvar_api", "c11-builtin"},
		{"gcc_version", "14.2.0"},
		{"process_id", i(pid)},
		{"process_supervised", "no"},
		{"run_id", s.runID},
		{"tcp_port", i(int64(port))},
		{"server_time_usec", i(now.UnixMicro())},
		{"uptime_in_seconds", i(uptime)},
		{"uptime_in_days", i(uptime / 86400)},
		{"hz", s.cfg.get("hz")},
		{"configured_hz", s.cfg.get("hz")},
		{"lru_clock", i(now.Unix() & (1<<24 - 1))},
		{"executable", s.p.Path(s.p.Args[0])},
		{"config_file", s.cfg.file},
		{"io_threads_active", "0"},
		{"listener0", "name=tcp" + binds + ",port=" + i(int64(port))},
	})
	section("Clients", [][2]string{
		{"connected_clients", i(int64(s.rs.ClientsLen() - s.replicaCount()))},
		{"cluster_connections", "0"},
		{"maxclients", s.cfg.get("maxclients")},
		{"client_recent_max_input_buffer", "0"},
		{"client_recent_max_output_buffer", "0"},
		{"blocked_clients", "0"},
		{"tracking_clients", "0"},
		{"pubsub_clients", "0"},
		{"watching_clients", "0"},
		{"clients_in_timeout_table", "0"},
		{"total_watched_keys", "0"},
		{"total_blocking_keys", "0"},
		{"total_blocking_keys_on_nokey", "0"},
	})
	policy := s.cfg.get("maxmemory-policy")
	section("Memory", [][2]string{
		{"used_memory", i(used)},
		{"used_memory_human", humanBytes(used)},
		{"used_memory_rss", i(rss(used))},
		{"used_memory_rss_human", humanBytes(rss(used))},
		{"used_memory_peak", i(peak)},
		{"used_memory_peak_human", humanBytes(peak)},
		{"used_memory_dataset", i(size)},
		{"maxmemory", i(maxmemory)},
		{"maxmemory_human", humanBytes(maxmemory)},
		{"maxmemory_policy", policy},
		{"mem_allocator", "jemalloc-5.3.0"},
	})
	section("Persistence", [][2]string{
		{"loading", "0"},
		{"async_loading", "0"},
		{"rdb_changes_since_last_save", i(dirty)},
		{"rdb_bgsave_in_progress", boolInt(bgsaving)},
		{"rdb_last_save_time", i(lastSave.Unix())},
		{"rdb_last_bgsave_status", status},
		{"aof_enabled", "0"},
		{"aof_rewrite_in_progress", "0"},
		{"aof_last_bgrewrite_status", "ok"},
	})
	total := s.rs.TotalConnections() - 1 // the connection that started miniredis
	section("Stats", [][2]string{
		{"total_connections_received", i(int64(total))},
		{"total_commands_processed", i(int64(s.rs.TotalCommands()))},
		{"rejected_connections", "0"},
		{"expired_keys", "0"},
		{"evicted_keys", "0"},
		{"keyspace_hits", "0"},
		{"keyspace_misses", "0"},
		{"pubsub_channels", i(int64(len(s.m.PubSubChannels(""))))},
	})
	section("Replication", s.replicationInfo())
	cpu := float64(s.rs.TotalCommands())/opsPerMillicore/1000 + now.Sub(s.start).Seconds()*idleMillicores/1000
	section("CPU", [][2]string{
		{"used_cpu_sys", fmt.Sprintf("%.6f", cpu/2)},
		{"used_cpu_user", fmt.Sprintf("%.6f", cpu/2)},
		{"used_cpu_sys_children", "0.000000"},
		{"used_cpu_user_children", "0.000000"},
	})
	section("Modules", nil)
	section("Errorstats", nil)
	section("Cluster", [][2]string{{"cluster_enabled", "0"}})
	var ks [][2]string
	for n, st := range stats {
		if st.keys > 0 {
			ks = append(ks, [2]string{fmt.Sprintf("db%d", n), fmt.Sprintf("keys=%d,expires=%d,avg_ttl=0,subexpiry=0", st.keys, st.expires)})
		}
	}
	section("Keyspace", ks)
	c.WriteBulk(b.String())
}

func boolInt(b bool) string {
	if b {
		return "1"
	}
	return "0"
}

// humanBytes is redis's bytesToHuman: "2.00M".
func humanBytes(n int64) string {
	d := float64(n)
	switch {
	case n < 1024:
		return fmt.Sprintf("%dB", n)
	case n < 1024*1024:
		return fmt.Sprintf("%.2fK", d/1024)
	case n < 1024*1024*1024:
		return fmt.Sprintf("%.2fM", d/(1024*1024))
	case n < 1024*1024*1024*1024:
		return fmt.Sprintf("%.2fG", d/(1024*1024*1024))
	}
	return fmt.Sprintf("%.2fT", d/(1024*1024*1024*1024))
}
