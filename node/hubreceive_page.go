package node

import (
	"context"
	"fmt"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/failpoint"
)

// applyPage applies the batches of a page after since, in order, and
// returns the last seq. Each batch is checked and read (prepare) on a
// goroutine of its own while the one before it is imported (land): the
// import holds the store's write lock and the rest needs none, so the two
// share both cores. Batches land strictly in page order, and the
// preparation stops at the first batch that stops the round.
func (r *HubReceiver) applyPage(ctx context.Context, round *receiveRound, since int64, page []listedInboxBatch) (int64, error) {
	ctx, cancel := context.WithCancel(ctx)
	prepared := make(chan *preparedBatch, 1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(prepared)
		for _, b := range page {
			pb := r.prepare(ctx, round, b)
			select {
			case prepared <- pb:
			case <-ctx.Done():
				return
			}
			if pb.err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		<-done // nothing of the page is read past the return
	}()
	last := since
	for pb := range prepared {
		b := pb.listed
		if b.Seq <= last {
			return 0, healthcode.Errorf(healthcode.EUNAVAILABLE, "the hub listed batch %s at seq %d, not after %d", b.ID, b.Seq, last)
		}
		if pb.reached != nil {
			pb.reached()
		}
		if pb.err != nil {
			return 0, pb.err
		}
		if err := r.land(ctx, round, pb); err != nil {
			return 0, err
		}
		last = b.Seq
	}
	return last, ctx.Err()
}

// preparedBatch is a listed batch checked and read, ready to land.
type preparedBatch struct {
	listed listedInboxBatch
	apply  *batchApply // nil: nothing to import (applied already, or refused)
	err    error       // the round stops at this batch
	// reached counts and logs what the preparation found, once the round
	// reaches the batch: a round may stop before a batch read ahead, which
	// then comes again.
	reached func()
}

// prepare checks a listed batch and reads its records, unless it was
// applied already or does not verify. It stores nothing.
func (r *HubReceiver) prepare(ctx context.Context, round *receiveRound, b listedInboxBatch) *preparedBatch {
	pb := &preparedBatch{listed: b}
	if _, err := r.Store.FindInboxBatch(ctx, b.ID); err == nil {
		pb.reached = func() {
			r.Metrics.received(ReceiveDuplicate)
			r.log().DebugContext(ctx, "hub: batch applied already", "batch", b.ID, "from", b.From, "seq", b.Seq)
		}
		return pb
	} else if healthcode.ErrorCode(err) != healthcode.ENOTFOUND {
		pb.err = err
		return pb
	}
	p, no, err := r.check(ctx, round, b)
	if err != nil {
		pb.err = err
		return pb
	}
	if no != nil && no.reason == batchMisaddressed {
		// The hub lists the batches addressed to the region of the peer
		// token, so a batch to another region means this node holds that
		// region's token (or the hub has gone wrong). Passing it over would
		// ack it, and its region would never see it: the round stops
		// before it, and it waits for the node it is for.
		pb.reached = func() { r.Metrics.received(ReceiveFailed) }
		pb.err = healthcode.Errorf(healthcode.EFORBIDDEN, "the hub listed batch %s for this node, but it is %s: "+
			"check --hub-token, which looks like another region's peer token; the batch was neither applied nor acknowledged",
			b.ID, no.message)
		return pb
	}
	if no != nil {
		pb.reached = func() {
			r.Metrics.received(ReceiveRefused)
			r.log().WarnContext(ctx, "hub: batch refused, not applied", "batch", b.ID, "from", b.From, "seq", b.Seq,
				"reason", no.reason, "err", no.message)
		}
		return pb
	}
	if pb.apply, err = r.readBatch(ctx, p); err != nil {
		pb.reached = func() { r.Metrics.received(ReceiveFailed) }
		pb.err = fmt.Errorf("batch %s from %s: %w", p.ID, p.From, err)
	}
	return pb
}

// land imports a prepared batch and records it with its seq, so that it
// is applied exactly once.
func (r *HubReceiver) land(ctx context.Context, round *receiveRound, pb *preparedBatch) error {
	if pb.apply == nil {
		return nil
	}
	b, p := pb.listed, pb.apply.batch
	start := time.Now()
	sum, err := pb.apply.run(round.imports)
	if err != nil {
		r.Metrics.received(ReceiveFailed)
		return fmt.Errorf("batch %s from %s: %w", p.ID, p.From, err)
	}
	if round.recomputer != nil {
		r.stored.Add(sum.Accepted + sum.Corrected)
	}
	failpoint.Crash(CrashAfterBatchImport)
	isNew, err := r.Store.RecordInboxBatch(ctx, &healthcode.InboxBatch{ID: p.ID, From: p.From, Seq: b.Seq, AppliedAt: r.now(), Summary: *sum})
	if err != nil {
		r.Metrics.received(ReceiveFailed)
		return err
	}
	if !isNew {
		// Another receiver recorded it meanwhile; what this one imported
		// were duplicates of its rows.
		r.Metrics.received(ReceiveDuplicate)
		return nil
	}
	r.Metrics.received(ReceiveApplied)
	r.log().InfoContext(ctx, "hub: batch applied", "batch", p.ID, "from", p.From, "seq", b.Seq,
		"records", sum.Records, "accepted", sum.Accepted, "duplicate", sum.Duplicate, "corrected", sum.Corrected,
		"rejected", sum.Rejected, "pending", sum.Pending, "unknown_subject", sum.UnknownSubject, "invalid", sum.Invalid,
		"elapsed", time.Since(start).Round(time.Millisecond))
	return nil
}
