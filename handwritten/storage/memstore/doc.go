// Package memstore keeps a cluster's API objects in memory, behind the
// k8s.io/apiserver storage.Interface that kube-apiserver otherwise fulfils
// with etcd (k8s.io/apiserver/pkg/storage/etcd3).
//
// It is for running the real, upstream kube-apiserver where etcd cannot run:
// in a browser tab or a Node process (js/wasm) and in tests. It plays both
// roles etcd3 splits between a server and a client:
//
//   - Backend is the key-value store: one keyspace shared by every resource,
//     ordered by key in a B-tree (github.com/google/btree), with a single
//     global MVCC revision that every write advances. Past revisions stay
//     readable until they are compacted; compaction runs on the
//     kube-apiserver's default schedule (every 5 minutes, up to the revision
//     seen at the previous run) so history, and memory, stay bounded. TTLs
//     are leases that delete their key when they expire.
//   - New returns the storage.Interface for one resource, built from the same
//     storagebackend.ConfigForResource the etcd3 factory takes. It stores
//     objects exactly as etcd3 does (encoded with the resource's codec, then
//     passed through its value.Transformer, resourceVersion cleared) and reads
//     them back the same way, so upstream's generic storage tests
//     (k8s.io/apiserver/pkg/storage/testing) hold for it as they do for etcd3.
//
// What memstore must not do: it must not change what a client of the API
// server observes compared with etcd — resourceVersions are revisions of one
// global counter, lists and watches at a compacted revision fail with the
// same 410 Gone / "too old resource version" errors, a resourceVersion from
// the future gets the same "Too large resource version" error, and events are
// delivered in revision order, and a create or update whose etcd request
// would exceed etcd's --max-request-bytes (BackendOptions.MaxRequestBytes,
// 1.5 MiB by default) fails with the error etcd's client gives
// ("etcdserver: request is too large"). It must not hold its lock while calling the
// codec, the transformer or validation callbacks (they may call back into the
// store), must not let a slow watcher block writers or other watchers (a
// watcher that falls behind past a compaction gets 410 Gone, as with etcd),
// and must not leave goroutines behind: every watcher ends when its context
// is cancelled, when the store is destroyed and when the Backend is closed.
// It is not durable and not replicated; it is not a general-purpose database.
//
// It must not import: handwritten/..., k8s.io/kubernetes/...
package memstore
