package memstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	utilflowcontrol "k8s.io/apiserver/pkg/util/flowcontrol"
	"k8s.io/klog/v2"
)

// resultBufferSize is how many events a watch holds for a slow reader
// before it waits for it (etcd3's outgoing buffer).
const resultBufferSize = 100

// watcher is one watch: a goroutine that reads the Backend's change log from
// its revision on, filters and decodes the events of its key(s) and sends them
// on a buffered channel. A reader that does not keep up only holds up its own
// watch; if the log is compacted past it, it ends with 410 Gone.
type watcher struct {
	store            *store
	key              string
	recursive        bool
	progressNotify   bool
	recordTimestamps bool
	pred             storage.SelectionPredicate
	// rev is the revision the watch has delivered up to.
	rev int64

	ctx      context.Context
	cancel   context.CancelFunc
	result   chan watch.Event
	progress chan struct{}
}

// Watch implements storage.Interface.
func (s *store) Watch(ctx context.Context, key string, opts storage.ListOptions) (watch.Interface, error) {
	preparedKey, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return nil, err
	}
	rev, err := s.versioner.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if opts.ProgressNotify && s.newFunc == nil {
		return nil, apierrors.NewInternalError(errors.New("progressNotify for watch is unsupported by the etcd storage because no newFunc was provided"))
	}
	startRev := int64(rev)
	if startRev == 0 && utilfeature.DefaultFeatureGate.Enabled(features.WatchList) &&
		opts.SendInitialEvents != nil && !*opts.SendInitialEvents {
		// Only the changes from now on.
		startRev = s.backend.Revision()
	}
	w := &watcher{
		store:            s,
		key:              preparedKey,
		recursive:        opts.Recursive,
		progressNotify:   opts.ProgressNotify,
		recordTimestamps: opts.RecordTimestamps,
		pred:             opts.Predicate,
		rev:              startRev,
		result:           make(chan watch.Event, resultBufferSize),
		progress:         make(chan struct{}, 1),
	}
	if w.pred.Empty() {
		w.pred = storage.Everything
	}
	w.ctx, w.cancel = context.WithCancel(ctx)
	stopOnClose := context.AfterFunc(s.ctx, w.cancel)
	s.mu.Lock()
	s.watchers[w] = struct{}{}
	s.mu.Unlock()
	go func() {
		defer func() {
			stopOnClose()
			w.cancel()
			s.mu.Lock()
			delete(s.watchers, w)
			s.mu.Unlock()
			close(w.result)
		}()
		w.run(initialEventsEndBookmarkRequired(opts), initialEventsRequired(int64(rev), opts))
	}()
	// As with etcd3, there is no catching up to wait for before the watch
	// counts as initialized.
	utilflowcontrol.WatchInitialized(ctx)
	return w, nil
}

// initialEventsRequired says whether a watch starts with the current state:
// legacy watches from "0" or "", and watch-lists.
func initialEventsRequired(rev int64, opts storage.ListOptions) bool {
	if opts.SendInitialEvents == nil && rev == 0 {
		return true
	}
	return utilfeature.DefaultFeatureGate.Enabled(features.WatchList) &&
		opts.SendInitialEvents != nil && *opts.SendInitialEvents
}

// initialEventsEndBookmarkRequired says whether a watch-list marks the end
// of its initial events with an annotated bookmark.
func initialEventsEndBookmarkRequired(opts storage.ListOptions) bool {
	return utilfeature.DefaultFeatureGate.Enabled(features.WatchList) &&
		opts.SendInitialEvents != nil && *opts.SendInitialEvents && opts.Predicate.AllowWatchBookmarks
}

// RequestWatchProgress implements storage.Interface: every watch of this
// store that asked for progress notifications gets a bookmark at the
// revision it has caught up to, as soon as it has.
func (s *store) RequestWatchProgress(ctx context.Context) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	for w := range s.watchers {
		if !w.progressNotify {
			continue
		}
		select {
		case w.progress <- struct{}{}:
		default: // already requested
		}
	}
	return nil
}

// Stop implements watch.Interface.
func (w *watcher) Stop() {
	w.cancel()
}

// ResultChan implements watch.Interface.
func (w *watcher) ResultChan() <-chan watch.Event {
	return w.result
}

func (w *watcher) run(endBookmark, initialEvents bool) {
	if initialEvents {
		if w.rev > 0 {
			if current := w.store.backend.Revision(); w.rev > current {
				w.sendError(storage.NewTooLargeResourceVersionError(uint64(w.rev), uint64(current), int(wait.Jitter(time.Second, 3).Seconds())))
				return
			}
		}
		if !w.sendCurrentState() {
			return
		}
	}
	if endBookmark && !w.sendBookmark(w.rev, true) {
		return
	}
	w.follow()
}

// sendCurrentState sends the watched key(s) as they are now, as ADDED
// events, and moves the watch to the revision read.
func (w *watcher) sendCurrentState() bool {
	var kvs []keyValue
	var rev int64
	if w.recursive {
		kvs, rev, _ = w.store.backend.rangePrefix(w.key, w.key, 0)
	} else {
		kv, found, readRev, _ := w.store.backend.get(w.key, 0)
		if found {
			kvs = []keyValue{kv}
		}
		rev = readRev
	}
	w.rev = rev
	for _, kv := range kvs {
		e := event{key: kv.key, value: kv.value, rev: kv.modRev, created: true}
		if _, ok := w.deliver(&e, true); !ok {
			return false
		}
	}
	return true
}

// follow sends the changes after w.rev as they are written, and progress
// bookmarks when asked for them.
func (w *watcher) follow() {
	var tick <-chan time.Time
	if w.progressNotify {
		ticker := w.store.backend.clock.NewTicker(w.store.backend.progressNotifyInterval)
		defer ticker.Stop()
		tick = ticker.C()
	}
	sentSinceTick := false
	progressDue := false
	for {
		events, changed, current, err := w.store.backend.eventsFrom(w.rev + 1)
		if err != nil {
			w.sendError(err)
			return
		}
		for i := range events {
			if !w.matches(events[i].key) {
				continue
			}
			sent, ok := w.deliver(&events[i], false)
			if !ok {
				return
			}
			sentSinceTick = sentSinceTick || sent
		}
		if len(events) > 0 {
			w.rev = events[len(events)-1].rev
			continue
		}
		// Caught up with revision current (unless watching from the future,
		// where, as with etcd, there is no progress to report).
		if progressDue && w.rev == current {
			if !w.sendBookmark(current, false) {
				return
			}
			sentSinceTick = true
		}
		progressDue = false
		select {
		case <-w.ctx.Done():
			return
		case <-changed:
		case <-w.progress:
			progressDue = true
		case <-tick:
			// Periodic progress only for watches that got nothing lately.
			progressDue = !sentSinceTick
			sentSinceTick = false
		}
	}
}

func (w *watcher) matches(key string) bool {
	if w.recursive {
		return strings.HasPrefix(key, w.key)
	}
	return key == w.key
}

// deliver sends e if it passes the watch's filter. sent says whether an
// event went out; ok=false means the watch ended.
func (w *watcher) deliver(e *event, initial bool) (sent, ok bool) {
	res, err := w.transform(e, initial)
	if err != nil {
		klog.Errorf("memstore: watch of %q: %v", w.key, err)
		w.sendError(err)
		return false, false
	}
	if res == nil {
		return false, true
	}
	return true, w.send(*res)
}

// transform turns a change into the event this watch sees, or nil: a change
// that makes an object match the filter is ADDED, one that makes it stop
// matching is DELETED.
func (w *watcher) transform(e *event, initial bool) (*watch.Event, error) {
	acceptAll := w.pred.Empty()
	var cur, prev runtime.Object
	var err error
	if !e.deleted {
		if cur, err = w.decode(e.key, e.value, e.rev); err != nil {
			return nil, err
		}
	}
	if len(e.prevValue) > 0 && (e.deleted || !acceptAll) {
		// The previous object is reported with the revision of the change.
		if prev, err = w.decode(e.key, e.prevValue, e.rev); err != nil {
			var corrupt *corruptObjectError
			if e.deleted && errors.As(err, &corrupt) {
				return nil, &corruptObjectDeletedError{err: corrupt}
			}
			return nil, err
		}
	}
	var res *watch.Event
	switch {
	case e.deleted:
		if w.filter(prev) {
			res = &watch.Event{Type: watch.Deleted, Object: prev}
		}
	case e.created:
		if w.filter(cur) {
			res = &watch.Event{Type: watch.Added, Object: cur}
		}
	case acceptAll:
		res = &watch.Event{Type: watch.Modified, Object: cur}
	default:
		curMatches, prevMatches := w.filter(cur), w.filter(prev)
		switch {
		case curMatches && prevMatches:
			res = &watch.Event{Type: watch.Modified, Object: cur}
		case curMatches:
			res = &watch.Event{Type: watch.Added, Object: cur}
		case prevMatches:
			res = &watch.Event{Type: watch.Deleted, Object: prev}
		}
	}
	if res != nil && w.recordTimestamps && !initial {
		res.Object = &timedWatchEvent{Object: res.Object, recordTime: time.Now()}
	}
	return res, nil
}

func (w *watcher) filter(obj runtime.Object) bool {
	if w.pred.Empty() {
		return true
	}
	matched, err := w.pred.Matches(obj)
	return err == nil && matched
}

// decode reads stored data as an object at revision rev.
func (w *watcher) decode(key string, data []byte, rev int64) (runtime.Object, error) {
	plain, _, err := w.store.getTransformer().TransformFromStorage(w.ctx, data, value.DefaultContext(key))
	if err != nil {
		return nil, err
	}
	obj, err := runtime.Decode(w.store.codec, plain)
	if err != nil {
		return nil, err
	}
	if err := w.store.versioner.UpdateObject(obj, uint64(rev)); err != nil {
		return nil, fmt.Errorf("failure to version api object (%d) %#v: %v", rev, obj, err)
	}
	return obj, nil
}

// sendBookmark sends a bookmark at rev: an empty object of the resource's
// type carrying only the resourceVersion (and, at the end of a watch-list's
// initial events, the initial-events-end annotation).
func (w *watcher) sendBookmark(rev int64, initialEventsEnd bool) bool {
	if w.store.newFunc == nil {
		return true
	}
	obj := w.store.newFunc()
	if err := w.store.versioner.UpdateObject(obj, uint64(rev)); err != nil {
		w.sendError(fmt.Errorf("failed to propagate object resource version: %w", err))
		return false
	}
	if initialEventsEnd {
		if err := storage.AnnotateInitialEventsEndBookmark(obj); err != nil {
			w.sendError(fmt.Errorf("error while accessing object's metadata gr: %v, obj: %#v, err: %w", w.store.groupResource, obj, err))
			return false
		}
	}
	return w.send(watch.Event{Type: watch.Bookmark, Object: obj})
}

// send waits until e is taken or the watch is stopped.
func (w *watcher) send(e watch.Event) bool {
	select {
	case w.result <- e:
		return true
	case <-w.ctx.Done():
		return false
	}
}

// sendError sends err as the watch's last event, as an API status (nothing
// for a cancelled watch).
func (w *watcher) sendError(err error) {
	if errors.Is(err, context.Canceled) || w.ctx.Err() != nil {
		return
	}
	var corruptDeleted *corruptObjectDeletedError
	switch {
	case errors.Is(err, errCompacted):
		err = apierrors.NewResourceExpired(watchExpiredMessage)
	case errors.As(err, &corruptDeleted):
		err = &apierrors.StatusError{ErrStatus: metav1.Status{
			Status:  metav1.StatusFailure,
			Code:    http.StatusInternalServerError,
			Reason:  metav1.StatusReasonStoreReadError,
			Message: corruptDeleted.Error(),
		}}
	}
	apiStatus, ok := err.(apierrors.APIStatus)
	if !ok {
		apiStatus = apierrors.NewInternalError(err)
	}
	status := apiStatus.Status()
	w.send(watch.Event{Type: watch.Error, Object: &status})
}

// timedWatchEvent carries the time a watch decoded an event, for the watch
// cache's latency metrics (ListOptions.RecordTimestamps).
type timedWatchEvent struct {
	runtime.Object
	recordTime time.Time
}

var _ storage.WatchEventWithRecordTime = &timedWatchEvent{}

func (t *timedWatchEvent) GetObjectMeta() metav1.Object {
	m, _ := meta.Accessor(t.Object)
	return m
}

func (t *timedWatchEvent) DeepCopyObject() runtime.Object {
	return &timedWatchEvent{Object: t.Object.DeepCopyObject(), recordTime: t.recordTime}
}

func (t *timedWatchEvent) RecordTime() time.Time { return t.recordTime }

func (t *timedWatchEvent) Unwrap() runtime.Object { return t.Object }
