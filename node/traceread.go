package node

import (
	"context"
	"errors"
	"strconv"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/idnum"
)

// TraceReadStore is what showing a trace to staff reads beside the trace:
// who the listed people are, what the venues are called, and the access
// log every read goes into.
type TraceReadStore interface {
	healthcode.AuditStore
	Identities(ctx context.Context, personIDs []int64) (map[int64]healthcode.Identity, error)
	ListVenues(ctx context.Context, f healthcode.VenueFilter) ([]*healthcode.Venue, error)
}

// ReadTrace returns a trace for health staff with the masked identities
// and venue names to show it by. Like every staff read of people, it
// states a purpose, and one append of the access log names each person of
// this region listed: the exposed and the cases whose visits it shows. A
// trace still queued or running lists nobody yet, so records nothing.
func (s *TraceService) ReadTrace(ctx context.Context, caller *healthcode.Caller, id int64, purpose string) (*healthcode.TraceReport, error) {
	// The route admits health staff only; the service checks again, as
	// the data is the same whichever way it is asked for.
	if !caller.Is(healthcode.RoleHealth) {
		return nil, healthcode.Errorf(healthcode.EFORBIDDEN, "only health staff read traces")
	}
	if err := CheckPurpose(caller, purpose); err != nil {
		return nil, err
	}
	store, ok := s.Store.(TraceReadStore)
	if !ok {
		return nil, healthcode.Internal(errors.New("the trace store keeps no access log or profiles"), "read trace")
	}
	t, err := s.Store.FindTrace(ctx, id)
	if err != nil {
		return nil, err
	}
	people := tracePeople(t)
	ids, err := store.Identities(ctx, people)
	if err != nil {
		return nil, err
	}
	r := &healthcode.TraceReport{Trace: t, People: make(map[int64]healthcode.MaskedPerson, len(ids)),
		VenueNames: map[string]string{}}
	for pid, p := range ids {
		r.People[pid] = healthcode.MaskedPerson{Name: idnum.MaskName(p.Name), IDType: p.IDType, IDNumber: idnum.MaskID(p.IDNumber)}
	}
	if venues := traceVenues(t); len(venues) > 0 {
		vs, err := store.ListVenues(ctx, healthcode.VenueFilter{IDs: venues})
		if err != nil {
			return nil, err
		}
		for _, v := range vs {
			r.VenueNames[v.ID] = v.Name
		}
	}
	// The read is recorded before anything of it is returned.
	audit := s.Audit
	if audit == nil {
		audit = &Audit{Store: store, Now: s.Now, Logger: s.Logger}
	}
	if err := audit.RecordMany(ctx, caller, people, "trace "+strconv.FormatInt(id, 10), purpose); err != nil {
		return nil, err
	}
	return r, nil
}

// tracePeople lists once each person of this region a trace shows: the
// cases of its visits, then the exposed.
func tracePeople(t *healthcode.Trace) []int64 {
	ids := onceList[int64]{seen: make(map[int64]bool, len(t.Exposures)+8)}
	for _, v := range t.Visits {
		ids.add(v.PersonID)
	}
	for _, e := range t.Exposures {
		ids.add(e.PersonID)
	}
	return ids.list
}

// traceVenues lists once each venue a trace shows.
func traceVenues(t *healthcode.Trace) []string {
	ids := onceList[string]{seen: map[string]bool{}}
	for _, v := range t.Visits {
		ids.add(v.VenueID)
	}
	for _, e := range t.Exposures {
		ids.add(e.VenueID)
	}
	return ids.list
}

// onceList keeps each non-zero value added once, in the order first added.
type onceList[K comparable] struct {
	seen map[K]bool
	list []K
}

func (o *onceList[K]) add(k K) {
	var zero K
	if k != zero && !o.seen[k] {
		o.seen[k] = true
		o.list = append(o.list, k)
	}
}
