package memstore

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"reflect"
	"strings"
	"sync"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/conversion"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3"
	"k8s.io/apiserver/pkg/storage/etcd3/metrics"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/apiserver/pkg/storage/value/encrypt/identity"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	"k8s.io/klog/v2"
)

// Messages of the 410 Gone errors for lists, worded as etcd3 words them
// (k8s.io/apiserver/pkg/storage/etcd3/errors.go); clients match on them.
const (
	listExpiredMessage           = "The resourceVersion for the provided list is too old."
	continueExpiredMessage       = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter."
	inconsistentContinueMessage  = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list."
	watchExpiredMessage          = "The resourceVersion for the provided watch is too old."
	unsafeDeletionDecodableError = "unsafe deletion is not allowed because the object is decodable from storage"
)

// store is the storage.Interface of one resource, kept in a Backend.
type store struct {
	backend        *Backend
	codec          runtime.Codec
	versioner      storage.Versioner
	decoder        etcd3.Decoder
	newFunc        func() runtime.Object
	pathPrefix     string
	resourcePrefix string
	groupResource  schema.GroupResource
	leaseConfig    etcd3.LeaseManagerConfig
	// newListErrors collects the errors of a list's items.
	newListErrors func() listItemErrors

	// ctx is cancelled when the store is destroyed; its watchers end with it.
	ctx    context.Context
	cancel context.CancelFunc

	mu          sync.RWMutex
	transformer value.Transformer
	watchers    map[*watcher]struct{}
	keysFunc    storage.KeysFunc
}

var _ storage.Interface = (*store)(nil)

// New returns the storage.Interface of one resource kept in b, and the
// function that destroys it (ending its watches). It takes what the etcd3
// storage factory takes (k8s.io/apiserver/pkg/storage/storagebackend/factory)
// and uses the same parts of it: Prefix, Codec, Transformer (identity, that
// refuses encrypted data, when nil), GroupResource and LeaseManagerConfig;
// the etcd transport settings do not apply. Like the factory, with the
// AllowUnsafeMalformedObjectDeletion feature it reports data that fails to
// transform or decode as corrupt objects. newListFunc is taken for the
// factory's signature; as with etcd3, lists fill the caller's list object.
func New(b *Backend, c storagebackend.ConfigForResource, newFunc, newListFunc func() runtime.Object, resourcePrefix string) (storage.Interface, func(), error) {
	if c.Transformer == nil {
		c.Transformer = identity.NewEncryptCheckTransformer()
	}
	decoder := etcd3.NewDefaultDecoder(c.Codec, storage.APIObjectVersioner{})
	reportCorrupt := utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion)
	if reportCorrupt {
		c.Transformer = &corruptMarkingTransformer{Transformer: c.Transformer}
		decoder = &corruptMarkingDecoder{Decoder: decoder}
	}
	s, err := newStore(b, c, newFunc, resourcePrefix, decoder)
	if err != nil {
		return nil, nil, err
	}
	var once sync.Once
	destroy := func() { once.Do(s.close) }
	if reportCorrupt {
		return &corruptObjectReporter{Interface: s, groupResource: c.GroupResource}, destroy, nil
	}
	return s, destroy, nil
}

// newStore is the store itself, as etcd3.New is etcd3's.
func newStore(b *Backend, c storagebackend.ConfigForResource, newFunc func() runtime.Object, resourcePrefix string, decoder etcd3.Decoder) (*store, error) {
	if b == nil {
		return nil, errors.New("memstore: nil Backend")
	}
	// Keys are prefixed as etcd3 prefixes them, so a store can be pointed
	// at the same Prefix/resourcePrefix pair as an etcd3 one.
	pathPrefix := path.Join("/", c.Prefix)
	if !strings.HasSuffix(pathPrefix, "/") {
		pathPrefix += "/"
	}
	switch {
	case resourcePrefix == "":
		return nil, fmt.Errorf("resourcePrefix cannot be empty")
	case resourcePrefix == "/":
		return nil, fmt.Errorf("resourcePrefix cannot be /")
	case !strings.HasPrefix(resourcePrefix, "/"):
		return nil, fmt.Errorf("resourcePrefix needs to start from /")
	}
	newListErrors := abortOnFirstError
	if utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion) {
		newListErrors = aggregateCorruptObjectErrors
	}
	ctx, cancel := context.WithCancel(b.ctx)
	return &store{
		backend:        b,
		codec:          c.Codec,
		versioner:      storage.APIObjectVersioner{},
		decoder:        decoder,
		newFunc:        newFunc,
		pathPrefix:     pathPrefix,
		resourcePrefix: resourcePrefix,
		groupResource:  c.GroupResource,
		leaseConfig:    c.LeaseManagerConfig,
		newListErrors:  newListErrors,
		ctx:            ctx,
		cancel:         cancel,
		transformer:    c.Transformer,
		watchers:       map[*watcher]struct{}{},
	}, nil
}

// close ends the store's watches. The data stays in the Backend.
func (s *store) close() {
	s.cancel()
}

func (s *store) getTransformer() value.Transformer {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.transformer
}

// Versioner implements storage.Interface.
func (s *store) Versioner() storage.Versioner {
	return s.versioner
}

// ReadinessCheck implements storage.Interface: memory is always ready.
func (s *store) ReadinessCheck() error {
	return nil
}

// CompactRevision implements storage.Interface.
func (s *store) CompactRevision() int64 {
	return s.backend.CompactRevision()
}

// GetCurrentResourceVersion implements storage.Interface: the current
// revision of the whole Backend, as etcd3 returns etcd's.
func (s *store) GetCurrentResourceVersion(ctx context.Context) (uint64, error) {
	rev := s.backend.Revision()
	if rev == 0 {
		return 0, fmt.Errorf("the current resource version must be greater than 0")
	}
	return uint64(rev), nil
}

// Get implements storage.Interface.
func (s *store) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	kv, found, rev, err := s.backend.get(preparedKey, 0)
	if err != nil {
		return err
	}
	if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(rev)); err != nil {
		return err
	}
	if !found {
		if opts.IgnoreNotFound {
			return runtime.SetZeroValue(out)
		}
		return storage.NewKeyNotFoundError(preparedKey, 0)
	}
	data, _, err := s.getTransformer().TransformFromStorage(ctx, kv.value, value.DefaultContext(preparedKey))
	if err != nil {
		return storage.NewInternalError(err)
	}
	if err := s.decoder.Decode(data, out, kv.modRev); err != nil {
		s.recordDecodeError(preparedKey)
		return err
	}
	return nil
}

// Create implements storage.Interface.
func (s *store) Create(ctx context.Context, key string, obj, out runtime.Object, ttl uint64) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	if version, err := s.versioner.ObjectResourceVersion(obj); err == nil && version != 0 {
		return storage.ErrResourceVersionSetOnCreate
	}
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return fmt.Errorf("PrepareObjectForStorage failed: %v", err)
	}
	data, err := runtime.Encode(s.codec, obj)
	if err != nil {
		return err
	}
	stored, err := s.getTransformer().TransformToStorage(ctx, data, value.DefaultContext(preparedKey))
	if err != nil {
		return storage.NewInternalError(err)
	}
	if err := s.backend.checkPutSize(ctx, preparedKey, stored, 0, ttl != 0, false); err != nil {
		return err
	}
	rev, ok, _, err := s.backend.put(preparedKey, stored, 0, s.leaseTTL(ttl))
	if err != nil {
		return err
	}
	if !ok {
		return storage.NewKeyExistsError(preparedKey, 0)
	}
	if out != nil {
		if err := s.decoder.Decode(data, out, rev); err != nil {
			s.recordDecodeError(preparedKey)
			return err
		}
	}
	return nil
}

// leaseTTL is how long an object written with ttl seconds lives: the TTL of
// the lease etcd3's lease manager requests for it (ttl plus a reuse margin of
// 5%, at most LeaseManagerConfig.ReuseDurationSeconds). Zero means forever.
func (s *store) leaseTTL(ttl uint64) time.Duration {
	if ttl == 0 {
		return 0
	}
	extra := min(int64(0.05*float64(ttl)), s.leaseConfig.ReuseDurationSeconds)
	return time.Duration(int64(ttl)+max(extra, 0)) * time.Second
}

// objState is an object as read for a conditional write: decoded, with the
// revision and stored bytes it was read from.
type objState struct {
	obj   runtime.Object
	meta  *storage.ResponseMeta
	rev   int64
	data  []byte
	stale bool
}

// readState reads the current state of key.
func (s *store) readState(ctx context.Context, key string, v reflect.Value, ignoreNotFound, expectCorrupt bool) (*objState, error) {
	kv, found, _, err := s.backend.get(key, 0)
	if err != nil {
		return nil, err
	}
	if !found {
		return s.stateOf(ctx, nil, key, v, ignoreNotFound, expectCorrupt)
	}
	return s.stateOf(ctx, &kv, key, v, ignoreNotFound, expectCorrupt)
}

// stateOf decodes kv (nil: the key does not exist). With expectCorrupt, an
// object that transforms and decodes is an InvalidObj error, and one that
// does not is returned with a nil obj.
func (s *store) stateOf(ctx context.Context, kv *keyValue, key string, v reflect.Value, ignoreNotFound, expectCorrupt bool) (*objState, error) {
	st := &objState{meta: &storage.ResponseMeta{}}
	if u, ok := v.Addr().Interface().(runtime.Unstructured); ok {
		st.obj = u.NewEmptyInstance()
	} else {
		st.obj = reflect.New(v.Type()).Interface().(runtime.Object)
	}
	if kv == nil {
		if !ignoreNotFound {
			return nil, storage.NewKeyNotFoundError(key, 0)
		}
		if err := runtime.SetZeroValue(st.obj); err != nil {
			return nil, err
		}
		return st, nil
	}
	st.rev = kv.modRev
	st.meta.ResourceVersion = uint64(kv.modRev)
	data, stale, err := s.getTransformer().TransformFromStorage(ctx, kv.value, value.DefaultContext(key))
	if err != nil {
		if !expectCorrupt {
			return nil, storage.NewInternalError(err)
		}
		st.obj, st.stale = nil, true
		return st, nil
	}
	st.data, st.stale = data, stale
	if err := s.decoder.Decode(data, st.obj, kv.modRev); err != nil {
		if !expectCorrupt {
			s.recordDecodeError(key)
			return nil, err
		}
		st.obj = nil
		return st, nil
	}
	if expectCorrupt {
		return nil, storage.NewInvalidObjError(key, unsafeDeletionDecodableError)
	}
	return st, nil
}

// stateFromObject builds a state from a caller's suggestion of the current
// object, which may be stale.
func (s *store) stateFromObject(obj runtime.Object) (*objState, error) {
	rv, err := s.versioner.ObjectResourceVersion(obj)
	if err != nil {
		return nil, fmt.Errorf("couldn't get resource version: %v", err)
	}
	st := &objState{obj: obj, meta: &storage.ResponseMeta{ResourceVersion: rv}, rev: int64(rv)}
	// The stored bytes carry no resourceVersion: encode without it.
	if err := s.versioner.PrepareObjectForStorage(obj); err != nil {
		return nil, fmt.Errorf("PrepareObjectForStorage failed: %v", err)
	}
	st.data, err = runtime.Encode(s.codec, obj)
	if err != nil {
		return nil, err
	}
	if err := s.versioner.UpdateObject(obj, rv); err != nil {
		klog.Errorf("failed to update object version: %v", err)
	}
	return st, nil
}

// Delete implements storage.Interface.
func (s *store) Delete(ctx context.Context, key string, out runtime.Object, preconditions *storage.Preconditions,
	validateDeletion storage.ValidateObjectFunc, cachedExistingObject runtime.Object, opts storage.DeleteOptions) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(out)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %v", err)
	}
	expectCorrupt := opts.ExpectTransformOrDecodeError &&
		utilfeature.DefaultFeatureGate.Enabled(features.AllowUnsafeMalformedObjectDeletion)
	readCurrent := func() (*objState, error) {
		return s.readState(ctx, preparedKey, v, false, expectCorrupt)
	}

	var st *objState
	current := false
	if cachedExistingObject != nil && !expectCorrupt {
		st, err = s.stateFromObject(cachedExistingObject)
	} else {
		st, err = readCurrent()
		current = true
	}
	if err != nil {
		return err
	}
	for {
		// A check that fails on a suggested (possibly stale) object is
		// retried once on the current one; it fails for good if the current
		// one is that same revision.
		check := func() (retry bool, err error) {
			if preconditions != nil {
				err = preconditions.Check(preparedKey, st.obj)
			}
			if err == nil {
				err = validateDeletion(ctx, st.obj)
			}
			if err == nil || current {
				return false, err
			}
			staleRev, checkErr := st.rev, err
			if st, err = readCurrent(); err != nil {
				return false, err
			}
			current = true
			if st.rev == staleRev {
				return false, checkErr
			}
			return true, nil
		}
		retry, err := check()
		if err != nil {
			return err
		}
		if retry {
			continue
		}

		rev, ok, cur, err := s.backend.remove(preparedKey, st.rev)
		if err != nil {
			return err
		}
		if !ok {
			klog.V(4).Infof("deletion of %s failed because of a conflict, going to retry", preparedKey)
			if st, err = s.stateOf(ctx, cur, preparedKey, v, false, expectCorrupt); err != nil {
				return err
			}
			current = true
			continue
		}
		if !expectCorrupt {
			if err := s.decoder.Decode(st.data, out, rev); err != nil {
				s.recordDecodeError(preparedKey)
				return err
			}
		}
		return nil
	}
}

// GuaranteedUpdate implements storage.Interface.
func (s *store) GuaranteedUpdate(ctx context.Context, key string, destination runtime.Object, ignoreNotFound bool,
	preconditions *storage.Preconditions, tryUpdate storage.UpdateFunc, cachedExistingObject runtime.Object) error {
	preparedKey, err := s.prepareKey(key, false)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(destination)
	if err != nil {
		return fmt.Errorf("unable to convert output object to pointer: %v", err)
	}
	readCurrent := func() (*objState, error) {
		return s.readState(ctx, preparedKey, v, ignoreNotFound, false)
	}

	var st *objState
	current := false
	if cachedExistingObject != nil {
		st, err = s.stateFromObject(cachedExistingObject)
	} else {
		st, err = readCurrent()
		current = true
	}
	if err != nil {
		return err
	}
	for {
		if err := preconditions.Check(preparedKey, st.obj); err != nil {
			if current {
				return err
			}
			if st, err = readCurrent(); err != nil {
				return err
			}
			current = true
			continue
		}

		updated, ttl, err := s.applyUpdate(st, tryUpdate)
		if err != nil {
			if current {
				return err
			}
			staleRev, updateErr := st.rev, err
			if st, err = readCurrent(); err != nil {
				return err
			}
			current = true
			if st.rev == staleRev {
				return updateErr
			}
			continue
		}

		data, err := runtime.Encode(s.codec, updated)
		if err != nil {
			return err
		}
		if !st.stale && bytes.Equal(data, st.data) {
			// No change: do not write, but only after making sure the
			// comparison was against what is stored now.
			if !current {
				if st, err = readCurrent(); err != nil {
					return err
				}
				current = true
				if !bytes.Equal(data, st.data) {
					continue
				}
			}
			if !st.stale {
				if err := s.decoder.Decode(st.data, destination, st.rev); err != nil {
					s.recordDecodeError(preparedKey)
					return err
				}
				return nil
			}
		}

		stored, err := s.getTransformer().TransformToStorage(ctx, data, value.DefaultContext(preparedKey))
		if err != nil {
			return storage.NewInternalError(err)
		}
		if err := s.backend.checkPutSize(ctx, preparedKey, stored, st.rev, ttl != 0, true); err != nil {
			return err
		}
		rev, ok, cur, err := s.backend.put(preparedKey, stored, st.rev, s.leaseTTL(ttl))
		if err != nil {
			return err
		}
		if !ok {
			klog.V(4).Infof("GuaranteedUpdate of %s failed because of a conflict, going to retry", preparedKey)
			if st, err = s.stateOf(ctx, cur, preparedKey, v, ignoreNotFound, false); err != nil {
				return err
			}
			current = true
			continue
		}
		if err := s.decoder.Decode(data, destination, rev); err != nil {
			s.recordDecodeError(preparedKey)
			return err
		}
		return nil
	}
}

// applyUpdate runs the caller's update on st. As with etcd3, an update that
// returns no TTL removes the object's TTL.
func (s *store) applyUpdate(st *objState, tryUpdate storage.UpdateFunc) (runtime.Object, uint64, error) {
	updated, ttl, err := tryUpdate(st.obj, *st.meta)
	if err != nil {
		return nil, 0, err
	}
	if err := s.versioner.PrepareObjectForStorage(updated); err != nil {
		return nil, 0, fmt.Errorf("PrepareObjectForStorage failed: %v", err)
	}
	if ttl == nil {
		return updated, 0, nil
	}
	return updated, *ttl, nil
}

// GetList implements storage.Interface.
func (s *store) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	keyPrefix, err := s.prepareKey(key, opts.Recursive)
	if err != nil {
		return err
	}
	listPtr, err := meta.GetItemsPtr(listObj)
	if err != nil {
		return err
	}
	v, err := conversion.EnforcePtr(listPtr)
	if err != nil || v.Kind() != reflect.Slice {
		return fmt.Errorf("need ptr to slice: %v", err)
	}
	withRev, continueKey, err := storage.ValidateListOptions(keyPrefix, s.versioner, opts)
	if err != nil {
		return err
	}

	// Take the snapshot, then decode it without holding the Backend's lock:
	// transformers may write (upstream's tests rely on it).
	var kvs []keyValue
	var readRev int64
	if opts.Recursive {
		kvs, readRev, err = s.backend.rangePrefix(keyPrefix, continueKey, withRev)
	} else {
		var kv keyValue
		var found bool
		kv, found, readRev, err = s.backend.get(keyPrefix, withRev)
		if found {
			kvs = []keyValue{kv}
		}
	}
	if err != nil {
		return s.listReadError(err, withRev, readRev, len(opts.Predicate.Continue) > 0, continueKey, keyPrefix)
	}
	if withRev == 0 {
		if err := s.validateMinimumResourceVersion(opts.ResourceVersion, uint64(readRev)); err != nil {
			return err
		}
	}

	pred := opts.Predicate
	paging := pred.Limit > 0
	newItem := newItemFunc(listObj, v)
	listErrors := s.newListErrors()
	var lastKey string
	var hasMore bool
	evaluated := 0
	defer func() {
		metrics.RecordStorageListMetrics(s.groupResource, "", len(kvs), evaluated, v.Len())
	}()
	for _, kv := range kvs {
		if paging && int64(v.Len()) >= pred.Limit {
			hasMore = true
			break
		}
		lastKey = kv.key
		ok, err := s.appendListItem(ctx, kv, pred, newItem, listErrors, v)
		if err != nil {
			return err
		}
		if ok {
			evaluated++
		}
	}
	if err := listErrors.Aggregate(); err != nil {
		return err
	}
	// As etcd counts keys from the start of the page, so does the remaining
	// item count (which is only given for unfiltered lists).
	continueValue, remaining, err := storage.PrepareContinueToken(lastKey, keyPrefix, readRev, int64(len(kvs)), hasMore, opts)
	if err != nil {
		return err
	}
	if v.IsNil() {
		v.Set(reflect.MakeSlice(v.Type(), 0, 0))
	}
	if err := s.versioner.UpdateList(listObj, uint64(readRev), continueValue, remaining); err != nil {
		return err
	}
	if utilfeature.DefaultFeatureGate.Enabled(features.ShardedListAndWatch) {
		pred.SetShardInfoOnList(listObj)
	}
	return nil
}

// listReadError turns a failed snapshot read into the error GetList returns.
func (s *store) listReadError(err error, withRev, currentRev int64, paging bool, continueKey, keyPrefix string) error {
	switch {
	case errors.Is(err, errFutureRev):
		return storage.NewTooLargeResourceVersionError(uint64(withRev), uint64(currentRev), 0)
	case errors.Is(err, errCompacted):
		if !paging {
			return apierrors.NewResourceExpired(listExpiredMessage)
		}
		// A continue token at revision -1 continues at the latest revision.
		token, tokenErr := storage.EncodeContinue(continueKey, keyPrefix, -1)
		if tokenErr != nil {
			klog.Errorf("memstore: encoding a continue token: %v", tokenErr)
			return apierrors.NewResourceExpired(continueExpiredMessage)
		}
		expired := apierrors.NewResourceExpired(inconsistentContinueMessage)
		expired.ErrStatus.ListMeta.Continue = token
		return expired
	}
	return err
}

// appendListItem decodes kv and appends it to v if it matches pred. It
// returns whether the item was evaluated, and an error when the list must
// stop.
func (s *store) appendListItem(ctx context.Context, kv keyValue, pred storage.SelectionPredicate, newItem func() runtime.Object, listErrors listItemErrors, v reflect.Value) (bool, error) {
	data, _, err := s.getTransformer().TransformFromStorage(ctx, kv.value, value.DefaultContext(kv.key))
	if err != nil {
		if listErrors.Append(kv.key, storage.NewInternalError(fmt.Errorf("unable to transform key %q: %w", kv.key, err))) {
			return false, listErrors.Aggregate()
		}
		return false, nil
	}
	if ctx.Err() != nil {
		return false, storage.NewTimeoutError(kv.key, "request did not complete within requested timeout")
	}
	obj, err := s.decoder.DecodeListItem(ctx, data, uint64(kv.modRev), newItem)
	if err != nil {
		s.recordDecodeError(kv.key)
		if listErrors.Append(kv.key, err) {
			return false, listErrors.Aggregate()
		}
		return false, nil
	}
	if matched, err := pred.Matches(obj); err == nil && matched {
		v.Set(reflect.Append(v, reflect.ValueOf(obj).Elem()))
	}
	return true, nil
}

// newItemFunc returns a constructor of the list's items, keeping the
// apiVersion of unstructured lists on their items.
func newItemFunc(listObj runtime.Object, v reflect.Value) func() runtime.Object {
	if list, ok := listObj.(*unstructured.UnstructuredList); ok {
		if apiVersion := list.GetAPIVersion(); len(apiVersion) > 0 {
			return func() runtime.Object {
				return &unstructured.Unstructured{Object: map[string]interface{}{"apiVersion": apiVersion}}
			}
		}
	}
	elem := v.Type().Elem()
	return func() runtime.Object {
		return reflect.New(elem).Interface().(runtime.Object)
	}
}

// Stats implements storage.Interface. With size estimation enabled the
// count is that of the keys the estimation's KeysFunc lists, as with etcd3;
// the average size is exact, from the stored bytes.
func (s *store) Stats(ctx context.Context) (storage.Stats, error) {
	prefix, err := s.prepareKey(s.resourcePrefix, true)
	if err != nil {
		return storage.Stats{}, err
	}
	s.mu.RLock()
	keysFunc := s.keysFunc
	s.mu.RUnlock()
	if keysFunc == nil {
		count, _ := s.backend.countPrefix(prefix)
		return storage.Stats{ObjectCount: count}, nil
	}
	keys, err := keysFunc(ctx)
	if err != nil {
		return storage.Stats{}, err
	}
	stored := make([]string, len(keys))
	for i, key := range keys {
		// The watch cache lists keys without the path prefix.
		stored[i] = key
		if !strings.HasPrefix(key, s.pathPrefix) {
			stored[i] = s.pathPrefix + strings.TrimPrefix(key, "/")
		}
	}
	stats := storage.Stats{ObjectCount: int64(len(keys))}
	if found, size := s.backend.sizeOf(stored); found > 0 {
		stats.EstimatedAverageObjectSizeBytes = size / found
	}
	return stats, nil
}

// EnableResourceSizeEstimation implements storage.Interface.
func (s *store) EnableResourceSizeEstimation(getKeys storage.KeysFunc) error {
	if getKeys == nil {
		return errors.New("KeysFunc cannot be nil")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.keysFunc != nil {
		return errors.New("resourceSizeEstimator already enabled")
	}
	s.keysFunc = getKeys
	return nil
}

// getKeys lists the keys of the resource, as a storage.KeysFunc.
func (s *store) getKeys(ctx context.Context) ([]string, error) {
	prefix, err := s.prepareKey(s.resourcePrefix, true)
	if err != nil {
		return nil, err
	}
	return s.backend.keysWithPrefix(prefix), nil
}

// validateMinimumResourceVersion fails with "too large resource version" when
// the caller asked for data newer than the store has.
func (s *store) validateMinimumResourceVersion(minimumResourceVersion string, actualRevision uint64) error {
	if minimumResourceVersion == "" {
		return nil
	}
	minimumRV, err := s.versioner.ParseResourceVersion(minimumResourceVersion)
	if err != nil {
		return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
	}
	if minimumRV > actualRevision {
		return storage.NewTooLargeResourceVersionError(minimumRV, actualRevision, 0)
	}
	return nil
}

// prepareKey validates key (storage.PrepareKey) and puts it under the
// store's path prefix.
func (s *store) prepareKey(key string, recursive bool) (string, error) {
	key, err := storage.PrepareKey(s.resourcePrefix, key, recursive)
	if err != nil {
		return "", err
	}
	return s.pathPrefix + strings.TrimPrefix(key, "/"), nil
}

func (s *store) recordDecodeError(key string) {
	metrics.RecordDecodeError(s.groupResource)
	klog.V(4).Infof("Decoding %s \"%s\" failed", s.groupResource, key)
}
