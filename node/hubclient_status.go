package node

import (
	"time"

	"github.com/healthcode/healthcode/trust"
)

// HubStatus is what the node knows of the hub it follows, for the admin's
// page: the list held and how the last fetches went.
type HubStatus struct {
	URL    string
	HubKID string
	// List is the hub's trust list held now, nil before any arrived.
	List *trust.List
	// LastFetch is when the list was last asked for, LastOK when a fetch
	// last succeeded (a new list or "not modified"); LastError is the
	// last fetch's failure, "" after a success.
	LastFetch, LastOK time.Time
	LastError         string
}

// fetchNote is the outcome of the last fetch.
type fetchNote struct {
	at, ok time.Time
	err    string
}

// noteFetch records a fetch's outcome for Status.
func (c *HubClient) noteFetch(err *error) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	c.fetched.at = now
	if *err != nil {
		c.fetched.err = (*err).Error()
		return
	}
	c.fetched.ok, c.fetched.err = now, ""
}

// Status returns the hub's URL and key id, the list held and the last
// fetch's outcome.
func (c *HubClient) Status() HubStatus {
	c.mu.Lock()
	f := c.fetched
	c.mu.Unlock()
	return HubStatus{URL: c.URL, HubKID: trust.HubKID(c.HubKey), List: c.List(), LastFetch: f.at, LastOK: f.ok, LastError: f.err}
}
