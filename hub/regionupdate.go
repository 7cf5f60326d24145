package hub

import (
	"context"

	"github.com/healthcode/healthcode"
)

// UpdateRegion changes a region's name (the trust list's next generation
// shows it) and what ways 2 and 3 read of it: the URL of its
// node, the token the hub asks that node with, how its colours map to the
// national ones (an empty map is the identity), and the policy a region of
// mode national is judged by ("" the national default). A nil field is left as it
// is; the region as it will be is validated as AddRegion validates one.
func (g *Registry) UpdateRegion(ctx context.Context, id string, u healthcode.RegionUpdate) (*healthcode.Region, error) {
	r, err := g.Store.FindRegion(ctx, id)
	if err != nil {
		return nil, err
	}
	if u.Name != nil {
		r.Name = *u.Name
	}
	if u.Endpoint != nil {
		r.Endpoint = *u.Endpoint
	}
	if u.EndpointToken != nil {
		r.EndpointToken = *u.EndpointToken
	}
	if u.ColourMap != nil {
		r.ColourMap = *u.ColourMap
	}
	if u.Policy != nil {
		r.Policy = *u.Policy
	}
	var fe healthcode.FieldErrors
	if err := r.Validate(); err != nil {
		for f, reason := range healthcode.ErrorFields(err) {
			fe.Add(f, reason)
		}
	}
	checkPolicy(r, &fe)
	if err := fe.Err(); err != nil {
		return nil, err
	}
	if u.ColourMap != nil {
		m := u.ColourMap.Normal()
		if m == nil {
			m = healthcode.ColourMap{} // still a change: to the identity
		}
		u.ColourMap = &m
	}
	defer g.changed()
	return g.Store.UpdateRegion(ctx, id, u)
}
