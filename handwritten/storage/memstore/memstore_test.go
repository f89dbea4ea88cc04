package memstore

// The proof of memstore is upstream's generic storage test suite
// (k8s.io/apiserver/pkg/storage/testing), called here exactly as
// k8s.io/apiserver/pkg/storage/etcd3's store_test.go and watcher_test.go call
// it: same Run* functions, same arguments, same feature gates. Where etcd3
// hands the suite an etcd client (to compact, to bump the revision, to read
// raw values) the Backend does the same job. Implementation-specific etcd3
// tests that make sense for memstore follow at the end.

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"

	"k8s.io/apimachinery/pkg/api/apitesting"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/apiserver/pkg/apis/example"
	examplev1 "k8s.io/apiserver/pkg/apis/example/v1"
	"k8s.io/apiserver/pkg/features"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3"
	"k8s.io/apiserver/pkg/storage/storagebackend"
	storagetesting "k8s.io/apiserver/pkg/storage/testing"
	"k8s.io/apiserver/pkg/storage/value"
	utilfeature "k8s.io/apiserver/pkg/util/feature"
	featuregatetesting "k8s.io/component-base/featuregate/testing"
	testingclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var scheme = runtime.NewScheme()
var codecs = serializer.NewCodecFactory(scheme)

const defaultTestPrefix = "test!"

func init() {
	metav1.AddToGroupVersion(scheme, metav1.SchemeGroupVersion)
	utilruntime.Must(example.AddToScheme(scheme))
	utilruntime.Must(examplev1.AddToScheme(scheme))
}

func newPod() runtime.Object {
	return &example.Pod{}
}

func newPodList() runtime.Object {
	return &example.PodList{}
}

// checkStorageInvariants reads a key's stored bytes, as etcd3's test reads
// them from etcd: transformed, and without resourceVersion or selfLink.
func checkStorageInvariants(b *Backend, codec runtime.Codec) storagetesting.KeyValidation {
	return func(ctx context.Context, t *testing.T, key string) {
		kv, found, _, err := b.get(key, 0)
		if err != nil {
			t.Fatalf("Backend get failed: %v", err)
		}
		if !found {
			t.Fatalf("expecting non empty result on key: %s", key)
		}
		decoded, err := runtime.Decode(codec, kv.value[len(defaultTestPrefix):])
		if err != nil {
			t.Fatalf("expecting successful decode of object from %v\n%v", err, string(kv.value))
		}
		obj := decoded.(*example.Pod)
		if obj.ResourceVersion != "" {
			t.Errorf("stored object should have empty resource version")
		}
		//lint:ignore SA1019 the stored object must not carry the deprecated selfLink either
		if obj.SelfLink != "" {
			t.Errorf("stored output should have empty selfLink")
		}
	}
}

func TestCreate(t *testing.T) {
	ctx, store, b := testSetup(t)
	storagetesting.RunTestCreate(ctx, t, store, checkStorageInvariants(b, store.codec))
}

func TestCreateWithTTL(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestCreateWithTTL(ctx, t, store)
}

func TestCreateWithKeyExist(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestCreateWithKeyExist(ctx, t, store)
}

func TestGet(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestGet(ctx, t, store)
}

func TestUnconditionalDelete(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestUnconditionalDelete(ctx, t, store)
}

func TestConditionalDelete(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestConditionalDelete(ctx, t, store)
}

func TestDeleteWithSuggestion(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestion(ctx, t, store)
}

func TestDeleteWithSuggestionAndConflict(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestionAndConflict(ctx, t, store)
}

func TestDeleteWithSuggestionOfDeletedObject(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestionOfDeletedObject(ctx, t, store)
}

func TestValidateDeletionWithSuggestion(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestValidateDeletionWithSuggestion(ctx, t, store)
}

func TestValidateDeletionWithOnlySuggestionValid(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestValidateDeletionWithOnlySuggestionValid(ctx, t, store)
}

func TestDeleteWithConflict(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestDeleteWithConflict(ctx, t, store)
}

type testTransformer struct {
	value.Transformer
	fail atomic.Bool
}

func (tt *testTransformer) setFailing(c bool) {
	tt.fail.Store(c)
}

func (tt *testTransformer) TransformFromStorage(ctx context.Context, data []byte, dataCtx value.Context) (out []byte, stale bool, err error) {
	if tt.fail.Load() {
		return nil, false, errors.New("synthetic error")
	}
	return tt.Transformer.TransformFromStorage(ctx, data, dataCtx)
}

type testCodec struct {
	runtime.Codec
	fail atomic.Bool
}

func (tc *testCodec) setFailing(c bool) {
	tc.fail.Store(c)
}

func (tc *testCodec) Decode(data []byte, defaults *schema.GroupVersionKind, into runtime.Object) (runtime.Object, *schema.GroupVersionKind, error) {
	if tc.fail.Load() {
		return nil, nil, errors.New("synthetic error")
	}
	return tc.Codec.Decode(data, defaults, into)
}

func TestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)

	codec := &testCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
	ctx, s, _ := testSetup(t, withCodec(codec))

	storagetesting.RunTestDeleteWithConflictAndMissingExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
}

func TestDeleteWithConflictAndExpectedTransformError(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)

	transformer := &testTransformer{Transformer: newTestTransformer()}
	ctx, s, _ := testSetup(t, withTransformer(transformer))

	storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, transformer.setFailing)
}

func TestDeleteWithConflictAndExpectedDecodeError(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)

	codec := &testCodec{Codec: apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)}
	ctx, s, _ := testSetup(t, withCodec(codec))

	storagetesting.RunTestDeleteExpectedTransformOrDecodeError(ctx, t, s, codec.setFailing)
}

func TestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeFailure(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)

	ctx, store, _ := testSetup(t)
	storagetesting.RunTestDeleteWithSuggestionAndMissingExpectedTransformOrDecodeError(ctx, t, store)
}

func TestPreconditionalDeleteWithSuggestion(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestPreconditionalDeleteWithSuggestion(ctx, t, store)
}

func TestPreconditionalDeleteWithSuggestionPass(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestPreconditionalDeleteWithOnlySuggestionPass(ctx, t, store)
}

func TestListPaging(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestListPaging(ctx, t, store)
}

func TestGetListNonRecursive(t *testing.T) {
	ctx, store, b := testSetup(t)
	storagetesting.RunTestGetListNonRecursive(ctx, t, increaseRVFunc(b), store)
}

func TestGetListRecursivePrefix(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestGetListRecursivePrefix(ctx, t, store)
}

func TestKeySchema(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestKeySchema(ctx, t, store)
}

func TestGetListWithErrorAggregation(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
	ctx, s, _ := testSetup(t)
	store := &corruptObjectReporter{Interface: s, groupResource: s.groupResource}
	corruptErr := &corruptObjectError{err: fmt.Errorf("bits flipped"), errType: untransformable}
	storagetesting.RunTestGetListWithErrorAggregation(ctx, t, &storeWithTransformerOverride{Interface: store, store: s}, corruptErr)
}

func TestGetListWithoutErrorAggregation(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, false)
	ctx, s, _ := testSetup(t)
	corruptErr := &corruptObjectError{err: fmt.Errorf("bits flipped"), errType: untransformable}
	storagetesting.RunTestGetListWithoutErrorAggregation(ctx, t, &storeWithTransformerOverride{Interface: s, store: s}, corruptErr)
}

// setTransformer replaces the store's transformer and returns the previous one.
func (s *store) setTransformer(t value.Transformer) value.Transformer {
	s.mu.Lock()
	defer s.mu.Unlock()
	prev := s.transformer
	s.transformer = t
	return prev
}

type storeWithPrefixTransformer struct {
	*store
}

func (s *storeWithPrefixTransformer) UpdatePrefixTransformer(modifier storagetesting.PrefixTransformerModifier) func() {
	originalTransformer := s.getTransformer().(*storagetesting.PrefixTransformer)
	transformer := *originalTransformer
	s.setTransformer(modifier(&transformer))
	return func() {
		s.setTransformer(originalTransformer)
	}
}

type storeWithTransformerOverride struct {
	storage.Interface
	// store is the *store whose transformer is overridden.
	store *store
}

func (s *storeWithTransformerOverride) UpdateTransformer(modifier storagetesting.TransformerModifier) func() {
	orig := s.store.getTransformer()
	s.store.setTransformer(modifier(orig))
	return func() {
		s.store.setTransformer(orig)
	}
}

func TestGuaranteedUpdate(t *testing.T) {
	ctx, store, b := testSetup(t)
	storagetesting.RunTestGuaranteedUpdate(ctx, t, &storeWithPrefixTransformer{store}, checkStorageInvariants(b, store.codec))
}

func TestGuaranteedUpdateWithTTL(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateWithTTL(ctx, t, store)
}

func TestGuaranteedUpdateChecksStoredData(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateChecksStoredData(ctx, t, &storeWithPrefixTransformer{store})
}

func TestGuaranteedUpdateWithConflict(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateWithConflict(ctx, t, store)
}

func TestGuaranteedUpdateWithSuggestionAndConflict(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestGuaranteedUpdateWithSuggestionAndConflict(ctx, t, store)
}

func TestTransformationFailure(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestTransformationFailure(ctx, t, &storeWithPrefixTransformer{store})
}

// TestList runs as etcd3's does, once per EtcdRangeStream setting (which
// memstore, having no etcd RPCs, ignores). The recorder argument only serves
// runs through the watch cache (watchCacheEnabled=true), so it is nil here.
func TestList(t *testing.T) {
	for _, rangeStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("rangeStream=%v", rangeStream), func(t *testing.T) {
			featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.EtcdRangeStream, rangeStream)
			ctx, store, b := testSetup(t)
			storagetesting.RunTestList(ctx, t, store, compactStorage(b), false, nil)
		})
	}
}

func TestConsistentList(t *testing.T) {
	for _, rangeStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("rangeStream=%v", rangeStream), func(t *testing.T) {
			featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.EtcdRangeStream, rangeStream)
			ctx, store, b := testSetup(t)
			storagetesting.RunTestConsistentList(ctx, t, store, increaseRVFunc(b), false, true, false)
		})
	}
}

func TestCompactRevision(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.ListFromCacheSnapshot, true)
	ctx, store, b := testSetup(t)
	storagetesting.RunTestCompactRevision(ctx, t, store, increaseRVFunc(b), compactStorage(b))
}

// checkTransformerReads is the half of etcd3's checkStorageCallsInvariants
// that applies to memstore: how many objects a list read (transformed).
// The other half counts etcd range requests, which memstore does not make.
func checkTransformerReads(transformer *storagetesting.PrefixTransformer) storagetesting.CallsValidation {
	return func(t *testing.T, pageSize, estimatedProcessedObjects uint64) {
		if reads := transformer.GetReadsAndReset(); reads != estimatedProcessedObjects {
			t.Errorf("unexpected reads: %d, expected: %d", reads, estimatedProcessedObjects)
		}
	}
}

func TestListContinuation(t *testing.T) {
	ctx, store, _ := testSetup(t)
	validation := checkTransformerReads(store.getTransformer().(*storagetesting.PrefixTransformer))
	storagetesting.RunTestListContinuation(ctx, t, store, validation)
}

func TestListPaginationRareObject(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.ListFromCacheSnapshot, false)
	ctx, store, _ := testSetup(t)
	validation := checkTransformerReads(store.getTransformer().(*storagetesting.PrefixTransformer))
	storagetesting.RunTestListPaginationRareObject(ctx, t, store, validation)
}

func TestListContinuationWithFilter(t *testing.T) {
	ctx, store, _ := testSetup(t)
	validation := checkTransformerReads(store.getTransformer().(*storagetesting.PrefixTransformer))
	storagetesting.RunTestListContinuationWithFilter(ctx, t, store, validation)
}

func TestNamespaceScopedList(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestNamespaceScopedList(ctx, t, store)
}

// compactStorage compacts as etcd3's test helper does: etcd3.Compact first
// writes its compact_rev_key (a new revision), then compacts.
func compactStorage(b *Backend) storagetesting.Compaction {
	return func(ctx context.Context, t *testing.T, resourceVersion string) {
		versioner := storage.APIObjectVersioner{}
		rv, err := versioner.ParseResourceVersion(resourceVersion)
		if err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := b.put("compact_rev_key", []byte(resourceVersion), -1, 0); err != nil {
			t.Fatal(err)
		}
		if err := b.Compact(int64(rv)); err != nil {
			t.Fatal(err)
		}
	}
}

// increaseRVFunc writes a key outside every resource, as etcd3's test does.
func increaseRVFunc(b *Backend) storagetesting.IncreaseRVFunc {
	return func(ctx context.Context, t *testing.T) int64 {
		rev, _, _, err := b.put("increaseRV", []byte("ok"), -1, 0)
		if err != nil {
			t.Fatalf("Could not update increaseRV: %v", err)
		}
		return rev
	}
}

func TestListInconsistentContinuation(t *testing.T) {
	ctx, store, b := testSetup(t)
	storagetesting.RunTestListInconsistentContinuation(ctx, t, store, compactStorage(b))
}

func TestListResourceVersionMatch(t *testing.T) {
	ctx, store, _ := testSetup(t)
	storagetesting.RunTestListResourceVersionMatch(ctx, t, &storeWithPrefixTransformer{store})
}

func TestStats(t *testing.T) {
	for _, sizeBasedListCostEstimate := range []bool{true, false} {
		t.Run(fmt.Sprintf("SizeBasedListCostEstimate=%v", sizeBasedListCostEstimate), func(t *testing.T) {
			ctx, store, _ := testSetup(t)
			if sizeBasedListCostEstimate {
				if err := store.EnableResourceSizeEstimation(store.getKeys); err != nil {
					t.Fatal(err)
				}
			}
			storagetesting.RunTestStats(ctx, t, store, store.codec, store.getTransformer(), sizeBasedListCostEstimate)
		})
	}
}

// TestWatch mirrors etcd3's TestWatch (watcher_test.go).
func TestWatch(t *testing.T) {
	t.Run("Watch", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatch(ctx, t, store)
	})
	t.Run("ClusterScopedWatch", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestClusterScopedWatch(ctx, t, store)
	})
	t.Run("NamespaceScopedWatch", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestNamespaceScopedWatch(ctx, t, store)
	})
	t.Run("DeleteTriggerWatch", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestDeleteTriggerWatch(ctx, t, store)
	})
	t.Run("WatchFromZero", func(t *testing.T) {
		ctx, store, b := testSetup(t)
		storagetesting.RunTestWatchFromZero(ctx, t, store, compactStorage(b))
	})
	t.Run("WatchFromNonZero", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatchFromNonZero(ctx, t, store)
	})
	t.Run("DelayedWatchDelivery", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestDelayedWatchDelivery(ctx, t, store)
	})
	t.Run("WatchError", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatchError(ctx, t, &storeWithPrefixTransformer{store})
	})
	t.Run("WatchContextCancel", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatchContextCancel(ctx, t, store)
	})
	t.Run("WatcherTimeout", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatcherTimeout(ctx, t, store)
	})
	t.Run("WatchDeleteEventObjectHaveLatestRV", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatchDeleteEventObjectHaveLatestRV(ctx, t, store)
	})
	t.Run("WatchInitializationSignal", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunTestWatchInitializationSignal(ctx, t, store)
	})
	t.Run("ProgressNotify", func(t *testing.T) {
		// etcd3's test configures etcd with a 1s progress-notify interval.
		ctx, store, b := testSetup(t, withBackendOptions(BackendOptions{ProgressNotifyInterval: time.Second}))
		storagetesting.RunOptionalTestProgressNotify(ctx, t, store, increaseRVFunc(b))
	})
	t.Run("WatchWithUnsafeDelete", func(t *testing.T) {
		featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.AllowUnsafeMalformedObjectDeletion, true)
		ctx, store, _ := testSetup(t)
		corruptErr := &corruptObjectError{err: fmt.Errorf("bits flipped"), errType: untransformable}
		storagetesting.RunTestWatchWithUnsafeDelete(ctx, t, &storeWithTransformerOverride{Interface: store, store: store}, corruptErr)
	})
	t.Run("WatchDispatchBookmarkEvents", func(t *testing.T) {
		ctx, store, _ := testSetup(t, withBackendOptions(BackendOptions{ProgressNotifyInterval: time.Second}))
		storagetesting.RunTestWatchDispatchBookmarkEvents(ctx, t, store, false)
	})
	t.Run("SendInitialEventsBackwardCompatibility", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunSendInitialEventsBackwardCompatibility(ctx, t, store)
	})
	for _, rangeStream := range []bool{false, true} {
		t.Run(fmt.Sprintf("RangeStream=%v", rangeStream), func(t *testing.T) {
			featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.EtcdRangeStream, rangeStream)
			t.Run("WatchSemantics", func(t *testing.T) {
				ctx, store, _ := testSetup(t)
				storagetesting.RunWatchSemantics(ctx, t, store)
			})
			t.Run("WatchSemanticsWithConcurrentDecode", func(t *testing.T) {
				featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.ConcurrentWatchObjectDecode, true)
				ctx, store, _ := testSetup(t)
				storagetesting.RunWatchSemantics(ctx, t, store)
			})
			t.Run("WatchSemanticInitialEventsExtended", func(t *testing.T) {
				ctx, store, _ := testSetup(t)
				storagetesting.RunWatchSemanticInitialEventsExtended(ctx, t, store)
			})
			t.Run("WatchListMatchSingle", func(t *testing.T) {
				ctx, store, _ := testSetup(t)
				storagetesting.RunWatchListMatchSingle(ctx, t, store)
			})
		})
	}
	t.Run("WatchErrorEventIsBlockingFurtherEvent", func(t *testing.T) {
		ctx, store, _ := testSetup(t)
		storagetesting.RunWatchErrorIsBlockingFurtherEvents(ctx, t, &storeWithPrefixTransformer{store})
	})
}

// =======================================================================
// Implementation-specific tests: etcd3's that apply to memstore, and
// memstore's own (compaction schedule, leases, goroutines).
// =======================================================================

func TestPrefix(t *testing.T) {
	testcases := map[string]string{
		"custom/prefix":     "/custom/prefix/",
		"/custom//prefix//": "/custom/prefix/",
		"/registry":         "/registry/",
	}
	for configuredPrefix, effectivePrefix := range testcases {
		_, store, _ := testSetup(t, withPrefix(configuredPrefix))
		if store.pathPrefix != effectivePrefix {
			t.Errorf("configured prefix of %s, expected effective prefix of %s, got %s", configuredPrefix, effectivePrefix, store.pathPrefix)
		}
	}
}

func TestInvalidKeys(t *testing.T) {
	const invalidKey = "/foo/bar/../baz"
	expectedError := fmt.Sprintf("invalid key: %q", invalidKey)

	expectInvalidKey := func(methodName string, err error) {
		if err == nil {
			t.Errorf("[%s] expected invalid key error; got nil", methodName)
		} else if err.Error() != expectedError {
			t.Errorf("[%s] expected invalid key error; got %v", methodName, err)
		}
	}

	ctx, store, _ := testSetup(t)
	expectInvalidKey("Create", store.Create(ctx, invalidKey, nil, nil, 0))
	expectInvalidKey("Delete", store.Delete(ctx, invalidKey, nil, nil, nil, nil, storage.DeleteOptions{}))
	_, watchErr := store.Watch(ctx, invalidKey, storage.ListOptions{})
	expectInvalidKey("Watch", watchErr)
	expectInvalidKey("Get", store.Get(ctx, invalidKey, storage.GetOptions{}, nil))
	expectInvalidKey("GetList", store.GetList(ctx, invalidKey, storage.ListOptions{}, nil))
	expectInvalidKey("GuaranteedUpdate", store.GuaranteedUpdate(ctx, invalidKey, nil, true, nil, nil, nil))
}

func TestGetCurrentResourceVersion(t *testing.T) {
	ctx, store, b := testSetup(t)

	pod := &example.Pod{}
	require.NoError(t, store.Create(ctx, "/pods/ns/pod-1", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "pod-1"}}, pod, 0))
	currentStorageRV, err := store.GetCurrentResourceVersion(ctx)
	require.NoError(t, err)
	podRV, err := store.versioner.ParseResourceVersion(pod.ResourceVersion)
	require.NoError(t, err)
	require.Equal(t, currentStorageRV, podRV, "expected the global RV to be equal to pod's RV")

	// An unrelated write moves the global RV, not the pod's.
	rev := increaseRVFunc(b)(ctx, t)
	currentStorageRV, err = store.GetCurrentResourceVersion(ctx)
	require.NoError(t, err)
	require.Equal(t, uint64(rev), currentStorageRV)
	current := &example.Pod{}
	require.NoError(t, store.Get(ctx, "/pods/ns/pod-1", storage.GetOptions{}, current))
	require.Equal(t, pod.ResourceVersion, current.ResourceVersion)
}

func TestWatchErrorIncorrectConfiguration(t *testing.T) {
	ctx, store, _ := testSetup(t, func(o *setupOptions) { o.newFunc = nil })
	w, err := store.Watch(ctx, "/pods/abc", storage.ListOptions{ProgressNotify: true})
	if w != nil || err == nil {
		t.Fatalf("expected an error and no watch, got %v, %v", w, err)
	}
	want := apierrors.NewInternalError(errors.New("progressNotify for watch is unsupported by the etcd storage because no newFunc was provided"))
	if err.Error() != want.Error() {
		t.Fatalf("unexpected err = %v, expected = %v", err, want)
	}
}

func TestTooLargeResourceVersionErrorForWatchList(t *testing.T) {
	featuregatetesting.SetFeatureGateDuringTest(t, utilfeature.DefaultFeatureGate, features.WatchList, true)
	ctx, store, _ := testSetup(t)
	requestOpts := storage.ListOptions{
		ResourceVersion:   "102",
		SendInitialEvents: ptr.To(true),
		Recursive:         true,
		Predicate: storage.SelectionPredicate{
			Field:               fields.Everything(),
			Label:               labels.Everything(),
			AllowWatchBookmarks: true,
		},
	}
	var expectedErr *apierrors.StatusError
	if !errors.As(storage.NewTooLargeResourceVersionError(uint64(102), 1, 0), &expectedErr) {
		t.Fatalf("Unable to convert NewTooLargeResourceVersionError to apierrors.StatusError")
	}
	w, err := store.Watch(ctx, "/pods/abc/", requestOpts)
	require.NoError(t, err)
	defer w.Stop()

	actualEvent := <-w.ResultChan()
	if actualEvent.Type != watch.Error {
		t.Fatalf("Unexpected type of the event: %v, expected: %v", actualEvent.Type, watch.Error)
	}
	actualErr, ok := actualEvent.Object.(*metav1.Status)
	if !ok {
		t.Fatalf("Expected *metav1.Status, got: %#v", actualEvent.Object)
	}
	if actualErr.Details.RetryAfterSeconds <= 0 {
		t.Fatalf("RetryAfterSeconds must be > 0, actual value: %v", actualErr.Details.RetryAfterSeconds)
	}
	expectedErr.ErrStatus.Details = actualErr.Details
	if diff := cmp.Diff(*actualErr, expectedErr.ErrStatus); diff != "" {
		t.Fatalf("Unexpected error returned, diff: %v", diff)
	}
}

// TestWatchTooOld checks the 410 Gone of a watch from a compacted revision,
// and of a watch that falls behind a compaction.
func TestWatchTooOld(t *testing.T) {
	ctx, store, b := testSetup(t)
	first := &example.Pod{}
	require.NoError(t, store.Create(ctx, "/pods/ns/a", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}, first, 0))

	// A watch that does not read falls behind a compaction.
	lagging, err := store.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: first.ResourceVersion, Recursive: true, Predicate: storage.Everything})
	require.NoError(t, err)
	defer lagging.Stop()

	second := &example.Pod{}
	require.NoError(t, store.Create(ctx, "/pods/ns/b", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "b"}}, second, 0))
	require.NoError(t, b.Compact(b.Revision()))

	w, err := store.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: first.ResourceVersion, Recursive: true, Predicate: storage.Everything})
	require.NoError(t, err)
	defer w.Stop()
	expectGone := func(w watch.Interface) {
		t.Helper()
		for {
			select {
			case e, ok := <-w.ResultChan():
				if !ok {
					t.Fatal("watch closed without an error")
				}
				if e.Type != watch.Error {
					continue // the lagging watch may have read events before the compaction
				}
				status := e.Object.(*metav1.Status)
				if status.Code != 410 || status.Reason != metav1.StatusReasonExpired || status.Message != watchExpiredMessage {
					t.Fatalf("unexpected error %#v", status)
				}
				return
			case <-time.After(wait.ForeverTestTimeout):
				t.Fatal("no error event")
			}
		}
	}
	expectGone(w)

	// From the compacted revision itself, the watch works.
	ok, err := store.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: second.ResourceVersion, Recursive: true, Predicate: storage.Everything})
	require.NoError(t, err)
	defer ok.Stop()
	third := &example.Pod{}
	require.NoError(t, store.Create(ctx, "/pods/ns/c", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "c"}}, third, 0))
	select {
	case e := <-ok.ResultChan():
		require.Equal(t, watch.Added, e.Type)
		require.Equal(t, third, e.Object)
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("no event")
	}
}

// TestCompactionSchedule checks the kube-apiserver's schedule: each interval,
// compact to the revision that was current one interval before, never to a
// newer one.
func TestCompactionSchedule(t *testing.T) {
	clock := testingclock.NewFakeClock(time.Now())
	b := NewBackend(BackendOptions{Clock: clock, CompactionInterval: time.Minute})
	defer b.Close()
	ctx := context.Background()
	store, destroy, err := New(b, testConfig(), newPod, newPodList, "/pods/")
	require.NoError(t, err)
	defer destroy()

	for _, name := range []string{"a", "b"} {
		require.NoError(t, store.Create(ctx, "/pods/ns/"+name, &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name}}, &example.Pod{}, 0))
		rev := b.Revision()
		// Ticks until the compactor has seen rev at one tick and compacted
		// to it at the next; nothing is written meanwhile, so it cannot
		// compact further.
		waitFor(t, func() bool {
			if b.CompactRevision() == rev {
				return true
			}
			clock.Step(time.Minute)
			return false
		})
		require.Equal(t, rev, b.CompactRevision())
	}
}

// TestCompactionReleasesHistory checks that compaction keeps what reads at
// the compacted revision need and nothing older.
func TestCompactionReleasesHistory(t *testing.T) {
	b := NewBackend(BackendOptions{CompactionInterval: -1})
	defer b.Close()
	for i := range 3 {
		_, _, _, err := b.put("/k/a", []byte(fmt.Sprint("a", i)), -1, 0)
		require.NoError(t, err)
	}
	_, _, _, err := b.put("/k/b", []byte("b"), -1, 0)
	require.NoError(t, err)
	_, ok, _, err := b.remove("/k/b", -1)
	require.NoError(t, err)
	require.True(t, ok)
	rev := b.Revision()
	_, _, _, err = b.put("/k/a", []byte("a3"), -1, 0)
	require.NoError(t, err)

	require.NoError(t, b.Compact(rev))
	require.Equal(t, 1, len(b.events), "events after the compacted revision")
	a, _ := b.keys.Get(&keyHistory{key: "/k/a"})
	require.Len(t, a.revs, 2, "the revision visible at the compacted revision, and the newer one")
	require.False(t, b.keys.Has(&keyHistory{key: "/k/b"}), "a key deleted before the compacted revision")
	kvs, _, err := b.rangePrefix("/k/", "", rev)
	require.NoError(t, err)
	require.Len(t, kvs, 1)
	require.Equal(t, "a2", string(kvs[0].value))
	_, _, err = b.rangePrefix("/k/", "", rev-1)
	require.ErrorIs(t, err, errCompacted)
	require.ErrorIs(t, b.Compact(rev), errCompacted)
	require.ErrorIs(t, b.Compact(b.Revision()+1), errFutureRev)
}

// TestTTLExpiry checks that an object with a TTL is deleted, with a DELETED
// event, when its lease expires on the Backend's clock, and only then.
func TestTTLExpiry(t *testing.T) {
	clock := testingclock.NewFakeClock(time.Now())
	b := NewBackend(BackendOptions{Clock: clock, CompactionInterval: -1})
	defer b.Close()
	ctx := context.Background()
	s, destroy, err := New(b, testConfig(), newPod, newPodList, "/pods/")
	require.NoError(t, err)
	defer destroy()

	out := &example.Pod{}
	require.NoError(t, s.Create(ctx, "/pods/ns/a", &example.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "a"}}, out, 60))
	w, err := s.Watch(ctx, "/pods/ns/a", storage.ListOptions{ResourceVersion: out.ResourceVersion, Predicate: storage.Everything})
	require.NoError(t, err)
	defer w.Stop()

	// 60s plus the reuse margin of etcd3's lease manager: 5% of the TTL, at
	// most ReuseDurationSeconds (1s in these tests).
	waitFor(t, func() bool { return clock.HasWaiters() })
	clock.Step(60 * time.Second)
	require.NoError(t, s.Get(ctx, "/pods/ns/a", storage.GetOptions{}, &example.Pod{}))
	clock.Step(time.Second)
	select {
	case e := <-w.ResultChan():
		require.Equal(t, watch.Deleted, e.Type)
	case <-time.After(wait.ForeverTestTimeout):
		t.Fatal("no DELETED event")
	}
	require.True(t, storage.IsNotFound(s.Get(ctx, "/pods/ns/a", storage.GetOptions{}, &example.Pod{})))
}

// TestWatchersEnd checks that watches end when the store is destroyed and
// when the Backend is closed.
func TestWatchersEnd(t *testing.T) {
	b := NewBackend(BackendOptions{})
	ctx := context.Background()
	s1, destroy1, err := New(b, testConfig(), newPod, newPodList, "/pods/")
	require.NoError(t, err)
	s2, destroy2, err := New(b, testConfig(), newPod, newPodList, "/pods/")
	require.NoError(t, err)
	defer destroy2()

	w1, err := s1.Watch(ctx, "/pods/", storage.ListOptions{Recursive: true, Predicate: storage.Everything})
	require.NoError(t, err)
	w2, err := s2.Watch(ctx, "/pods/", storage.ListOptions{ResourceVersion: "1", Recursive: true, Predicate: storage.Everything, ProgressNotify: true})
	require.NoError(t, err)

	expectClosed := func(w watch.Interface) {
		t.Helper()
		select {
		case _, ok := <-w.ResultChan():
			if ok {
				t.Fatal("expected the watch to be closed")
			}
		case <-time.After(wait.ForeverTestTimeout):
			t.Fatal("watch not closed")
		}
	}
	destroy1()
	expectClosed(w1)
	b.Close()
	expectClosed(w2)
	if _, _, _, err := b.put("/pods/x", []byte("x"), -1, 0); !errors.Is(err, errClosed) {
		t.Fatalf("expected a write to a closed backend to fail, got %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	if err := wait.PollUntilContextTimeout(context.Background(), time.Millisecond, wait.ForeverTestTimeout, true, func(context.Context) (bool, error) {
		return cond(), nil
	}); err != nil {
		t.Fatalf("condition not met: %v", err)
	}
}

// ===================================================
// Test setup, after etcd3's.
// ===================================================

func newTestLeaseManagerConfig() etcd3.LeaseManagerConfig {
	cfg := etcd3.NewDefaultLeaseManagerConfig()
	cfg.ReuseDurationSeconds = 1
	return cfg
}

func newTestTransformer() value.Transformer {
	return storagetesting.NewPrefixTransformer([]byte(defaultTestPrefix), false)
}

type setupOptions struct {
	backend        BackendOptions
	codec          runtime.Codec
	newFunc        func() runtime.Object
	newListFunc    func() runtime.Object
	prefix         string
	resourcePrefix string
	groupResource  schema.GroupResource
	transformer    value.Transformer
	leaseConfig    etcd3.LeaseManagerConfig
}

type setupOption func(*setupOptions)

func withBackendOptions(o BackendOptions) setupOption {
	return func(options *setupOptions) {
		options.backend = o
	}
}

func withPrefix(prefix string) setupOption {
	return func(options *setupOptions) {
		options.prefix = prefix
	}
}

func withTransformer(transformer value.Transformer) setupOption {
	return func(options *setupOptions) {
		options.transformer = transformer
	}
}

func withCodec(codec runtime.Codec) setupOption {
	return func(options *setupOptions) {
		options.codec = codec
	}
}

func withDefaults(options *setupOptions) {
	options.codec = apitesting.TestCodec(codecs, examplev1.SchemeGroupVersion)
	options.newFunc = newPod
	options.newListFunc = newPodList
	options.prefix = ""
	options.resourcePrefix = "/pods/"
	options.groupResource = schema.GroupResource{Resource: "pods"}
	options.transformer = newTestTransformer()
	options.leaseConfig = newTestLeaseManagerConfig()
}

func testConfig() storagebackend.ConfigForResource {
	var o setupOptions
	withDefaults(&o)
	return storagebackend.ConfigForResource{
		Config: storagebackend.Config{
			Prefix:             o.prefix,
			Codec:              o.codec,
			Transformer:        o.transformer,
			LeaseManagerConfig: o.leaseConfig,
		},
		GroupResource: o.groupResource,
	}
}

func testSetup(t testing.TB, opts ...setupOption) (context.Context, *store, *Backend) {
	setupOpts := setupOptions{}
	opts = append([]setupOption{withDefaults}, opts...)
	for _, opt := range opts {
		opt(&setupOpts)
	}
	// Compaction only where a test asks for it, as etcd3's tests run their
	// compactor with a zero interval.
	if setupOpts.backend.CompactionInterval == 0 {
		setupOpts.backend.CompactionInterval = -1
	}
	b := NewBackend(setupOpts.backend)
	t.Cleanup(b.Close)
	config := storagebackend.ConfigForResource{
		Config: storagebackend.Config{
			Prefix:             setupOpts.prefix,
			Codec:              setupOpts.codec,
			Transformer:        setupOpts.transformer,
			LeaseManagerConfig: setupOpts.leaseConfig,
		},
		GroupResource: setupOpts.groupResource,
	}
	decoder := etcd3.NewDefaultDecoder(setupOpts.codec, storage.APIObjectVersioner{})
	s, err := newStore(b, config, setupOpts.newFunc, setupOpts.resourcePrefix, decoder)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(s.close)
	return context.Background(), s, b
}
