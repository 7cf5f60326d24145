package hub

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/verify"
)

// resolveState is what resolving reads, built once per generation of the
// hub's store: the offline verifier over the hub's own trust list, and the
// regions (endpoints, tokens, colour maps) by id. A key revoked or a map
// changed, here or by another process, moves the generation, so the next
// resolve sees it.
type resolveState struct {
	generation int64
	verifier   *verify.Verifier
	regions    map[string]*healthcode.Region
}

func (r *Resolver) resolveState(ctx context.Context) (*resolveState, error) {
	gen, err := r.Hub.Store.HubGeneration(ctx)
	if err != nil {
		return nil, err
	}
	if st := r.state.Load(); st != nil && st.generation == gen {
		return st, nil
	}
	r.stateMu.Lock()
	defer r.stateMu.Unlock()
	if st := r.state.Load(); st != nil && st.generation == gen {
		return st, nil
	}
	// Read after the generation: a change in between moves it again and
	// the next resolve builds anew, never keeps a stale state as current.
	l, err := r.Hub.List(ctx, r.Hub.Now())
	if err != nil {
		return nil, err
	}
	v, err := verify.NewVerifier(l)
	if err != nil {
		return nil, healthcode.Internal(err, "the hub's trust list verifier")
	}
	regions, err := r.Hub.Store.Regions(ctx)
	if err != nil {
		return nil, err
	}
	st := &resolveState{generation: gen, verifier: v, regions: make(map[string]*healthcode.Region, len(regions))}
	for _, reg := range regions {
		st.regions[reg.ID] = reg
	}
	r.state.Store(st)
	return st, nil
}

// NationalColour is the national colour of local in region, by the
// region's colour map (the identity for a region with none, or not
// registered): the hook the hub's national code takes
// (Registry.NationalColour).
func (r *Resolver) NationalColour(ctx context.Context, region string, local healthcode.Colour) (healthcode.Colour, error) {
	st, err := r.resolveState(ctx)
	if err != nil {
		return 0, err
	}
	if reg := st.regions[region]; reg != nil {
		return reg.ColourMap.Map(local), nil
	}
	return local, nil
}
