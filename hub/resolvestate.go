package hub

import (
	"context"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/verify"
)

// resolveState is what resolving reads: the offline verifier of the trust
// list the hub serves (rebuilt with it: a region's key revoked, region
// CN's keys rotated, here or by another process), and the regions
// (endpoints, tokens, colour maps) by id, read again when the store's
// generation moves, as a change of any of them moves it.
type resolveState struct {
	verifier *verify.Verifier
	*resolveRegions
}

type resolveRegions struct {
	generation int64
	byID       map[string]*healthcode.Region
}

func (r *Resolver) resolveState(ctx context.Context) (*resolveState, error) {
	list, err := r.Hub.current(ctx)
	if err != nil {
		return nil, err
	}
	v, err := list.verifierOf()
	if err != nil {
		return nil, err
	}
	regions, err := r.regionsAt(ctx, list.generation)
	if err != nil {
		return nil, err
	}
	return &resolveState{verifier: v, resolveRegions: regions}, nil
}

// regionsAt returns the regions as of generation gen (or later).
func (r *Resolver) regionsAt(ctx context.Context, gen int64) (*resolveRegions, error) {
	if rs := r.regions.Load(); rs != nil && rs.generation >= gen {
		return rs, nil
	}
	r.regionsMu.Lock()
	defer r.regionsMu.Unlock()
	if rs := r.regions.Load(); rs != nil && rs.generation >= gen {
		return rs, nil
	}
	// The generation was read before the regions: a change in between
	// moves it again and the next resolve reads anew.
	regions, err := r.Hub.Store.Regions(ctx)
	if err != nil {
		return nil, err
	}
	rs := &resolveRegions{generation: gen, byID: make(map[string]*healthcode.Region, len(regions))}
	for _, reg := range regions {
		rs.byID[reg.ID] = reg
	}
	r.regions.Store(rs)
	return rs, nil
}

// NationalColour is the national colour of local in region, by the
// region's colour map (the identity for a region with none, or not
// registered): the hook the hub's national code takes
// (Registry.NationalColour).
func (r *Resolver) NationalColour(ctx context.Context, region string, local healthcode.Colour) (healthcode.Colour, error) {
	gen, err := r.Hub.generation(ctx)
	if err != nil {
		return 0, err
	}
	rs, err := r.regionsAt(ctx, gen)
	if err != nil {
		return 0, err
	}
	if reg := rs.byID[region]; reg != nil {
		return reg.ColourMap.Map(local), nil
	}
	return local, nil
}
