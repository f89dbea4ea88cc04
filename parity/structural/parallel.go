package structural

import (
	"errors"
	"runtime"
	"sync"
)

// Parallel runs check on every item with a small pool of workers (most items
// are byte-equal files, so the work is I/O bound) and collects the findings
// and errors of all of them.
func Parallel[T any](items []T, check func(T) ([]Finding, error)) ([]Finding, error) {
	var (
		mu   sync.Mutex
		out  []Finding
		errs []error
		wg   sync.WaitGroup
	)
	work := make(chan T)
	for range runtime.GOMAXPROCS(0) * 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range work {
				fs, err := check(it)
				mu.Lock()
				out = append(out, fs...)
				if err != nil {
					errs = append(errs, err)
				}
				mu.Unlock()
			}
		}()
	}
	for _, it := range items {
		work <- it
	}
	close(work)
	wg.Wait()
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return out, nil
}
