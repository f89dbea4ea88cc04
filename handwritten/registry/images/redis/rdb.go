package redis

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"path"
	"slices"
	"strconv"
	"time"

	"github.com/alicebob/miniredis/v2"

	"github.com/webernetes/webernetes/handwritten/registry"
)

// The RDB file format (version 12, Redis 7.4 and 8): what redis-server
// writes on SAVE, BGSAVE, the save points and shutdown, and loads at
// start. Values are written in the plain encodings every Redis loads
// (strings, linked lists, hash tables, sorted sets with binary scores);
// streams, HyperLogLogs and hash field TTLs are not written. A file
// another Redis wrote in the compact (listpack, intset) encodings does
// not load here.
const rdbVersion = 12

const (
	rdbOpAux          = 0xfa
	rdbOpResizeDB     = 0xfb
	rdbOpExpireTimeMS = 0xfc
	rdbOpExpireTime   = 0xfd
	rdbOpSelectDB     = 0xfe
	rdbOpEOF          = 0xff

	rdbTypeString = 0
	rdbTypeList   = 1
	rdbTypeSet    = 2
	rdbTypeZset   = 3
	rdbTypeHash   = 4
	rdbTypeZset2  = 5
)

// rdbPath is where the snapshot is: dir/dbfilename.
func (s *srv) rdbPath() string {
	return path.Join(s.cfg.get("dir"), s.cfg.get("dbfilename"))
}

// save writes the snapshot (rdbSave), logging as redis does.
func (s *srv) save() error {
	s.mu.Lock()
	dirty := s.dirty
	s.mu.Unlock()
	started := time.Now()
	if err := s.writeRDB(); err != nil {
		s.log.warning("Failed opening the temp RDB file temp-%d.rdb (in server root dir %s) for saving: %s", pid, s.cfg.get("dir"), registry.Strerror(err))
		s.mu.Lock()
		s.lastSaveOK = false
		s.mu.Unlock()
		return err
	}
	s.log.notice("DB saved on disk")
	s.mu.Lock()
	s.dirty -= dirty
	s.lastSave, s.lastSaveOK = started, true
	s.mu.Unlock()
	return nil
}

// bgsave is BGSAVE: the snapshot written by a child process (a
// goroutine here, with a child's pid in its log lines).
func (s *srv) bgsave() bool {
	s.mu.Lock()
	if s.bgsaving || s.closed {
		s.mu.Unlock()
		return false
	}
	s.bgsaving = true
	if s.nextChild == 0 {
		s.nextChild = 20
	}
	child := s.nextChild
	s.nextChild++
	dirty := s.dirty
	s.mu.Unlock()
	started := time.Now()
	s.log.notice("Background saving started by pid %d", child)
	go func() {
		err := s.writeRDB()
		if err != nil {
			s.log.logAs(child, 'C', levelWarning, "Failed opening the temp RDB file temp-%d.rdb (in server root dir %s) for saving: %s", child, s.cfg.get("dir"), registry.Strerror(err))
		} else {
			s.log.logAs(child, 'C', levelNotice, "DB saved on disk")
			s.log.logAs(child, 'C', levelNotice, "Fork CoW for RDB: current 0 MB, peak 0 MB, average 0 MB")
		}
		s.mu.Lock()
		s.bgsaving = false
		s.lastBgsave = time.Now()
		if err == nil {
			s.dirty -= dirty
			s.lastSave, s.lastSaveOK = started, true
		} else {
			s.lastSaveOK = false
		}
		s.mu.Unlock()
		if err == nil {
			s.log.notice("Background saving terminated with success")
		} else {
			s.log.warning("Background saving error")
		}
	}()
	return true
}

// writeRDB writes the dataset to rdbPath.
func (s *srv) writeRDB() error {
	if s.p.FS == nil {
		return registry.EROFS
	}
	data := encodeRDB(s.m, int(s.cfg.getInt("databases")), time.Now(), s.usedMemory())
	return s.p.FS.WriteFile(s.rdbPath(), data, 0o600)
}

// loadRDB loads rdbPath at start (loadDataFromDisk). ok is false when
// the file cannot be loaded: redis-server exits.
func (s *srv) loadRDB() (ok bool) {
	if s.p.FS == nil {
		return true
	}
	data, err := s.p.FS.ReadFile(s.rdbPath())
	if errors.Is(err, fs.ErrNotExist) {
		return true
	}
	if err != nil {
		s.log.warning("Fatal error loading the DB, check server logs. Exiting.")
		return false
	}
	started := time.Now()
	info, err := decodeRDB(data, s.m, started, func(i rdbInfo) {
		if i.version != "" {
			s.log.notice("Loading RDB produced by version %s", i.version)
		}
		if i.ctime > 0 {
			s.log.notice("RDB age %d seconds", int64(started.Sub(time.Unix(i.ctime, 0)).Seconds()))
		}
		if i.usedMem > 0 {
			s.log.notice("RDB memory usage when created %.2f Mb", float64(i.usedMem)/(1024*1024))
		}
	})
	var sum *checksumError
	switch {
	case errors.As(err, &sum):
		s.log.warning("Wrong RDB checksum expected: (%x) got (%x). Aborting now.", sum.expected, sum.got)
		return false
	case err != nil:
		s.log.warning("Short read or OOM loading DB. Unrecoverable error, aborting now.")
		return false
	}
	s.log.notice("Done loading RDB, keys loaded: %d, keys expired: %d.", info.loaded, info.expired)
	s.log.notice("DB loaded from disk: %.3f seconds", time.Since(started).Seconds())
	return true
}

// encodeRDB is the dataset as an RDB file.
func encodeRDB(m *miniredis.Miniredis, databases int, now time.Time, usedMem int64) []byte {
	w := &rdbWriter{}
	w.buf.WriteString(fmt.Sprintf("REDIS%04d", rdbVersion))
	w.aux("redis-ver", Version)
	w.auxInt("redis-bits", 64)
	w.auxInt("ctime", now.Unix())
	w.auxInt("used-mem", usedMem)
	w.auxInt("aof-base", 0)
	for i := range databases {
		db := m.DB(i)
		keys := db.Keys()
		if len(keys) == 0 {
			continue
		}
		type entry struct {
			key      string
			typ      string
			expireAt int64 // ms, or 0
		}
		var entries []entry
		expires := 0
		for _, k := range keys {
			typ := db.Type(k)
			if typ != "string" && typ != "list" && typ != "set" && typ != "hash" && typ != "zset" {
				continue // streams and HyperLogLogs are not written
			}
			e := entry{key: k, typ: typ}
			if ttl := db.TTL(k); ttl > 0 {
				e.expireAt = now.Add(ttl).UnixMilli()
				expires++
			}
			entries = append(entries, e)
		}
		if len(entries) == 0 {
			continue
		}
		w.buf.WriteByte(rdbOpSelectDB)
		w.length(uint64(i))
		w.buf.WriteByte(rdbOpResizeDB)
		w.length(uint64(len(entries)))
		w.length(uint64(expires))
		for _, e := range entries {
			if e.expireAt > 0 {
				w.buf.WriteByte(rdbOpExpireTimeMS)
				binary.Write(&w.buf, binary.LittleEndian, e.expireAt)
			}
			switch e.typ {
			case "string":
				v, _ := db.Get(e.key)
				w.buf.WriteByte(rdbTypeString)
				w.str(e.key)
				w.str(v)
			case "list":
				l, _ := db.List(e.key)
				w.buf.WriteByte(rdbTypeList)
				w.str(e.key)
				w.strs(l)
			case "set":
				members, _ := db.Members(e.key)
				w.buf.WriteByte(rdbTypeSet)
				w.str(e.key)
				w.strs(members)
			case "hash":
				fields, _ := db.HKeys(e.key)
				w.buf.WriteByte(rdbTypeHash)
				w.str(e.key)
				w.length(uint64(len(fields)))
				for _, f := range fields {
					w.str(f)
					w.str(db.HGet(e.key, f))
				}
			case "zset":
				set, _ := db.SortedSet(e.key)
				members := make([]string, 0, len(set))
				for m := range set {
					members = append(members, m)
				}
				slices.Sort(members)
				w.buf.WriteByte(rdbTypeZset2)
				w.str(e.key)
				w.length(uint64(len(members)))
				for _, m := range members {
					w.str(m)
					binary.Write(&w.buf, binary.LittleEndian, math.Float64bits(set[m]))
				}
			}
		}
	}
	w.buf.WriteByte(rdbOpEOF)
	sum := crc64(0, w.buf.Bytes())
	binary.Write(&w.buf, binary.LittleEndian, sum)
	return w.buf.Bytes()
}

type rdbWriter struct{ buf bytes.Buffer }

// length writes an RDB length: 6, 14, 32 or 64 bits.
func (w *rdbWriter) length(n uint64) {
	switch {
	case n < 1<<6:
		w.buf.WriteByte(byte(n))
	case n < 1<<14:
		w.buf.WriteByte(byte(n>>8) | 0x40)
		w.buf.WriteByte(byte(n))
	case n <= math.MaxUint32:
		w.buf.WriteByte(0x80)
		binary.Write(&w.buf, binary.BigEndian, uint32(n))
	default:
		w.buf.WriteByte(0x81)
		binary.Write(&w.buf, binary.BigEndian, n)
	}
}

func (w *rdbWriter) str(s string) {
	w.length(uint64(len(s)))
	w.buf.WriteString(s)
}

// strs writes a length and as many strings: a list's or a set's
// elements (rdbReader.strs reads them).
func (w *rdbWriter) strs(values []string) {
	w.length(uint64(len(values)))
	for _, v := range values {
		w.str(v)
	}
}

// intStr writes an integer in the string encodings for integers.
func (w *rdbWriter) intStr(n int64) {
	switch {
	case n >= math.MinInt8 && n <= math.MaxInt8:
		w.buf.WriteByte(0xc0)
		w.buf.WriteByte(byte(int8(n)))
	case n >= math.MinInt16 && n <= math.MaxInt16:
		w.buf.WriteByte(0xc1)
		binary.Write(&w.buf, binary.LittleEndian, int16(n))
	case n >= math.MinInt32 && n <= math.MaxInt32:
		w.buf.WriteByte(0xc2)
		binary.Write(&w.buf, binary.LittleEndian, int32(n))
	default:
		w.str(strconv.FormatInt(n, 10))
	}
}

func (w *rdbWriter) aux(key, value string) {
	w.buf.WriteByte(rdbOpAux)
	w.str(key)
	w.str(value)
}

func (w *rdbWriter) auxInt(key string, value int64) {
	w.buf.WriteByte(rdbOpAux)
	w.str(key)
	w.intStr(value)
}

// rdbInfo is what loading a file found.
type rdbInfo struct {
	version         string // redis-ver
	ctime, usedMem  int64
	loaded, expired int
}

type checksumError struct{ expected, got uint64 }

func (e *checksumError) Error() string { return "RDB CRC error" }

var errShortRead = errors.New("short read")

// decodeRDB loads an RDB file into m. aux is called with the file's
// auxiliary fields before its first key.
func decodeRDB(data []byte, m *miniredis.Miniredis, now time.Time, aux func(rdbInfo)) (rdbInfo, error) {
	var info rdbInfo
	r := &rdbReader{b: data}
	magic, err := r.bytes(9)
	if err != nil || string(magic[:5]) != "REDIS" {
		return info, errShortRead
	}
	version, _ := strconv.Atoi(string(magic[5:]))
	auxDone := false
	db := m.DB(0)
	var expireAt int64 // ms, for the next key
	for {
		op, err := r.byte()
		if err != nil {
			return info, err
		}
		if op != rdbOpAux && !auxDone {
			auxDone = true
			aux(info)
		}
		switch op {
		case rdbOpEOF:
			if version >= 5 && len(r.b)-r.off >= 8 {
				got := binary.LittleEndian.Uint64(r.b[r.off:])
				if got != 0 {
					if want := crc64(0, r.b[:r.off]); want != got {
						return info, &checksumError{expected: want, got: got}
					}
				}
			}
			return info, nil
		case rdbOpAux:
			k, err1 := r.str()
			v, err2 := r.str()
			if err := errors.Join(err1, err2); err != nil {
				return info, err
			}
			switch k {
			case "redis-ver":
				info.version = v
			case "ctime":
				info.ctime, _ = strconv.ParseInt(v, 10, 64)
			case "used-mem":
				info.usedMem, _ = strconv.ParseInt(v, 10, 64)
			}
			continue
		case rdbOpSelectDB:
			n, _, err := r.length()
			if err != nil {
				return info, err
			}
			db = m.DB(int(n))
			continue
		case rdbOpResizeDB:
			if _, _, err := r.length(); err != nil {
				return info, err
			}
			if _, _, err := r.length(); err != nil {
				return info, err
			}
			continue
		case rdbOpExpireTimeMS:
			b, err := r.bytes(8)
			if err != nil {
				return info, err
			}
			expireAt = int64(binary.LittleEndian.Uint64(b))
			continue
		case rdbOpExpireTime:
			b, err := r.bytes(4)
			if err != nil {
				return info, err
			}
			expireAt = int64(binary.LittleEndian.Uint32(b)) * 1000
			continue
		}
		key, err := r.str()
		if err != nil {
			return info, err
		}
		load, err := r.value(op)
		if err != nil {
			return info, err
		}
		at := expireAt
		expireAt = 0
		if at > 0 && at <= now.UnixMilli() {
			info.expired++
			continue
		}
		load(db, key)
		if at > 0 {
			db.SetTTL(key, time.Duration(at-now.UnixMilli())*time.Millisecond)
		}
		info.loaded++
	}
}

type rdbReader struct {
	b   []byte
	off int
}

func (r *rdbReader) byte() (byte, error) {
	if r.off >= len(r.b) {
		return 0, errShortRead
	}
	r.off++
	return r.b[r.off-1], nil
}

func (r *rdbReader) bytes(n int) ([]byte, error) {
	if n < 0 || r.off+n > len(r.b) {
		return nil, errShortRead
	}
	r.off += n
	return r.b[r.off-n : r.off], nil
}

// length reads an RDB length; encoded is set for the special string
// encodings, whose type it returns.
func (r *rdbReader) length() (n uint64, encoded bool, err error) {
	c, err := r.byte()
	if err != nil {
		return 0, false, err
	}
	switch c >> 6 {
	case 0:
		return uint64(c & 0x3f), false, nil
	case 1:
		d, err := r.byte()
		return uint64(c&0x3f)<<8 | uint64(d), false, err
	case 3:
		return uint64(c & 0x3f), true, nil
	}
	switch c {
	case 0x80:
		b, err := r.bytes(4)
		if err != nil {
			return 0, false, err
		}
		return uint64(binary.BigEndian.Uint32(b)), false, nil
	case 0x81:
		b, err := r.bytes(8)
		if err != nil {
			return 0, false, err
		}
		return binary.BigEndian.Uint64(b), false, nil
	}
	return 0, false, errShortRead
}

// str reads a string in any of its encodings: plain, integer, LZF.
func (r *rdbReader) str() (string, error) {
	n, encoded, err := r.length()
	if err != nil {
		return "", err
	}
	if !encoded {
		b, err := r.bytes(int(n))
		return string(b), err
	}
	switch n {
	case 0:
		b, err := r.bytes(1)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(int(int8(b[0]))), nil
	case 1:
		b, err := r.bytes(2)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(int(int16(binary.LittleEndian.Uint16(b)))), nil
	case 2:
		b, err := r.bytes(4)
		if err != nil {
			return "", err
		}
		return strconv.Itoa(int(int32(binary.LittleEndian.Uint32(b)))), nil
	case 3:
		clen, _, err1 := r.length()
		ulen, _, err2 := r.length()
		if err := errors.Join(err1, err2); err != nil {
			return "", err
		}
		c, err := r.bytes(int(clen))
		if err != nil {
			return "", err
		}
		return lzfDecompress(c, int(ulen))
	}
	return "", errShortRead
}

// value reads a value of type t and returns how to store it.
func (r *rdbReader) value(t byte) (func(db *miniredis.RedisDB, key string), error) {
	switch t {
	case rdbTypeString:
		v, err := r.str()
		return func(db *miniredis.RedisDB, key string) { db.Set(key, v) }, err
	case rdbTypeList, rdbTypeSet:
		items, err := r.strs(1)
		if t == rdbTypeList {
			return func(db *miniredis.RedisDB, key string) { db.Push(key, items...) }, err
		}
		return func(db *miniredis.RedisDB, key string) { db.SetAdd(key, items...) }, err
	case rdbTypeHash:
		fv, err := r.strs(2)
		return func(db *miniredis.RedisDB, key string) { db.HSet(key, fv...) }, err
	case rdbTypeZset, rdbTypeZset2:
		n, _, err := r.length()
		if err != nil {
			return nil, err
		}
		members := make([]string, n)
		scores := make([]float64, n)
		for i := range members {
			if members[i], err = r.str(); err != nil {
				return nil, err
			}
			if t == rdbTypeZset2 {
				b, err := r.bytes(8)
				if err != nil {
					return nil, err
				}
				scores[i] = math.Float64frombits(binary.LittleEndian.Uint64(b))
				continue
			}
			l, err := r.byte()
			if err != nil {
				return nil, err
			}
			switch l {
			case 253:
				scores[i] = math.NaN()
			case 254:
				scores[i] = math.Inf(1)
			case 255:
				scores[i] = math.Inf(-1)
			default:
				b, err := r.bytes(int(l))
				if err != nil {
					return nil, err
				}
				scores[i], _ = strconv.ParseFloat(string(b), 64)
			}
		}
		return func(db *miniredis.RedisDB, key string) {
			for i, m := range members {
				db.ZAdd(key, scores[i], m)
			}
		}, nil
	}
	return nil, fmt.Errorf("unknown RDB encoding type %d", t)
}

// strs reads a length and length*per strings.
func (r *rdbReader) strs(per int) ([]string, error) {
	n, _, err := r.length()
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, int(n)*per)
	for range int(n) * per {
		s, err := r.str()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// lzfDecompress is liblzf's lzf_decompress.
func lzfDecompress(in []byte, n int) (string, error) {
	out := make([]byte, 0, n)
	for i := 0; i < len(in); {
		ctrl := int(in[i])
		i++
		if ctrl < 32 {
			ctrl++
			if i+ctrl > len(in) {
				return "", errShortRead
			}
			out = append(out, in[i:i+ctrl]...)
			i += ctrl
			continue
		}
		l := ctrl >> 5
		if l == 7 {
			if i >= len(in) {
				return "", errShortRead
			}
			l += int(in[i])
			i++
		}
		if i >= len(in) {
			return "", errShortRead
		}
		ref := len(out) - (ctrl&0x1f)<<8 - int(in[i]) - 1
		i++
		if ref < 0 {
			return "", errShortRead
		}
		for j := 0; j < l+2; j++ {
			out = append(out, out[ref+j])
		}
	}
	if len(out) != n {
		return "", errShortRead
	}
	return string(out), nil
}

// crc64Table is Redis's CRC-64 (Jones polynomial, reflected).
var crc64Table = func() (t [256]uint64) {
	const poly = 0x95ac9329ac4bc9b5 // 0xad93d23594c935a9 reflected
	for i := range t {
		c := uint64(i)
		for range 8 {
			if c&1 == 1 {
				c = c>>1 ^ poly
			} else {
				c >>= 1
			}
		}
		t[i] = c
	}
	return t
}()

func crc64(crc uint64, b []byte) uint64 {
	for _, x := range b {
		crc = crc64Table[byte(crc)^x] ^ crc>>8
	}
	return crc
}
