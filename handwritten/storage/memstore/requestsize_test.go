package memstore

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apiserver/pkg/apis/example"
	"k8s.io/apiserver/pkg/storage"
)

// tooLargeError is what kube-apiserver's create, update and patch handlers
// look for to retry a write without managedFields (isTooLargeError in
// k8s.io/apiserver/pkg/endpoints/handlers/rest.go): etcd's error as etcd's
// client returns it.
type tooLargeError interface {
	Code() codes.Code
	Error() string
}

// TestRequestTooLarge checks that creates and updates whose etcd request
// exceeds the default --max-request-bytes (1.5 MiB) fail as with etcd, and
// change nothing.
func TestRequestTooLarge(t *testing.T) {
	ctx, s, b := testSetup(t)
	key := "/pods/ns/big"
	// A stored value 30 bytes under the limit: the request (key, value,
	// transaction and raft framing) is over it. etcd measures the request.
	newPod := func(annotation string) *example.Pod {
		return &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "big", Annotations: map[string]string{"a": annotation}}}
	}
	data, err := runtime.Encode(s.codec, newPod(""))
	require.NoError(t, err)
	big := strings.Repeat("a", DefaultMaxRequestBytes-30-len(defaultTestPrefix)-len(data))
	data, err = runtime.Encode(s.codec, newPod(big))
	require.NoError(t, err)
	require.Equal(t, DefaultMaxRequestBytes-30, len(defaultTestPrefix)+len(data))

	rev := b.Revision()
	err = s.Create(ctx, key, newPod(big), &example.Pod{}, 0)
	requireTooLarge(t, err)
	require.Equal(t, rev, b.Revision(), "a refused create must not write")
	require.True(t, storage.IsNotFound(s.Get(ctx, key, storage.GetOptions{}, &example.Pod{})))

	out := &example.Pod{}
	require.NoError(t, s.Create(ctx, key, &example.Pod{ObjectMeta: metav1.ObjectMeta{Name: "big"}}, out, 0))
	rev = b.Revision()
	err = s.GuaranteedUpdate(ctx, key, &example.Pod{}, false, nil, func(input runtime.Object, _ storage.ResponseMeta) (runtime.Object, *uint64, error) {
		pod := input.(*example.Pod)
		pod.Annotations = map[string]string{"a": big}
		return pod, nil, nil
	}, nil)
	requireTooLarge(t, err)
	require.Equal(t, rev, b.Revision(), "a refused update must not write")
	got := &example.Pod{}
	require.NoError(t, s.Get(ctx, key, storage.GetOptions{}, got))
	require.Equal(t, out.ResourceVersion, got.ResourceVersion)
	require.Empty(t, got.Annotations)
}

func requireTooLarge(t *testing.T, err error) {
	t.Helper()
	require.Error(t, err)
	etcdErr, ok := err.(tooLargeError)
	require.True(t, ok, "error %T %v has no gRPC code", err, err)
	require.Equal(t, codes.InvalidArgument, etcdErr.Code())
	require.Equal(t, "etcdserver: request is too large", etcdErr.Error())
}

// TestRequestSizeLimits checks where each limit lies, for a transaction
// putting n bytes at /k as Create sends it: a compare (10 bytes: key,
// target, mod_revision 0) and a put op (n+13 bytes for 128 <= n < 16384,
// n+16 for 16384 <= n < 2 MiB: the tags and lengths of the op, the put, its
// key and its value). The transaction is thus n+23 (n+26) bytes; the raft
// request etcd measures adds its tag and length (3, 4) and a request header
// of 13 bytes (field 100, an ID of 9 bytes): n+39 (n+43) bytes.
func TestRequestSizeLimits(t *testing.T) {
	ctx := context.Background()
	newBackend := func(max int) *Backend {
		b := NewBackend(BackendOptions{CompactionInterval: -1, MaxRequestBytes: max})
		t.Cleanup(b.Close)
		return b
	}
	put := func(b *Backend, n int) error {
		return b.checkPutSize(ctx, "/k", make([]byte, n), 0, false, false)
	}

	b := newBackend(1024)
	require.NoError(t, put(b, 1024-39))
	requireTooLarge(t, put(b, 1024-39+1))
	// A lease ID (9 bytes, with its tag 10) and a read on failure (the
	// range op: 8) count too.
	require.NoError(t, b.checkPutSize(ctx, "/k", make([]byte, 1024-39-10-8), 7, true, true))
	requireTooLarge(t, b.checkPutSize(ctx, "/k", make([]byte, 1024-39-10-8+1), 7, true, true))

	// Past --max-request-bytes plus etcd's 512 KiB gRPC allowance, etcd's
	// gRPC server refuses the message before etcd sees it.
	n := 1024 + 512*1024 - 26 + 1
	err := put(b, n)
	require.Equal(t, codes.ResourceExhausted, status.Code(err))
	require.EqualError(t, err, fmt.Sprintf("rpc error: code = ResourceExhausted desc = grpc: received message larger than max (%d vs. %d)", n+26, 1024+512*1024))
	requireTooLarge(t, put(b, n-1))

	// Past clientv3's 2 MiB send limit, kube-apiserver's etcd client
	// refuses to send it.
	b = newBackend(0)
	require.Equal(t, DefaultMaxRequestBytes, b.maxRequestBytes)
	n = 2*1024*1024 - 26 + 1
	err = put(b, n)
	require.Equal(t, codes.ResourceExhausted, status.Code(err))
	require.EqualError(t, err, fmt.Sprintf("rpc error: code = ResourceExhausted desc = trying to send message larger than max (%d vs. %d)", n+26, 2*1024*1024))
	requireTooLarge(t, put(b, n-1))
	require.NoError(t, put(b, DefaultMaxRequestBytes-43))
	requireTooLarge(t, put(b, DefaultMaxRequestBytes-43+1))
}
