package node

import (
	"context"
	"time"

	"github.com/healthcode/healthcode"
)

// HolderReader reads the live status of the people whose codes are being
// scanned, the reads of concurrent scans gathered into one query: on a
// busy node a statement per scan costs more than judging the scan. The
// read is as fresh as a single read: each gathering starts after its
// scans arrived.
type HolderReader struct {
	store healthcode.ScanHolderStore
	now   func() time.Time
	reqs  chan *holderRequest
}

type holderRequest struct {
	personID int64
	detail   bool
	holder   *healthcode.ScanHolder
	err      error
	done     chan struct{}
}

// maxHolderReads bounds one gathering.
const maxHolderReads = 256

// NewHolderReader starts readers goroutines that read until ctx ends.
func NewHolderReader(ctx context.Context, store healthcode.ScanHolderStore, now func() time.Time, readers int) *HolderReader {
	r := &HolderReader{store: store, now: now, reqs: make(chan *holderRequest, 4096)}
	for range max(1, readers) {
		go r.read(ctx)
	}
	return r
}

// Find reads the holder with personID (ENOTFOUND when none); detail asks
// for the whole status.
func (r *HolderReader) Find(ctx context.Context, personID int64, detail bool) (*healthcode.ScanHolder, error) {
	q := &holderRequest{personID: personID, detail: detail, done: make(chan struct{})}
	select {
	case r.reqs <- q:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	select {
	case <-q.done:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	if q.err == nil && q.holder == nil {
		return nil, healthcode.Errorf(healthcode.ENOTFOUND, "no such person")
	}
	return q.holder, q.err
}

func (r *HolderReader) read(ctx context.Context) {
	batch := make([]*holderRequest, 0, maxHolderReads)
	ids := make([]int64, 0, maxHolderReads)
	one := func(*holderRequest) int { return 1 }
	for {
		var ok bool
		if batch, _, ok = gather(ctx, r.reqs, batch, maxHolderReads, one); !ok {
			return
		}
		ids = ids[:0]
		detail := false
		for _, q := range batch {
			ids = append(ids, q.personID)
			detail = detail || q.detail
		}
		// Read at the time the last request arrived or later: a status due
		// then is due for every request of the gathering.
		hs, err := r.store.FindScanHolders(context.WithoutCancel(ctx), ids, detail, r.now())
		for i, q := range batch {
			if err != nil {
				q.err = err
			} else {
				q.holder = hs[i]
			}
			close(q.done)
		}
	}
}
