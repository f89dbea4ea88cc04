package memstore

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apiserver/pkg/storage"
	"k8s.io/apiserver/pkg/storage/etcd3"
	"k8s.io/apiserver/pkg/storage/value"
	"k8s.io/klog/v2"
)

// Corrupt objects: stored data that no longer transforms (say, encrypted
// with a key that was removed) or decodes. With the
// AllowUnsafeMalformedObjectDeletion feature (beta, on by default in 1.37)
// kube-apiserver reports them as such, so that they can be deleted with
// ignoreStoreReadErrorWithClusterBreakingPotential, and a list reports every
// corrupt object rather than the first. etcd3 implements this with
// unexported types; these are memstore's, producing the same API errors.

// corruptObjectReporter reports the corrupt objects a store finds as such:
// to Get as a storage CorruptObj error (the registry then allows unsafe
// deletion), to GetList as one 500 StoreReadError naming every one.
type corruptObjectReporter struct {
	storage.Interface
	groupResource schema.GroupResource
}

func (r *corruptObjectReporter) Get(ctx context.Context, key string, opts storage.GetOptions, out runtime.Object) error {
	err := r.Interface.Get(ctx, key, opts, out)
	var corrupt *corruptObjectError
	if err != nil && errors.As(err, &corrupt) {
		return storage.NewCorruptObjError(key, corrupt)
	}
	return err
}

func (r *corruptObjectReporter) GetList(ctx context.Context, key string, opts storage.ListOptions, listObj runtime.Object) error {
	err := r.Interface.GetList(ctx, key, opts, listObj)
	var aggregated *aggregatedStorageError
	if err != nil && errors.As(err, &aggregated) {
		klog.V(5).ErrorS(aggregated, "corrupt objects")
		return aggregated.apiStatusError(r.groupResource)
	}
	return err
}

// maxCorruptObjectErrors caps the corrupt objects one list reports (etcd3's
// limit).
const maxCorruptObjectErrors = 100

// errTooManyCorruptObjects ends a list that found too many corrupt objects.
var errTooManyCorruptObjects = errors.New("too many errors, the list is truncated")

// corruptObjectError marks a transform or decode failure as a corrupt object.
type corruptObjectError struct {
	err      error
	errType  corruption
	revision int64
}

type corruption int

const (
	untransformable corruption = iota + 1
	undecodable
)

func (e *corruptObjectError) Unwrap() error { return e.err }

func (e *corruptObjectError) Error() string {
	what := "data from the storage is not transformable"
	if e.errType == undecodable {
		what = "object not decodable"
	}
	return fmt.Sprintf("%s revision=%d: %v", what, e.revision, e.err)
}

// corruptMarkingTransformer marks every failure to read stored data as a
// corrupt object.
type corruptMarkingTransformer struct {
	value.Transformer
}

func (t *corruptMarkingTransformer) TransformFromStorage(ctx context.Context, data []byte, dataCtx value.Context) ([]byte, bool, error) {
	out, stale, err := t.Transformer.TransformFromStorage(ctx, data, dataCtx)
	if err != nil {
		err = &corruptObjectError{err: err, errType: untransformable}
	}
	return out, stale, err
}

// corruptMarkingDecoder marks every decode failure as a corrupt object.
type corruptMarkingDecoder struct {
	etcd3.Decoder
}

func (d *corruptMarkingDecoder) Decode(data []byte, objPtr runtime.Object, rev int64) error {
	if err := d.Decoder.Decode(data, objPtr, rev); err != nil {
		return &corruptObjectError{err: err, errType: undecodable, revision: rev}
	}
	return nil
}

func (d *corruptMarkingDecoder) DecodeListItem(ctx context.Context, data []byte, rev uint64, newItemFunc func() runtime.Object) (runtime.Object, error) {
	obj, err := d.Decoder.DecodeListItem(ctx, data, rev, newItemFunc)
	if err != nil {
		err = &corruptObjectError{err: err, errType: undecodable, revision: int64(rev)}
	}
	return obj, err
}

// listItemErrors collects the errors of a list's items. Append returns true
// when the list must stop; Aggregate is the list's error, if any.
type listItemErrors interface {
	Append(key string, err error) bool
	Aggregate() error
}

// abortOnFirstError fails a list on its first bad item.
func abortOnFirstError() listItemErrors { return &firstError{} }

type firstError struct{ err error }

func (f *firstError) Append(_ string, err error) bool { f.err = err; return true }
func (f *firstError) Aggregate() error                { return f.err }

// aggregateCorruptObjectErrors collects up to maxCorruptObjectErrors corrupt
// objects and fails the list on any other error.
func aggregateCorruptObjectErrors() listItemErrors { return &corruptObjects{} }

type corruptObjects struct {
	errs  []error
	abort error
}

func (c *corruptObjects) Append(key string, err error) bool {
	if c.abort != nil {
		return true
	}
	var corrupt *corruptObjectError
	if !errors.As(err, &corrupt) {
		c.abort = err
		return true
	}
	c.errs = append(c.errs, storage.NewCorruptObjError(key, corrupt))
	if len(c.errs) >= maxCorruptObjectErrors {
		c.abort = errTooManyCorruptObjects
		return true
	}
	return false
}

func (c *corruptObjects) Aggregate() error {
	switch {
	case len(c.errs) > 0:
		return &aggregatedStorageError{errs: c.errs, abort: c.abort}
	case c.abort != nil:
		return c.abort
	}
	return nil
}

// aggregatedStorageError is a list's corrupt objects (and what stopped it).
type aggregatedStorageError struct {
	errs  []error
	abort error
}

func (e *aggregatedStorageError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "unable to transform or decode %d objects: {\n", len(e.errs))
	for _, err := range e.errs {
		fmt.Fprintf(&b, "\t%s\n", err.Error())
	}
	b.WriteString("}")
	if e.abort != nil {
		fmt.Fprintf(&b, ", aborted: %v", e.abort)
	}
	return b.String()
}

// apiStatusError is the 500 StoreReadError a list of corrupt objects gets,
// one cause per corrupt object.
func (e *aggregatedStorageError) apiStatusError(gr schema.GroupResource) *apierrors.StatusError {
	var causes []metav1.StatusCause
	for _, err := range e.errs {
		var storageErr *storage.StorageError
		if errors.As(err, &storageErr) {
			causes = append(causes, metav1.StatusCause{
				Type:    metav1.CauseTypeUnexpectedServerResponse,
				Field:   storageErr.Key,
				Message: err.Error(),
			})
		}
	}
	switch {
	case errors.Is(e.abort, errTooManyCorruptObjects):
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseTypeTooMany, Message: errTooManyCorruptObjects.Error()})
	case e.abort != nil:
		causes = append(causes, metav1.StatusCause{Type: metav1.CauseTypeUnexpectedServerResponse, Message: e.abort.Error()})
	}
	message := fmt.Sprintf("failed to read one or more %s from the storage: %v", gr.String(), e.errs[0])
	if len(e.errs) > 1 {
		message = fmt.Sprintf("%s (and %d more)", message, len(e.errs)-1)
	}
	return &apierrors.StatusError{ErrStatus: metav1.Status{
		Status: metav1.StatusFailure,
		Code:   http.StatusInternalServerError,
		Reason: metav1.StatusReasonStoreReadError,
		Details: &metav1.StatusDetails{
			Group:  gr.Group,
			Kind:   gr.Resource,
			Name:   "list",
			Causes: causes,
		},
		Message: message,
	}}
}

// corruptObjectDeletedError is a watch's DELETED event for an object whose
// last stored data is corrupt.
type corruptObjectDeletedError struct {
	err error
}

func (e *corruptObjectDeletedError) Error() string {
	return fmt.Sprintf("saw a DELETED event, but object data is corrupt - %v", e.err)
}

func (e *corruptObjectDeletedError) Unwrap() error { return e.err }
