package redis

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"
	"sync"
)

// Internal commands the request reader rewrites requests into; clients
// cannot call them (their names resolve as unknown).
const (
	cmdUnknown       = "WEBERNETES-UNKNOWN-COMMAND"
	cmdProtocolError = "WEBERNETES-PROTOCOL-ERROR"
)

// Limits of redis's request parsing.
const (
	maxInlineSize = 64 * 1024
	maxMultibulk  = 1024 * 1024
	maxBulkLength = 512 * 1024 * 1024
)

// requestConn is an accepted connection as miniredis reads it: each
// request parsed as redis parses it (multibulk, or an inline command,
// which miniredis does not read) and handed on as a multibulk, with the
// command renamed (rename-command) or, when the server has no such
// command, rewritten into cmdUnknown with the name as the client sent it
// (miniredis's hook sees it upper-cased, and redis's error quotes it as
// sent). A malformed request becomes cmdProtocolError, which answers
// redis's error and closes the connection.
type requestConn struct {
	net.Conn
	s   *srv
	r   *bufio.Reader
	out []byte
	eof bool // a protocol error was handed on: nothing more is read

	// Replication (replication.go): the state the hook keeps of the
	// connection's write commands, under mu; wmu orders the writes to
	// the connection (replies, and a replica's stream).
	mu            sync.Mutex
	wmu           sync.Mutex
	db            int        // the selected database
	multi         bool       // in MULTI
	abort         bool       // a write in MULTI was refused (READONLY)
	queue         []replItem // the write commands MULTI queued
	pending       []replItem // to propagate when the reply is not an error
	pendingExec   bool       // pending is a transaction's
	listeningPort int        // REPLCONF listening-port
}

func newRequestConn(c net.Conn, s *srv) *requestConn {
	rc := &requestConn{Conn: c, s: s, r: bufio.NewReader(c)}
	// The first request ties the connection's peer to it.
	rc.out = encodeRequest([]string{cmdBind, s.bindID(rc)})
	return rc
}

// Write writes a reply; the first bytes of the reply to a write command
// decide whether it is propagated to the replicas.
func (c *requestConn) Write(b []byte) (int, error) {
	c.mu.Lock()
	if c.pending != nil {
		c.replied(b)
	}
	c.mu.Unlock()
	c.wmu.Lock()
	defer c.wmu.Unlock()
	return c.Conn.Write(b)
}

func (c *requestConn) Read(b []byte) (int, error) {
	for len(c.out) == 0 {
		if c.eof {
			return 0, io.EOF
		}
		args, err := c.next()
		if perr, ok := err.(protocolError); ok {
			c.eof = true
			c.out = encodeRequest([]string{cmdProtocolError, string(perr)})
			break
		}
		if err != nil {
			return 0, err
		}
		if len(args) == 0 {
			continue
		}
		c.out = encodeRequest(c.s.resolve(args))
	}
	n := copy(b, c.out)
	c.out = c.out[n:]
	return n, nil
}

type protocolError string

func (e protocolError) Error() string { return string(e) }

// next reads a request's arguments; nil for an empty one.
func (c *requestConn) next() ([]string, error) {
	first, err := c.r.Peek(1)
	if err != nil {
		return nil, err
	}
	if first[0] != '*' {
		line, err := c.line(maxInlineSize, "too big inline request")
		if err != nil {
			return nil, err
		}
		args, ok := splitArgs(line)
		if !ok {
			return nil, protocolError("unbalanced quotes in request")
		}
		return args, nil
	}
	line, err := c.line(maxInlineSize, "too big mbulk count string")
	if err != nil {
		return nil, err
	}
	n, err := strconv.Atoi(line[1:])
	if err != nil || n > maxMultibulk {
		return nil, protocolError("invalid multibulk length")
	}
	args := make([]string, 0, max(n, 0))
	for range n {
		line, err := c.line(maxInlineSize, "too big bulk count string")
		if err != nil {
			return nil, err
		}
		if line == "" || line[0] != '$' {
			got := byte(0)
			if line != "" {
				got = line[0]
			}
			return nil, protocolError(fmt.Sprintf("expected '$', got '%c'", got))
		}
		l, err := strconv.Atoi(line[1:])
		if err != nil || l < 0 || l > maxBulkLength {
			return nil, protocolError("invalid bulk length")
		}
		buf := make([]byte, l+2)
		if _, err := io.ReadFull(c.r, buf); err != nil {
			return nil, err
		}
		args = append(args, string(buf[:l]))
	}
	return args, nil
}

// line reads a line without its \r\n.
func (c *requestConn) line(limit int, tooBig string) (string, error) {
	var b []byte
	for {
		chunk, err := c.r.ReadSlice('\n')
		b = append(b, chunk...)
		if len(b) > limit {
			return "", protocolError(tooBig)
		}
		if err == bufio.ErrBufferFull {
			continue
		}
		if err != nil {
			return "", err
		}
		return strings.TrimSuffix(strings.TrimSuffix(string(b), "\n"), "\r"), nil
	}
}

// encodeRequest is args as a RESP multibulk.
func encodeRequest(args []string) []byte {
	var b strings.Builder
	fmt.Fprintf(&b, "*%d\r\n", len(args))
	for _, a := range args {
		fmt.Fprintf(&b, "$%d\r\n%s\r\n", len(a), a)
	}
	return []byte(b.String())
}

// resolve applies rename-command and rewrites a command the server does
// not have into cmdUnknown.
func (s *srv) resolve(args []string) []string {
	name := strings.ToUpper(args[0])
	if old, ok := s.renamedTo[name]; ok {
		return append([]string{old}, args[1:]...)
	}
	_, renamed := s.cfg.renames[name]
	if !renamed && name != cmdUnknown && name != cmdProtocolError && s.rs.IsRegisteredCommand(name) {
		return args
	}
	return append([]string{cmdUnknown}, args...)
}
