package memstore

import (
	"context"

	pb "go.etcd.io/etcd/api/v3/etcdserverpb"
	"go.etcd.io/etcd/api/v3/v3rpc/rpctypes"
	clientv3 "go.etcd.io/etcd/client/v3"
	"go.etcd.io/etcd/client/v3/kubernetes"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
)

// The size limits on a write between kube-apiserver and etcd. A write is one
// etcd transaction, built by etcd's client for Kubernetes
// (go.etcd.io/etcd/client/v3/kubernetes.Client.OptimisticPut), and it is
// refused, in this order:
//
//   - by kube-apiserver's gRPC client, when the transaction is larger than
//     clientv3's default send limit (kube-apiserver does not change it);
//   - by etcd's gRPC server, when it is larger than --max-request-bytes plus
//     etcd's gRPC overhead allowance
//     (go.etcd.io/etcd/server/v3/config.ServerConfig.MaxRequestBytesWithOverhead);
//   - by etcd itself, when the raft request that carries it (the transaction
//     plus a request header) is larger than --max-request-bytes
//     (EtcdServer.processInternalRaftRequestOnce): "etcdserver: request is
//     too large".
//
// kube-apiserver recognises the first and last errors (isTooLargeError in
// k8s.io/apiserver/pkg/endpoints/handlers), retries the write once without
// managedFields, and otherwise reports the error's text in a 500 status.
const (
	// DefaultMaxRequestBytes is etcd's default --max-request-bytes
	// (go.etcd.io/etcd/server/v3/embed.DefaultMaxRequestBytes): 1.5 MiB.
	DefaultMaxRequestBytes int = 1.5 * 1024 * 1024

	// grpcOverheadBytes is what etcd's gRPC server accepts beyond
	// --max-request-bytes (go.etcd.io/etcd/server/v3/config).
	grpcOverheadBytes = 512 * 1024

	// clientMaxCallSendMsgSize is clientv3's default send limit
	// (defaultMaxCallSendMsgSize in go.etcd.io/etcd/client/v3).
	clientMaxCallSendMsgSize = 2 * 1024 * 1024

	// requestOverheadBound bounds what a write's transaction and raft request
	// add to its value and three copies of its key (compare, put, get on
	// failure): field tags, lengths, revision, lease and request IDs. A write
	// that stays under every limit with it is not measured.
	requestOverheadBound = 4096

	// etcdRequestID and etcdLeaseID stand for the request ID etcd puts in
	// every raft request's header and the ID of a lease it grants. Both
	// come from its request ID generator (go.etcd.io/etcd/pkg/v3/idutil):
	// the member ID's low 16 bits, then a millisecond timestamp and a
	// counter. Only their encoded length counts: 9 bytes for etcd's default
	// member (8e9e05c52164694d), give or take one for other member IDs.
	etcdRequestID = 0x694d << 48
	etcdLeaseID   = 0x694d << 48
)

// checkPutSize fails a write of value at key that etcd would refuse for its
// size, with the error kube-apiserver's etcd client would return for it.
// expectRev, leased and getOnFailure describe the transaction as
// kube-apiserver's etcd3 store sends it: Create puts at revision 0 without a
// read on failure; GuaranteedUpdate puts at the revision it read and reads
// the key back on a conflict.
func (b *Backend) checkPutSize(ctx context.Context, key string, value []byte, expectRev int64, leased, getOnFailure bool) error {
	if len(value)+3*len(key)+requestOverheadBound <= min(b.maxRequestBytes, clientMaxCallSendMsgSize) {
		return nil
	}
	opts := kubernetes.PutOptions{GetOnFailure: getOnFailure}
	if leased {
		opts.LeaseID = etcdLeaseID
	}
	// etcd's client builds the transaction and turns the gRPC error into
	// what kube-apiserver gets (clientv3.ContextError).
	client := kubernetes.Client{Client: &clientv3.Client{KV: clientv3.NewKVFromKVClient(requestLimits{maxRequestBytes: b.maxRequestBytes}, nil)}}
	_, err := client.OptimisticPut(ctx, key, value, expectRev, opts)
	return err
}

// requestLimits is the gRPC path of one transaction from kube-apiserver to
// etcd, as far as size limits go: it applies them in order and answers a
// transaction within them as committed.
type requestLimits struct {
	pb.KVClient     // only Txn is called
	maxRequestBytes int
}

func (l requestLimits) Txn(_ context.Context, r *pb.TxnRequest, _ ...grpc.CallOption) (*pb.TxnResponse, error) {
	// With no compression, gRPC's payload is the marshalled message. The
	// messages are grpc-go's (stream.go, rpc_util.go).
	payload := proto.Size(r)
	if payload > clientMaxCallSendMsgSize {
		return nil, status.Errorf(codes.ResourceExhausted, "trying to send message larger than max (%d vs. %d)", payload, clientMaxCallSendMsgSize)
	}
	if limit := l.maxRequestBytes + grpcOverheadBytes; payload > limit {
		return nil, status.Errorf(codes.ResourceExhausted, "grpc: received message larger than max (%d vs. %d)", payload, limit)
	}
	if proto.Size(&pb.InternalRaftRequest{Header: &pb.RequestHeader{ID: etcdRequestID}, Txn: r}) > l.maxRequestBytes {
		return nil, rpctypes.ErrGRPCRequestTooLarge
	}
	return &pb.TxnResponse{Header: &pb.ResponseHeader{}, Succeeded: true}, nil
}
