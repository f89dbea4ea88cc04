package redis

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/alicebob/miniredis/v2"
)

func TestCRC64(t *testing.T) {
	// crc-64-jones's check value (redis's src/crc64.c).
	if got := crc64(0, []byte("123456789")); got != 0xe9c6d914c4b8d9ca {
		t.Errorf("crc64(123456789) = %x", got)
	}
}

func TestLZF(t *testing.T) {
	// A literal run of 3, then a back reference of 3 at distance 3.
	got, err := lzfDecompress([]byte{2, 'a', 'b', 'c', 0x20, 2}, 6)
	if err != nil || got != "abcabc" {
		t.Errorf("lzf: %q %v", got, err)
	}
	if _, err := lzfDecompress([]byte{0x20, 9}, 3); err == nil {
		t.Errorf("a reference before the start decoded")
	}
}

func TestRDBRoundTrip(t *testing.T) {
	now := time.Now()
	m := miniredis.NewMiniRedis()
	m.Set("s", "value")
	m.Set("n", "-12")
	m.SetTTL("n", time.Hour)
	m.Push("l", "a", "b", "c")
	m.SetAdd("set", "x", "y")
	m.HSet("h", "f1", "v1", "f2", "v2")
	m.ZAdd("z", 2.5, "m")
	m.DB(3).Set("other", "db")
	data := encodeRDB(m, 16, now, 900_000)

	loaded := miniredis.NewMiniRedis()
	var aux rdbInfo
	info, err := decodeRDB(data, loaded, now, func(i rdbInfo) { aux = i })
	if err != nil || info.loaded != 7 || info.expired != 0 || aux.version != Version || aux.ctime != now.Unix() || aux.usedMem != 900_000 {
		t.Fatalf("decode: %+v %+v %v", info, aux, err)
	}
	if v, _ := loaded.Get("s"); v != "value" {
		t.Errorf("s = %q", v)
	}
	if ttl := loaded.TTL("n"); ttl < 59*time.Minute || ttl > time.Hour {
		t.Errorf("n's TTL %v", ttl)
	}
	if l, _ := loaded.List("l"); !slices.Equal(l, []string{"a", "b", "c"}) {
		t.Errorf("l = %q", l)
	}
	if s, _ := loaded.Members("set"); !slices.Equal(s, []string{"x", "y"}) {
		t.Errorf("set = %q", s)
	}
	if loaded.HGet("h", "f2") != "v2" {
		t.Errorf("h.f2 = %q", loaded.HGet("h", "f2"))
	}
	if sc, _ := loaded.ZScore("z", "m"); sc != 2.5 {
		t.Errorf("z.m = %v", sc)
	}
	if v, _ := loaded.DB(3).Get("other"); v != "db" {
		t.Errorf("db 3: %q", v)
	}

	// A key past its expire time when loaded is not loaded.
	if info, err := decodeRDB(data, miniredis.NewMiniRedis(), now.Add(2*time.Hour), func(rdbInfo) {}); err != nil || info.loaded != 6 || info.expired != 1 {
		t.Errorf("later: %+v %v", info, err)
	}

	// A changed byte (the last value's) fails the checksum.
	bad := slices.Clone(data)
	bad[len(bad)-10] ^= 1
	var sum *checksumError
	if _, err := decodeRDB(bad, miniredis.NewMiniRedis(), now, func(rdbInfo) {}); !errors.As(err, &sum) {
		t.Errorf("corrupt file: %v", err)
	}
	if _, err := decodeRDB(data[:20], miniredis.NewMiniRedis(), now, func(rdbInfo) {}); err == nil {
		t.Errorf("truncated file loaded")
	}
}
