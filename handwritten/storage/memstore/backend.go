package memstore

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/google/btree"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/klog/v2"
	"k8s.io/utils/clock"
)

const (
	// DefaultProgressNotifyInterval is how often a watch that asked for
	// progress notifications gets one while it receives no events: etcd's
	// default (--experimental-watch-progress-notify-interval).
	DefaultProgressNotifyInterval = 10 * time.Minute

	// minLeaseTTL is the shortest lease etcd grants with its default timing
	// (1.5 election timeouts of 1s, rounded up to whole seconds).
	minLeaseTTL = 2 * time.Second

	// btreeDegree is the degree of the key index's B-tree (nodes of up to
	// 63 keys: shallow trees, cheap ordered scans).
	btreeDegree = 32
)

var (
	// errCompacted is returned for a read or watch that needs a revision
	// removed by compaction (etcd's rpctypes.ErrCompacted).
	errCompacted = errors.New("mvcc: required revision has been compacted")
	// errFutureRev is returned for a read at a revision not yet written
	// (etcd's rpctypes.ErrFutureRev).
	errFutureRev = errors.New("mvcc: required revision is a future revision")
	// errClosed is returned by writes to a closed Backend.
	errClosed = errors.New("memstore: backend is closed")
)

// BackendOptions configure a Backend. The zero value gives the
// kube-apiserver's and etcd's defaults on the real clock.
type BackendOptions struct {
	// Clock drives compaction, leases (TTLs) and progress notifications.
	// Defaults to the real clock; tests and tutorials may pass a fake one.
	Clock clock.WithTicker
	// CompactionInterval is how often history is compacted, up to the
	// revision current at the previous compaction, as the kube-apiserver's
	// etcd compactor does. Zero means storagebackend.DefaultCompactInterval
	// (5 minutes); a negative value turns automatic compaction off.
	CompactionInterval time.Duration
	// ProgressNotifyInterval is how often an idle watch opened with
	// ProgressNotify gets a bookmark. Zero means DefaultProgressNotifyInterval.
	ProgressNotifyInterval time.Duration
	// MaxRequestBytes is the largest write request accepted, as etcd's
	// --max-request-bytes: a create or update whose etcd request would be
	// larger fails as it does with etcd ("etcdserver: request is too large",
	// see requestsize.go). Zero (or less) means DefaultMaxRequestBytes, 1.5 MiB.
	MaxRequestBytes int
}

// Backend is the in-memory key-value store shared by every resource's
// storage.Interface: the part etcd plays for kube-apiserver. Create one per
// cluster with NewBackend and Close it when the cluster stops.
type Backend struct {
	clock                  clock.WithTicker
	progressNotifyInterval time.Duration
	maxRequestBytes        int

	// ctx is cancelled by Close; every watcher and background loop ends with it.
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu sync.Mutex
	// rev is the current revision; a fresh store is at revision 1, as etcd.
	rev int64
	// compactRev is the revision of the last compaction (0: never).
	compactRev int64
	// keys holds every key with history still retained, ordered by key.
	keys *btree.BTreeG[*keyHistory]
	// dirty holds the keys that have history compaction may shrink.
	dirty map[*keyHistory]struct{}
	// events is the change log, one event per revision after compactRev
	// that changed a key, in revision order. It is what watchers read.
	events []event
	// changed is closed (and replaced) whenever a revision is written.
	changed chan struct{}
	leases  leaseQueue
	// leaseWake wakes the lessor when an earlier lease is granted.
	leaseWake   chan struct{}
	nextLeaseID int64
	closed      bool
}

// keyHistory is every retained revision of one key, oldest first.
type keyHistory struct {
	key  string
	revs []keyRevision
}

// keyRevision is one write of a key: a value, or a deletion (tombstone).
type keyRevision struct {
	modRev    int64
	createRev int64
	value     []byte
	lease     int64
	deleted   bool
}

// keyValue is a key as read at some revision.
type keyValue struct {
	key       string
	value     []byte
	modRev    int64
	createRev int64
}

// event is one change of one key, as a watcher sees it.
type event struct {
	key       string
	value     []byte
	prevValue []byte
	rev       int64
	created   bool
	deleted   bool
}

// NewBackend returns an empty store at revision 1 and starts its compaction
// and lease loops. Close stops them.
func NewBackend(opts BackendOptions) *Backend {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.CompactionInterval == 0 {
		opts.CompactionInterval = storagebackend.DefaultCompactInterval
	}
	if opts.ProgressNotifyInterval <= 0 {
		opts.ProgressNotifyInterval = DefaultProgressNotifyInterval
	}
	if opts.MaxRequestBytes <= 0 {
		opts.MaxRequestBytes = DefaultMaxRequestBytes
	}
	ctx, cancel := context.WithCancel(context.Background())
	b := &Backend{
		clock:                  opts.Clock,
		progressNotifyInterval: opts.ProgressNotifyInterval,
		maxRequestBytes:        opts.MaxRequestBytes,
		ctx:                    ctx,
		cancel:                 cancel,
		rev:                    1,
		keys: btree.NewG(btreeDegree, func(a, b *keyHistory) bool {
			return a.key < b.key
		}),
		dirty:     map[*keyHistory]struct{}{},
		changed:   make(chan struct{}),
		leaseWake: make(chan struct{}, 1),
	}
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		b.runLessor()
	}()
	if opts.CompactionInterval > 0 {
		b.wg.Add(1)
		go func() {
			defer b.wg.Done()
			b.runCompactor(opts.CompactionInterval)
		}()
	}
	return b
}

// Close ends every watch and background loop and waits for them. Writes fail
// afterwards; reads of what was stored keep working.
func (b *Backend) Close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.cancel()
	b.wg.Wait()
}

// Revision returns the current revision.
func (b *Backend) Revision() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.rev
}

// CompactRevision returns the revision of the last compaction, 0 if none.
func (b *Backend) CompactRevision() int64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.compactRev
}

// Compact discards the history before revision rev: reads at an older
// revision, and watches that need an event at or before rev, fail with
// "too old resource version" from then on. Compacting to a revision at or
// before the last compaction, or after the current revision, is an error, as
// with etcd.
func (b *Backend) Compact(rev int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if rev <= b.compactRev {
		return errCompacted
	}
	if rev > b.rev {
		return errFutureRev
	}
	b.compactRev = rev
	for kh := range b.dirty {
		i := kh.indexAt(rev)
		if i < 0 {
			continue // every retained revision is newer than rev
		}
		drop := i
		if kh.revs[i].deleted {
			drop = i + 1
		}
		if drop == 0 {
			continue
		}
		kh.revs = append([]keyRevision(nil), kh.revs[drop:]...)
		switch {
		case len(kh.revs) == 0:
			b.keys.Delete(kh)
			delete(b.dirty, kh)
		case len(kh.revs) == 1 && !kh.revs[0].deleted:
			delete(b.dirty, kh)
		}
	}
	n := sort.Search(len(b.events), func(i int) bool { return b.events[i].rev > rev })
	b.events = append([]event(nil), b.events[n:]...)
	klog.V(4).Infof("memstore: compacted to revision %d", rev)
	return nil
}

// runCompactor compacts every interval to the revision that was current at
// the previous tick, the schedule of the kube-apiserver's etcd compactor.
func (b *Backend) runCompactor(interval time.Duration) {
	ticker := b.clock.NewTicker(interval)
	defer ticker.Stop()
	var last int64
	for {
		select {
		case <-b.ctx.Done():
			return
		case <-ticker.C():
		}
		if last > 0 {
			if err := b.Compact(last); err != nil && !errors.Is(err, errCompacted) {
				klog.Errorf("memstore: compaction to revision %d failed: %v", last, err)
			}
		}
		last = b.Revision()
	}
}

// indexAt returns the index of the revision visible at rev, or -1.
func (kh *keyHistory) indexAt(rev int64) int {
	return sort.Search(len(kh.revs), func(i int) bool { return kh.revs[i].modRev > rev }) - 1
}

// at returns the key as visible at rev, if it exists then.
func (kh *keyHistory) at(rev int64) (keyValue, bool) {
	i := kh.indexAt(rev)
	if i < 0 || kh.revs[i].deleted {
		return keyValue{}, false
	}
	r := kh.revs[i]
	return keyValue{key: kh.key, value: r.value, modRev: r.modRev, createRev: r.createRev}, true
}

// latest returns the current revision of the key, if the key exists.
func (kh *keyHistory) latest() (keyRevision, bool) {
	if kh == nil || len(kh.revs) == 0 {
		return keyRevision{}, false
	}
	r := kh.revs[len(kh.revs)-1]
	return r, !r.deleted
}

// checkReadRevLocked validates a read at rev (0: the current revision) and
// returns the revision to read at.
func (b *Backend) checkReadRevLocked(rev int64) (int64, error) {
	switch {
	case rev == 0:
		return b.rev, nil
	case rev > b.rev:
		return 0, errFutureRev
	case rev < b.compactRev:
		return 0, errCompacted
	}
	return rev, nil
}

// get reads one key at rev (0: the current revision). It returns the revision
// read at, and ok=false if the key does not exist then.
func (b *Backend) get(key string, rev int64) (kv keyValue, ok bool, readRev int64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	readRev, err = b.checkReadRevLocked(rev)
	if err != nil {
		return keyValue{}, false, b.rev, err
	}
	if kh, found := b.keys.Get(&keyHistory{key: key}); found {
		kv, ok = kh.at(readRev)
	}
	return kv, ok, readRev, nil
}

// rangePrefix reads, at rev (0: the current revision), the keys that start
// with prefix and are not before start.
func (b *Backend) rangePrefix(prefix, start string, rev int64) (kvs []keyValue, readRev int64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	readRev, err = b.checkReadRevLocked(rev)
	if err != nil {
		return nil, b.rev, err
	}
	if start < prefix {
		start = prefix
	}
	b.keys.AscendGreaterOrEqual(&keyHistory{key: start}, func(kh *keyHistory) bool {
		if !strings.HasPrefix(kh.key, prefix) {
			return false
		}
		if kv, ok := kh.at(readRev); ok {
			kvs = append(kvs, kv)
		}
		return true
	})
	return kvs, readRev, nil
}

// countPrefix counts the keys that currently exist under prefix, and sums
// their stored sizes.
func (b *Backend) countPrefix(prefix string) (count, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.keys.AscendGreaterOrEqual(&keyHistory{key: prefix}, func(kh *keyHistory) bool {
		if !strings.HasPrefix(kh.key, prefix) {
			return false
		}
		if r, ok := kh.latest(); ok {
			count++
			bytes += int64(len(r.value))
		}
		return true
	})
	return count, bytes
}

// sizeOf sums the stored sizes of those of keys that currently exist.
func (b *Backend) sizeOf(keys []string) (found, bytes int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, key := range keys {
		if kh, ok := b.keys.Get(&keyHistory{key: key}); ok {
			if r, exists := kh.latest(); exists {
				found++
				bytes += int64(len(r.value))
			}
		}
	}
	return found, bytes
}

// keysWithPrefix lists the keys that currently exist under prefix.
func (b *Backend) keysWithPrefix(prefix string) []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var keys []string
	b.keys.AscendGreaterOrEqual(&keyHistory{key: prefix}, func(kh *keyHistory) bool {
		if !strings.HasPrefix(kh.key, prefix) {
			return false
		}
		if _, ok := kh.latest(); ok {
			keys = append(keys, kh.key)
		}
		return true
	})
	return keys
}

// put writes value at key if the key's current modification revision is
// expectRev (0: the key must not exist; -1: whatever it is), attaching a
// lease of ttl if ttl is positive. It returns the revision written, or
// ok=false and the key's current value (if any) when the condition failed.
func (b *Backend) put(key string, value []byte, expectRev int64, ttl time.Duration) (rev int64, ok bool, cur *keyValue, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, false, nil, errClosed
	}
	kh, found := b.keys.Get(&keyHistory{key: key})
	last, exists := kh.latest()
	if !b.conditionHolds(last, exists, expectRev) {
		return b.rev, false, currentOf(kh, last, exists), nil
	}
	if !found {
		kh = &keyHistory{key: key}
		b.keys.ReplaceOrInsert(kh)
	}
	b.rev++
	kr := keyRevision{modRev: b.rev, createRev: b.rev, value: value}
	if exists {
		kr.createRev = last.createRev
	}
	if ttl > 0 {
		kr.lease = b.grantLeaseLocked(key, ttl)
	}
	kh.revs = append(kh.revs, kr)
	if len(kh.revs) > 1 {
		b.dirty[kh] = struct{}{}
	}
	e := event{key: key, value: value, rev: b.rev, created: !exists}
	if exists {
		e.prevValue = last.value
	}
	b.appendEventLocked(e)
	return b.rev, true, nil, nil
}

// remove deletes key if its current modification revision is expectRev
// (-1: whatever it is). It returns the revision of the deletion, or ok=false
// and the key's current value (nil if it does not exist) otherwise.
func (b *Backend) remove(key string, expectRev int64) (rev int64, ok bool, cur *keyValue, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.closed {
		return 0, false, nil, errClosed
	}
	kh, _ := b.keys.Get(&keyHistory{key: key})
	last, exists := kh.latest()
	if !exists || !b.conditionHolds(last, exists, expectRev) {
		return b.rev, false, currentOf(kh, last, exists), nil
	}
	b.deleteLocked(kh, last)
	return b.rev, true, nil, nil
}

func (b *Backend) conditionHolds(last keyRevision, exists bool, expectRev int64) bool {
	switch {
	case expectRev < 0:
		return true
	case expectRev == 0:
		return !exists
	default:
		return exists && last.modRev == expectRev
	}
}

func currentOf(kh *keyHistory, last keyRevision, exists bool) *keyValue {
	if !exists {
		return nil
	}
	return &keyValue{key: kh.key, value: last.value, modRev: last.modRev, createRev: last.createRev}
}

// deleteLocked writes a tombstone for an existing key.
func (b *Backend) deleteLocked(kh *keyHistory, last keyRevision) {
	b.rev++
	kh.revs = append(kh.revs, keyRevision{modRev: b.rev, deleted: true})
	b.dirty[kh] = struct{}{}
	b.appendEventLocked(event{key: kh.key, prevValue: last.value, rev: b.rev, deleted: true})
}

func (b *Backend) appendEventLocked(e event) {
	b.events = append(b.events, e)
	close(b.changed)
	b.changed = make(chan struct{})
}

// eventsFrom returns the events at or after revision from, the channel that
// is closed at the next write, and the current revision.
func (b *Backend) eventsFrom(from int64) (events []event, changed <-chan struct{}, rev int64, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if from <= b.compactRev {
		return nil, nil, b.rev, errCompacted
	}
	n := sort.Search(len(b.events), func(i int) bool { return b.events[i].rev >= from })
	// The log is only ever appended to or replaced, so the slice stays valid.
	return b.events[n:len(b.events):len(b.events)], b.changed, b.rev, nil
}

// lease is a TTL on one key: the key is deleted when it expires, unless it
// was rewritten (with another lease or none) in the meantime.
type lease struct {
	id     int64
	key    string
	expiry time.Time
}

// leaseQueue orders leases by expiry (container/heap).
type leaseQueue []lease

func (q leaseQueue) Len() int           { return len(q) }
func (q leaseQueue) Less(i, j int) bool { return q[i].expiry.Before(q[j].expiry) }
func (q leaseQueue) Swap(i, j int)      { q[i], q[j] = q[j], q[i] }
func (q *leaseQueue) Push(x any)        { *q = append(*q, x.(lease)) }
func (q *leaseQueue) Pop() any {
	old := *q
	l := old[len(old)-1]
	*q = old[:len(old)-1]
	return l
}

func (b *Backend) grantLeaseLocked(key string, ttl time.Duration) int64 {
	ttl = max(ttl, minLeaseTTL)
	b.nextLeaseID++
	l := lease{id: b.nextLeaseID, key: key, expiry: b.clock.Now().Add(ttl)}
	heap.Push(&b.leases, l)
	if b.leases[0].id == l.id {
		select {
		case b.leaseWake <- struct{}{}:
		default:
		}
	}
	return l.id
}

// runLessor deletes the keys whose leases expire.
func (b *Backend) runLessor() {
	for {
		b.mu.Lock()
		now := b.clock.Now()
		for len(b.leases) > 0 && !b.leases[0].expiry.After(now) {
			l := heap.Pop(&b.leases).(lease)
			if kh, found := b.keys.Get(&keyHistory{key: l.key}); found {
				if last, exists := kh.latest(); exists && last.lease == l.id {
					b.deleteLocked(kh, last)
				}
			}
		}
		wait := time.Duration(math.MaxInt64)
		if len(b.leases) > 0 {
			wait = b.leases[0].expiry.Sub(now)
		}
		b.mu.Unlock()

		var timerC <-chan time.Time
		var timer clock.Timer
		if wait != time.Duration(math.MaxInt64) {
			timer = b.clock.NewTimer(wait)
			timerC = timer.C()
		}
		select {
		case <-b.ctx.Done():
		case <-b.leaseWake:
		case <-timerC:
		}
		if timer != nil {
			timer.Stop()
		}
		if b.ctx.Err() != nil {
			return
		}
	}
}

// String describes the backend for logs.
func (b *Backend) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return fmt.Sprintf("memstore.Backend{revision: %d, compacted: %d, keys: %d, events: %d}", b.rev, b.compactRev, b.keys.Len(), len(b.events))
}
