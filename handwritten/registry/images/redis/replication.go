package redis

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/alicebob/miniredis/v2/server"
)

// Master-replica replication, at the protocol level of Redis 7:
//
// A replica (replicaof or slaveof in the config file, --replicaof, or
// REPLICAOF host port) connects to its master over the pod network and
// sends PING, AUTH (masterauth, when set), REPLCONF listening-port,
// REPLCONF capa eof capa psync2 and PSYNC ? -1; it reads +FULLRESYNC
// <replid> <offset> and the RDB payload ($<len>\r\n<bytes>), which
// replaces its dataset, then applies the master's command stream by
// feeding each command to its own miniredis over an in-process
// connection (so the real command implementations run; the replies are
// discarded). It sends REPLCONF ACK <offset> every second and on
// REPLCONF GETACK. When the master cannot be reached, the link drops or
// nothing came for repl-timeout seconds, it tries again every second.
// With replica-read-only (the default) clients' write commands get
// READONLY (in MULTI, EXEC then fails with EXECABORT); with
// replica-serve-stale-data no, a replica without its link answers
// MASTERDOWN.
//
// A master answers PSYNC (and the older SYNC) with +FULLRESYNC and a
// snapshot of its dataset, then keeps the connection as a replica's:
// every write command a client runs successfully afterwards is sent to
// every replica as a RESP array, preceded by SELECT when its database is
// not the last one sent, and so are SCRIPT LOAD and FLUSH (EVALSHA runs
// on the replicas) and PUBLISH; every repl-ping-replica-period it sends
// PING. A command's success is its reply: the request reader
// (requestConn) notes each write command the hook sees and, when the
// command's reply is written, propagates it unless the reply is an error
// (EXEC: unless the transaction was aborted). Blocking pops are
// propagated as the pops they did (BLPOP as LPOP, ...), XADD * with the
// ID it added, SPOP as the SREM of what it popped. WAIT counts the
// replicas that acknowledged the stream up to where it was when WAIT was
// called (not only to the client's last write).
//
// What is left out: partial resynchronization (every sync is a full
// one: PSYNC with a replication ID and offset gets FULLRESYNC too) and
// the backlog; diskless (EOF-marked) payloads; chained replicas (a
// replica does not feed replicas of its own: PSYNC to a replica is
// refused with the reason); min-replicas-to-write. miniredis runs
// commands of different connections under its lock but the reply is
// written after it, so two clients writing the same key at the same
// instant may reach the replicas in the other order than they ran; and a
// write running while a replica's snapshot is taken may reach that
// replica twice. Relative expirations (EXPIRE, SET EX) are sent as they
// were given, so a replica's TTL starts when it applies the command, and
// a replica expires keys by its own clock rather than waiting for the
// master's DEL.

// cmdBind is the internal command the request reader sends first on
// each connection, which ties the connection's miniredis peer to its
// requestConn. Clients cannot call it (it is not registered).
const cmdBind = "WEBERNETES-BIND-CONNECTION"

const errReadOnly = "READONLY You can't write against a read only replica."

// replState is the server's replication: as a replica, its master and
// link; as a master, its replicas.
type replState struct {
	mu         sync.Mutex
	host       string // the master; "" for a master
	port       int
	linkUp     bool
	lastIO     time.Time
	stop       chan struct{} // closed to end the link to the master
	link       net.Conn
	offset     int64 // master_repl_offset
	backlog    bool  // a replica ever connected: the offset counts
	lastDB     int   // the database the stream last selected; -1 none
	replicas   []*replica
	binding    map[string]*requestConn // requestConns waiting for cmdBind
	nextBind   int
	conns      map[*server.Peer]*requestConn
	masterRepl string // the master's replication ID, on a replica
	lastPing   time.Time
}

// replicationCron is a master's PING to its replicas every
// repl-ping-replica-period seconds, which lets them tell a live link
// from a dead one (repl-timeout).
func (s *srv) replicationCron(now time.Time) {
	period := time.Duration(s.cfg.getInt("repl-ping-replica-period")) * time.Second
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if s.repl.host != "" || len(s.repl.replicas) == 0 || now.Sub(s.repl.lastPing) < period {
		return
	}
	s.repl.lastPing = now
	b := encodeRequest([]string{"PING"})
	s.repl.offset += int64(len(b))
	for _, r := range s.repl.replicas {
		s.send(r, b)
	}
}

// replica is a replica connected to this master.
type replica struct {
	rc     *requestConn
	ip     string
	port   int
	out    chan []byte
	online bool
	ack    int64     // the offset of its last REPLCONF ACK
	ackAt  time.Time // when it came
}

// replItem is a write command to propagate and its database.
type replItem struct {
	db   int
	args []string
}

// bindID registers rc for its cmdBind request.
func (s *srv) bindID(rc *requestConn) string {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if s.repl.binding == nil {
		s.repl.binding = map[string]*requestConn{}
	}
	s.repl.nextBind++
	id := strconv.Itoa(s.repl.nextBind)
	s.repl.binding[id] = rc
	return id
}

// bind ties peer c to the requestConn of id.
func (s *srv) bind(c *server.Peer, id string) {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	rc := s.repl.binding[id]
	delete(s.repl.binding, id)
	if rc == nil {
		return
	}
	if s.repl.conns == nil {
		s.repl.conns = map[*server.Peer]*requestConn{}
	}
	s.repl.conns[c] = rc
	c.OnDisconnect(func() {
		s.repl.mu.Lock()
		delete(s.repl.conns, c)
		var lost *replica
		for i, r := range s.repl.replicas {
			if r.rc == rc {
				lost = r
				s.repl.replicas = append(s.repl.replicas[:i:i], s.repl.replicas[i+1:]...)
				break
			}
		}
		s.repl.mu.Unlock()
		if lost != nil {
			close(lost.out)
			s.log.notice("Connection with replica %s lost.", net.JoinHostPort(lost.ip, strconv.Itoa(lost.port)))
		}
	})
}

// connOf is the requestConn of peer c; nil for the connection that
// applies the master's stream.
func (s *srv) connOf(c *server.Peer) *requestConn {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.repl.conns[c]
}

// replicaCount is the number of replicas connected (INFO's clients do
// not count them).
func (s *srv) replicaCount() int {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return len(s.repl.replicas)
}

// staleRefused is whether a replica whose link is down refuses cmd:
// with replica-serve-stale-data no, all but the commands redis flags
// "stale".
func (s *srv) staleRefused(cmd string) bool {
	switch cmd {
	case "AUTH", "HELLO", "PING", "INFO", "ROLE", "CONFIG", "REPLICAOF", "SLAVEOF", "SHUTDOWN", "REPLCONF",
		"SUBSCRIBE", "PSUBSCRIBE", "UNSUBSCRIBE", "PUNSUBSCRIBE", "PUBLISH", "PUBSUB", "COMMAND", "CLIENT",
		"SELECT", "MULTI", "EXEC", "DISCARD", "WATCH", "UNWATCH", "ECHO", "TIME", "QUIT", "LASTSAVE", "WAIT",
		cmdUnknown, cmdProtocolError, cmdBind:
		return false
	}
	s.repl.mu.Lock()
	down := s.repl.host != "" && !s.repl.linkUp
	s.repl.mu.Unlock()
	return down && !s.cfg.getBool("replica-serve-stale-data")
}

// isReplica is whether the server replicates a master.
func (s *srv) isReplica() bool {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	return s.repl.host != ""
}

// replHook is the hook's part for replication: READONLY on a replica,
// and noting the write commands to propagate. done is true when it
// answered the command.
func (s *srv) replHook(c *server.Peer, cmd string, args []string) (done bool) {
	rc := s.connOf(c)
	if rc == nil {
		return false
	}
	if cmd == "WAIT" {
		rc.mu.Lock()
		multi := rc.multi
		rc.mu.Unlock()
		if !multi && s.wait(c, args) {
			return true
		}
	}
	if s.staleRefused(cmd) && s.allowed(c) {
		c.WriteError("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")
		return true
	}
	writes := s.writes(cmd)
	if writes && s.isReplica() && s.cfg.getBool("replica-read-only") && s.allowed(c) {
		rc.mu.Lock()
		if rc.multi {
			rc.abort = true // EXEC fails, as after any refused command
		}
		rc.mu.Unlock()
		c.WriteError(errReadOnly)
		return true
	}
	rc.mu.Lock()
	if cmd == "EXEC" && rc.multi && rc.abort {
		rc.multi, rc.queue, rc.abort = false, nil, false
		rc.mu.Unlock()
		// miniredis's transaction ends as DISCARD ends it (its reply
		// goes nowhere); the client gets redis's EXECABORT.
		discard := server.NewPeer(bufio.NewWriter(io.Discard))
		discard.Ctx = c.Ctx
		s.rs.Dispatch(discard, []string{"DISCARD"})
		c.WriteError("EXECABORT Transaction discarded because of previous errors.")
		return true
	}
	defer rc.mu.Unlock()
	switch cmd {
	case "SELECT":
		if n, err := strconv.Atoi(args[0]); err == nil && n >= 0 && n < int(s.cfg.getInt("databases")) {
			rc.db = n
		}
	case "MULTI":
		if !rc.multi {
			rc.multi, rc.queue, rc.abort = true, nil, false
		}
	case "DISCARD":
		rc.multi, rc.queue, rc.abort = false, nil, false
	case "EXEC":
		if rc.multi && len(rc.queue) > 0 {
			rc.pending, rc.pendingExec = rc.queue, true
		}
		rc.multi, rc.queue = false, nil
	}
	// Besides the writes, what replicas need to run the same: the
	// scripts EVALSHA calls, and messages for their subscribers.
	propagated := writes || cmd == "PUBLISH" ||
		(cmd == "SCRIPT" && len(args) > 0 && (strings.EqualFold(args[0], "LOAD") || strings.EqualFold(args[0], "FLUSH")))
	if propagated {
		item := replItem{db: rc.db, args: append([]string{cmd}, args...)}
		if rc.multi {
			rc.queue = append(rc.queue, item)
		} else {
			rc.pending, rc.pendingExec = []replItem{item}, false
		}
	}
	return false
}

// wait is WAIT numreplicas timeout on a master with replicas: the
// replicas are asked for their offsets (REPLCONF GETACK *), and the
// reply is how many acknowledged the stream up to the offset when WAIT
// was called, once numreplicas did or the timeout (ms; 0: none) passed.
// done is false when miniredis is to answer (no replicas, bad
// arguments).
func (s *srv) wait(c *server.Peer, args []string) (done bool) {
	if len(args) != 2 || !s.allowed(c) {
		return false
	}
	want, err1 := strconv.Atoi(args[0])
	ms, err2 := strconv.Atoi(args[1])
	if err1 != nil || err2 != nil || want < 0 || ms < 0 {
		return false
	}
	s.repl.mu.Lock()
	if s.repl.host != "" || len(s.repl.replicas) == 0 {
		s.repl.mu.Unlock()
		return false
	}
	target := s.repl.offset
	b := encodeRequest([]string{"REPLCONF", "GETACK", "*"})
	s.repl.offset += int64(len(b))
	for _, r := range s.repl.replicas {
		s.send(r, b)
	}
	s.repl.mu.Unlock()
	acked := func() int {
		s.repl.mu.Lock()
		defer s.repl.mu.Unlock()
		n := 0
		for _, r := range s.repl.replicas {
			if r.online && r.ack >= target {
				n++
			}
		}
		return n
	}
	var deadline <-chan time.Time
	if ms > 0 {
		deadline = time.After(time.Duration(ms) * time.Millisecond)
	}
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for {
		n := acked()
		if n >= want {
			c.WriteInt(n)
			return true
		}
		select {
		case <-deadline:
			c.WriteInt(n)
			return true
		case <-s.p.KillContext().Done():
			c.WriteInt(n)
			return true
		case <-tick.C:
		}
	}
}

// replied is called with the first bytes of the reply to the command
// the hook noted (rc.mu held): a reply that is not an error propagates
// the command.
func (c *requestConn) replied(b []byte) {
	items, exec := c.pending, c.pendingExec
	c.pending, c.pendingExec = nil, false
	if len(b) == 0 || b[0] == '-' {
		return
	}
	if exec && (bytes.HasPrefix(b, []byte("*-1")) || b[0] == '_') {
		return // a WATCHed key changed: nothing ran
	}
	if !exec {
		args := forReplicas(items[0].args, b)
		if args == nil {
			return
		}
		items[0].args = args
	}
	c.s.propagate(items, exec)
}

// forReplicas is the command a replica runs for args, given its reply
// b: blocking pops as the pops they did, XADD * with its ID, SPOP as
// SREM. nil: nothing to propagate.
func forReplicas(args []string, b []byte) []string {
	var rep reply
	parsed := false
	parse := func() bool {
		if !parsed {
			r, err := readReply(bufio.NewReader(bytes.NewReader(b)))
			if err != nil {
				return false
			}
			rep, parsed = r, true
		}
		return true
	}
	null := func() bool { return !parse() || rep.kind == '_' }
	switch args[0] {
	case "BLPOP", "BRPOP", "BZPOPMIN", "BZPOPMAX":
		if null() || len(rep.elems) == 0 {
			return nil
		}
		return []string{strings.TrimPrefix(args[0], "B"), rep.elems[0].str}
	case "BRPOPLPUSH":
		if len(args) != 4 || null() {
			return nil
		}
		return []string{"RPOPLPUSH", args[1], args[2]}
	case "BLMOVE":
		if len(args) != 6 || null() {
			return nil
		}
		return append([]string{"LMOVE"}, args[1:5]...)
	case "BLMPOP", "BZMPOP":
		// BLMPOP timeout numkeys key... LEFT|RIGHT [COUNT n]: reply [key, [elements]]
		if null() || len(rep.elems) != 2 || len(args) < 4 {
			return nil
		}
		n, err := strconv.Atoi(args[2])
		if err != nil || 3+n >= len(args) {
			return nil
		}
		count := len(rep.elems[1].elems)
		return []string{strings.TrimPrefix(args[0], "B"), "1", rep.elems[0].str, args[3+n], "COUNT", strconv.Itoa(max(count, 1))}
	case "XADD":
		if !parse() || rep.kind != '$' {
			return nil
		}
		out := append([]string{}, args...)
		for i := 2; i < len(out); i++ {
			if out[i] == "*" {
				out[i] = rep.str
				break
			}
		}
		return out
	case "SPOP":
		if null() || len(args) < 2 {
			return nil
		}
		if rep.kind == '$' {
			return []string{"SREM", args[1], rep.str}
		}
		if len(rep.elems) == 0 {
			return nil
		}
		out := []string{"SREM", args[1]}
		for _, e := range rep.elems {
			out = append(out, e.str)
		}
		return out
	}
	return args
}

// propagate sends items to the replicas (in MULTI ... EXEC when exec).
func (s *srv) propagate(items []replItem, exec bool) {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	if !s.repl.backlog {
		return
	}
	var b bytes.Buffer
	if exec {
		b.Write(encodeRequest([]string{"MULTI"}))
	}
	for _, it := range items {
		if it.db != s.repl.lastDB {
			b.Write(encodeRequest([]string{"SELECT", strconv.Itoa(it.db)}))
			s.repl.lastDB = it.db
		}
		b.Write(encodeRequest(it.args))
	}
	if exec {
		b.Write(encodeRequest([]string{"EXEC"}))
	}
	s.repl.offset += int64(b.Len())
	for _, r := range s.repl.replicas {
		s.send(r, b.Bytes())
	}
}

// send queues b for replica r (s.repl.mu held); a replica that does not
// keep up is disconnected.
func (s *srv) send(r *replica, b []byte) {
	select {
	case r.out <- bytes.Clone(b):
	default:
		s.log.warning("Client %s scheduled to be closed ASAP for overcoming of output buffer limits.", net.JoinHostPort(r.ip, strconv.Itoa(r.port)))
		r.rc.Conn.Close()
	}
}

// cmdReplconf is REPLCONF: OK to all but ACK, which has no reply.
func (s *srv) cmdReplconf(c *server.Peer, _ string, args []string) {
	if !s.check(c) {
		return
	}
	if len(args) == 0 || len(args)%2 != 0 {
		c.WriteError("ERR syntax error")
		return
	}
	switch strings.ToUpper(args[0]) {
	case "ACK", "FACK":
		off, err := strconv.ParseInt(args[1], 10, 64)
		rc := s.connOf(c)
		if err != nil || rc == nil {
			return
		}
		s.repl.mu.Lock()
		for _, r := range s.repl.replicas {
			if r.rc == rc {
				r.ack, r.ackAt = off, time.Now()
			}
		}
		s.repl.mu.Unlock()
		return
	case "LISTENING-PORT":
		if n, err := strconv.Atoi(args[1]); err == nil {
			if rc := s.connOf(c); rc != nil {
				rc.mu.Lock()
				rc.listeningPort = n
				rc.mu.Unlock()
			}
		}
	}
	c.WriteOK()
}

// cmdPsync is PSYNC and SYNC: a full resynchronization, after which the
// connection is a replica's.
func (s *srv) cmdPsync(c *server.Peer, cmd string, args []string) {
	if !s.check(c) {
		return
	}
	if cmd == "PSYNC" && len(args) != 2 {
		wrongArgs(c, "psync")
		return
	}
	rc := s.connOf(c)
	if rc == nil {
		c.WriteError("ERR Replica can't interact with the keyspace")
		return
	}
	if s.isReplica() {
		// A replica does not feed replicas of its own here.
		c.WriteError("ERR this image's redis-server does not serve replicas of a replica (a work-alike of Redis without chained replication)")
		return
	}
	ip, _, _ := net.SplitHostPort(rc.RemoteAddr().String())
	rc.mu.Lock()
	port := rc.listeningPort
	rc.mu.Unlock()
	name := net.JoinHostPort(ip, strconv.Itoa(port))
	s.log.notice("Replica %s asks for synchronization", name)
	if cmd == "PSYNC" && args[0] != "?" {
		s.log.notice("Partial resynchronization not accepted: Replication ID mismatch (Replica asked for '%s', my replication IDs are '%s' and '%s')", args[0], s.currentReplID(), strings.Repeat("0", 40))
	} else if cmd == "PSYNC" {
		s.log.notice("Full resync requested by replica %s", name)
	}
	r := &replica{rc: rc, ip: ip, port: port, out: make(chan []byte, 4096)}
	s.repl.mu.Lock()
	s.repl.backlog = true
	s.repl.lastDB = -1
	offset := s.repl.offset
	s.log.notice("Starting BGSAVE for SYNC with target: disk")
	rdb := encodeRDB(s.m, int(s.cfg.getInt("databases")), time.Now(), s.usedMemory())
	var b bytes.Buffer
	if cmd == "PSYNC" {
		fmt.Fprintf(&b, "+FULLRESYNC %s %d\r\n", s.currentReplID(), offset)
	}
	fmt.Fprintf(&b, "$%d\r\n", len(rdb))
	b.Write(rdb)
	r.out <- b.Bytes()
	s.repl.replicas = append(s.repl.replicas, r)
	s.repl.mu.Unlock()
	go func() {
		first := true
		for msg := range r.out {
			rc.wmu.Lock()
			_, err := rc.Conn.Write(msg)
			rc.wmu.Unlock()
			if err != nil {
				rc.Conn.Close()
				for range r.out {
				}
				return
			}
			if first {
				first = false
				s.repl.mu.Lock()
				r.online = true
				s.repl.mu.Unlock()
				s.log.notice("Synchronization with replica %s succeeded", name)
			}
		}
	}()
}

// cmdReplicaof is REPLICAOF (SLAVEOF) host port and NO ONE.
func (s *srv) cmdReplicaof(c *server.Peer, cmd string, args []string) {
	if len(args) != 2 {
		wrongArgs(c, strings.ToLower(cmd))
		return
	}
	if !s.check(c) {
		return
	}
	from := "?"
	if rc := s.connOf(c); rc != nil {
		from = "addr=" + rc.RemoteAddr().String()
	}
	if strings.EqualFold(args[0], "no") && strings.EqualFold(args[1], "one") {
		if s.isReplica() {
			s.stopReplication()
			s.repl.mu.Lock()
			offset := s.repl.offset
			s.repl.mu.Unlock()
			s.mu.Lock()
			old := s.replID
			s.mu.Unlock()
			s.log.notice("Setting secondary replication ID to %s, valid up to offset: %d. New replication ID is %s", old, offset+1, s.newReplID())
			s.log.notice("MASTER MODE enabled (user request from '%s')", from)
		}
		c.WriteOK()
		return
	}
	port, err := strconv.Atoi(args[1])
	if err != nil || port < 0 || port > 65535 {
		c.WriteError("ERR Invalid master port")
		return
	}
	s.repl.mu.Lock()
	same := s.repl.host == args[0] && s.repl.port == port
	s.repl.mu.Unlock()
	if same {
		s.log.notice("REPLICAOF would result into synchronization with the master we are already connected with. No operation performed.")
		c.WriteInline("OK Already connected to specified master")
		return
	}
	s.startReplication(args[0], port)
	s.log.notice("REPLICAOF %s:%d enabled (user request from '%s')", args[0], port, from)
	c.WriteOK()
}

// newReplID gives the server a new replication ID (a replica that turns
// master) and returns it.
func (s *srv) newReplID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replID = hexID(s.replID+" "+time.Now().String(), 40)
	return s.replID
}

func (s *srv) currentReplID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.replID
}

// startReplication makes the server a replica of host:port.
func (s *srv) startReplication(host string, port int) {
	s.stopReplication()
	stop := make(chan struct{})
	s.repl.mu.Lock()
	s.repl.host, s.repl.port, s.repl.stop, s.repl.linkUp = host, port, stop, false
	// Its own replicas are let go: a replica feeds none.
	for _, r := range s.repl.replicas {
		r.rc.Conn.Close()
	}
	s.repl.mu.Unlock()
	s.cfg.mu.Lock()
	s.cfg.values["replicaof"] = host + " " + strconv.Itoa(port)
	s.cfg.mu.Unlock()
	s.log.setRole('S')
	go s.replicate(host, port, stop)
}

// stopReplication makes a replica a master.
func (s *srv) stopReplication() {
	s.repl.mu.Lock()
	stop, link := s.repl.stop, s.repl.link
	s.repl.host, s.repl.port, s.repl.stop, s.repl.link, s.repl.linkUp = "", 0, nil, nil, false
	s.repl.mu.Unlock()
	if stop != nil {
		close(stop)
	}
	if link != nil {
		link.Close()
	}
	s.cfg.mu.Lock()
	s.cfg.values["replicaof"] = ""
	s.cfg.mu.Unlock()
	s.log.setRole('M')
}

// endReplication closes the link to the master when the server exits.
func (s *srv) endReplication() {
	s.repl.mu.Lock()
	stop, link := s.repl.stop, s.repl.link
	s.repl.stop, s.repl.link, s.repl.linkUp = nil, nil, false
	s.repl.mu.Unlock()
	if stop != nil {
		close(stop)
	}
	if link != nil {
		link.Close()
	}
}

// replicate keeps the link to the master until stop is closed,
// connecting again a second after it fails.
func (s *srv) replicate(host string, port int, stop chan struct{}) {
	ctx, cancel := context.WithCancel(s.p.KillContext())
	defer cancel()
	go func() {
		select {
		case <-stop:
			cancel()
		case <-ctx.Done():
		}
	}()
	for {
		s.syncWithMaster(ctx, host, port, stop)
		select {
		case <-ctx.Done():
			return
		case <-time.After(time.Second):
		}
		s.mu.Lock()
		closed := s.closed
		s.mu.Unlock()
		if closed {
			return
		}
	}
}

// syncWithMaster connects to the master, synchronizes and applies its
// stream until the link fails.
func (s *srv) syncWithMaster(ctx context.Context, host string, port int, stop chan struct{}) {
	master := net.JoinHostPort(host, strconv.Itoa(port))
	s.log.notice("Connecting to MASTER %s", master)
	s.log.notice("MASTER <-> REPLICA sync started")
	addr := host
	if net.ParseIP(host) == nil {
		addrs, err := s.p.Net.LookupHost(ctx, host)
		if err != nil || len(addrs) == 0 {
			s.log.warning("Unable to connect to MASTER: Name or service not known")
			return
		}
		addr = addrs[0]
	}
	conn, err := s.p.Net.Dial(ctx, "tcp", net.JoinHostPort(addr, strconv.Itoa(port)))
	if err != nil {
		if ctx.Err() == nil {
			s.log.warning("Error condition on socket for SYNC: %s", dialErrorText(err))
		}
		return
	}
	defer conn.Close()
	s.repl.mu.Lock()
	if s.repl.stop != stop {
		s.repl.mu.Unlock()
		return
	}
	s.repl.link = conn
	s.repl.mu.Unlock()
	s.log.notice("Non blocking connect for SYNC fired the event.")
	r := bufio.NewReader(conn)
	do := func(args ...string) (reply, error) {
		if _, err := conn.Write(encodeRequest(args)); err != nil {
			return reply{}, err
		}
		return readReply(r)
	}
	lost := func(err error) {
		if ctx.Err() == nil {
			s.log.warning("Master is currently unable to PSYNC but should be in the future: %s", readErrorText(err))
		}
	}
	rep, err := do("PING")
	if err != nil {
		lost(err)
		return
	}
	if rep.kind == '-' && !strings.HasPrefix(rep.str, "NOAUTH") {
		s.log.warning("Error reply to PING from master: '%s'", rep.str)
		return
	}
	s.log.notice("Master replied to PING, replication can continue...")
	if pw := s.cfg.get("masterauth"); pw != "" {
		rep, err := do("AUTH", pw)
		if err != nil {
			lost(err)
			return
		}
		if rep.kind == '-' {
			s.log.warning("Unable to AUTH to MASTER: -%s", rep.str)
			return
		}
	}
	s.mu.Lock()
	myPort := s.port
	s.mu.Unlock()
	for _, args := range [][]string{{"REPLCONF", "listening-port", strconv.Itoa(myPort)}, {"REPLCONF", "capa", "eof", "capa", "psync2"}} {
		if rep, err := do(args...); err != nil {
			lost(err)
			return
		} else if rep.kind == '-' {
			s.log.notice("(Non critical) Master does not understand REPLCONF %s: -%s", args[1], rep.str)
		}
	}
	s.log.notice("Partial resynchronization not possible (no cached master)")
	if _, err := conn.Write(encodeRequest([]string{"PSYNC", "?", "-1"})); err != nil {
		lost(err)
		return
	}
	line, err := readLine(r)
	if err != nil {
		lost(err)
		return
	}
	f := strings.Fields(line)
	if len(f) != 3 || f[0] != "+FULLRESYNC" {
		s.log.warning("Unexpected reply to PSYNC from master: %s", line)
		return
	}
	offset, _ := strconv.ParseInt(f[2], 10, 64)
	s.log.notice("Full resync from master: %s:%d", f[1], offset)
	var size int
	for {
		line, err := readLine(r)
		if err != nil {
			s.log.warning("I/O error reading bulk count from MASTER: %s", readErrorText(err))
			return
		}
		if line == "" {
			continue // the master's keepalive newlines
		}
		if line[0] == '-' {
			s.log.warning("MASTER aborted replication with an error: %s", line[1:])
			return
		}
		if line[0] != '$' || strings.HasPrefix(line, "$EOF:") {
			s.log.warning("Bad protocol from MASTER, the first byte is not '$' (we received '%s'), are you sure the host and port are right?", line)
			return
		}
		if size, err = strconv.Atoi(line[1:]); err != nil || size < 0 {
			s.log.warning("Bad protocol from MASTER: %s", line)
			return
		}
		break
	}
	s.log.notice("MASTER <-> REPLICA sync: receiving %d bytes from master to disk", size)
	data := make([]byte, size)
	if _, err := io.ReadFull(r, data); err != nil {
		s.log.warning("I/O error trying to sync with MASTER: %s", readErrorText(err))
		return
	}
	s.log.notice("MASTER <-> REPLICA sync: Flushing old data")
	s.m.FlushAll()
	s.log.notice("MASTER <-> REPLICA sync: Loading DB in memory")
	started := time.Now()
	info, err := decodeRDB(data, s.m, started, func(i rdbInfo) {
		if i.version != "" {
			s.log.notice("Loading RDB produced by version %s", i.version)
		}
		if i.ctime > 0 {
			s.log.notice("RDB age %d seconds", int64(started.Sub(time.Unix(i.ctime, 0)).Seconds()))
		}
	})
	if err != nil {
		s.log.warning("Failed trying to load the MASTER synchronization DB from socket, check server logs.")
		return
	}
	s.log.notice("Done loading RDB, keys loaded: %d, keys expired: %d.", info.loaded, info.expired)
	s.log.notice("MASTER <-> REPLICA sync: Finished with success")

	// The master's stream, applied through a connection of our own.
	local, remote := net.Pipe()
	s.rs.ServeConn(remote)
	defer local.Close()
	go io.Copy(io.Discard, local)
	if pw := s.cfg.get("requirepass"); pw != "" {
		if _, err := local.Write(encodeRequest([]string{"AUTH", pw})); err != nil {
			return
		}
	}
	s.repl.mu.Lock()
	if s.repl.stop != stop {
		s.repl.mu.Unlock()
		return
	}
	s.repl.linkUp, s.repl.lastIO, s.repl.masterRepl, s.repl.offset = true, time.Now(), f[1], offset
	s.repl.mu.Unlock()
	defer func() {
		s.repl.mu.Lock()
		if s.repl.stop == stop {
			s.repl.linkUp = false
		}
		s.repl.mu.Unlock()
	}()
	// REPLCONF ACK <offset> every second, as replicaCron sends it.
	var wmu sync.Mutex
	ack := func() {
		s.repl.mu.Lock()
		off := s.repl.offset
		s.repl.mu.Unlock()
		wmu.Lock()
		conn.Write(encodeRequest([]string{"REPLCONF", "ACK", strconv.FormatInt(off, 10)}))
		wmu.Unlock()
	}
	acking := make(chan struct{})
	defer close(acking)
	go func() {
		tick := time.NewTicker(time.Second)
		defer tick.Stop()
		for {
			select {
			case <-acking:
				return
			case <-tick.C:
				ack()
			}
		}
	}()
	ack()
	timeout := time.Duration(s.cfg.getInt("repl-timeout")) * time.Second
	for {
		conn.SetReadDeadline(time.Now().Add(timeout))
		rep, err := readReply(r)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			s.log.warning("MASTER timeout: no data nor PING received...")
			return
		}
		if err != nil {
			if ctx.Err() == nil {
				s.log.notice("Connection with master lost.")
				s.log.notice("Caching the disconnected master state.")
			}
			return
		}
		if rep.kind != '*' || len(rep.elems) == 0 {
			continue
		}
		args := make([]string, len(rep.elems))
		for i, e := range rep.elems {
			args[i] = e.str
		}
		n := int64(len(encodeRequest(args)))
		s.repl.mu.Lock()
		s.repl.lastIO = time.Now()
		s.repl.mu.Unlock()
		switch strings.ToUpper(args[0]) {
		case "PING":
		case "REPLCONF":
			if len(args) > 1 && strings.EqualFold(args[1], "GETACK") {
				go ack() // the offset before this command, as redis's
			}
		default:
			if _, err := local.Write(encodeRequest(args)); err != nil {
				return
			}
		}
		// The offset counts what was applied.
		s.repl.mu.Lock()
		s.repl.offset += n
		s.repl.mu.Unlock()
	}
}

// readLine reads a line without its \r\n.
func readLine(r *bufio.Reader) (string, error) {
	line, err := r.ReadString('\n')
	if err != nil {
		if err == io.EOF && line != "" {
			err = io.ErrUnexpectedEOF
		}
		return "", err
	}
	return strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r"), nil
}

// cmdRole is ROLE: a master's replicas, or a replica's master and link.
func (s *srv) cmdRole(c *server.Peer, _ string, args []string) {
	if len(args) != 0 {
		wrongArgs(c, "role")
		return
	}
	if !s.check(c) {
		return
	}
	s.repl.mu.Lock()
	host, port, up, offset := s.repl.host, s.repl.port, s.repl.linkUp, s.repl.offset
	var reps [][3]string
	for _, r := range s.repl.replicas {
		if r.online {
			reps = append(reps, [3]string{r.ip, strconv.Itoa(r.port), strconv.FormatInt(r.ack, 10)})
		}
	}
	s.repl.mu.Unlock()
	c.Block(func(w *server.Writer) {
		if host != "" {
			state := "connect"
			if up {
				state = "connected"
			}
			w.WriteLen(5)
			w.WriteBulk("slave")
			w.WriteBulk(host)
			w.WriteInt(port)
			w.WriteBulk(state)
			w.WriteInt(int(offset))
			return
		}
		w.WriteLen(3)
		w.WriteBulk("master")
		w.WriteInt(int(offset))
		w.WriteLen(len(reps))
		for _, r := range reps {
			w.WriteLen(3)
			w.WriteBulk(r[0])
			w.WriteBulk(r[1])
			w.WriteBulk(r[2])
		}
	})
}

// replicationInfo is INFO's Replication section.
func (s *srv) replicationInfo() [][2]string {
	s.repl.mu.Lock()
	defer s.repl.mu.Unlock()
	off := strconv.FormatInt(s.repl.offset, 10)
	var f [][2]string
	if s.repl.host != "" {
		status, lastIO := "down", "-1"
		if s.repl.linkUp {
			status = "up"
			lastIO = strconv.Itoa(int(time.Since(s.repl.lastIO).Seconds()))
		}
		f = append(f, [][2]string{
			{"role", "slave"},
			{"master_host", s.repl.host},
			{"master_port", strconv.Itoa(s.repl.port)},
			{"master_link_status", status},
			{"master_last_io_seconds_ago", lastIO},
			{"master_sync_in_progress", "0"},
			{"slave_read_repl_offset", off},
			{"slave_repl_offset", off},
			{"slave_priority", s.cfg.get("replica-priority")},
			{"slave_read_only", boolInt(s.cfg.getBool("replica-read-only"))},
			{"replica_announced", "1"},
			{"connected_slaves", "0"},
		}...)
	} else {
		f = append(f, [2]string{"role", "master"})
		var online []*replica
		for _, r := range s.repl.replicas {
			if r.online {
				online = append(online, r)
			}
		}
		f = append(f, [2]string{"connected_slaves", strconv.Itoa(len(online))})
		for i, r := range online {
			lag := int64(0)
			if !r.ackAt.IsZero() {
				lag = int64(time.Since(r.ackAt).Seconds())
			}
			f = append(f, [2]string{fmt.Sprintf("slave%d", i), fmt.Sprintf("ip=%s,port=%d,state=online,offset=%d,lag=%d", r.ip, r.port, r.ack, lag)})
		}
	}
	replID := s.currentReplID()
	if s.repl.host != "" && s.repl.masterRepl != "" {
		replID = s.repl.masterRepl
	}
	backlog := "0"
	if s.repl.backlog || s.repl.host != "" {
		backlog = "1"
	}
	return append(f, [][2]string{
		{"master_failover_state", "no-failover"},
		{"master_replid", replID},
		{"master_replid2", strings.Repeat("0", 40)},
		{"master_repl_offset", off},
		{"second_repl_offset", "-1"},
		{"repl_backlog_active", backlog},
		{"repl_backlog_size", s.cfg.get("repl-backlog-size")},
		{"repl_backlog_first_byte_offset", map[bool]string{true: "1", false: "0"}[backlog == "1"]},
		{"repl_backlog_histlen", off},
	}...)
}

var errNotReplicaof = errors.New("not replicaof")

// parseReplicaof reads the replicaof value "host port".
func parseReplicaof(v string) (host string, port int, err error) {
	f := strings.Fields(v)
	if len(f) != 2 {
		return "", 0, errNotReplicaof
	}
	port, err = strconv.Atoi(f[1])
	if err != nil {
		return "", 0, err
	}
	return f[0], port, nil
}
