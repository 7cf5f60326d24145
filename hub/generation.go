package hub

import (
	"context"
	"time"
)

// GenerationCacheFor is how long the hub takes the store's generation as
// read, instead of reading it for every resolve and every trust list
// request (a database round trip, a fifth of a resolve on PostgreSQL). A
// change this Registry makes is seen at once: it forgets the generation.
// One made by another process (`healthcode hub region revoke-key`, a
// second hub on the same database) is seen within this time.
const GenerationCacheFor = time.Second

// readGeneration is the store's generation and when it was read.
type readGeneration struct {
	gen int64
	at  time.Time
}

// generation returns the store's generation, as read at most
// GenerationCacheFor ago.
func (g *Registry) generation(ctx context.Context) (int64, error) {
	now := g.Now()
	if r := g.gen.Load(); r != nil && !now.Before(r.at) && now.Sub(r.at) < GenerationCacheFor {
		return r.gen, nil
	}
	at := now
	gen, err := g.Store.HubGeneration(ctx)
	if err != nil {
		return 0, err
	}
	g.gen.Store(&readGeneration{gen: gen, at: at})
	return gen, nil
}

// changed forgets the generation read: this Registry has just moved it.
func (g *Registry) changed() { g.gen.Store(nil) }
