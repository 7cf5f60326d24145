package node

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/healthcode/healthcode"
	"github.com/healthcode/healthcode/trust"
)

// maxTrustList bounds the trust list read from the hub or the cache.
const maxTrustList = 16 << 20

// FetchTrust fetches the hub's trust list and holds it when it verifies
// under the pinned hub key and is not older than the list held; the held
// list stays otherwise. A list taken is written to DataDir first thing
// after, for the next start.
func (c *HubClient) FetchTrust(ctx context.Context) error {
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	return c.fetchTrust(ctx)
}

// fetchTrust is FetchTrust with fetchMu held.
func (c *HubClient) fetchTrust(ctx context.Context) (err error) {
	defer c.noteFetch(&err)
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.endpoint("/hub/v1/trust"), nil)
	if err != nil {
		c.Metrics.fetched(HubUnreachable)
		return healthcode.Internal(err, "hub trust request")
	}
	req.Header.Set("Accept", "application/jose")
	c.mu.Lock()
	etag := c.etag
	c.mu.Unlock()
	if etag != "" {
		req.Header.Set("If-None-Match", etag)
	}
	resp, err := c.client().Do(req)
	if err != nil {
		c.Metrics.fetched(HubUnreachable)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub cannot be reached", Err: err}
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusNotModified:
		c.Metrics.fetched(HubNotModified)
		return nil
	default:
		c.Metrics.fetched(HubUnreachable)
		_, msg := hubError(resp.Body)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub did not serve its trust list",
			Err: fmt.Errorf("GET /hub/v1/trust answered %s: %s", resp.Status, msg)}
	}
	data, err := readBody(resp, maxTrustList+1)
	if err != nil {
		c.Metrics.fetched(HubUnreachable)
		return &healthcode.Error{Code: healthcode.EUNAVAILABLE, Message: "the hub's trust list was cut short", Err: err}
	}
	// The copy for the next start is written (and synced) while the list
	// is checked, and put in place only once it holds.
	staged := c.stageCache(data)
	list, result, err := c.check(data)
	if err != nil {
		staged.discard()
		c.Metrics.fetched(result)
		return err
	}
	c.Metrics.fetched(HubOK)
	c.hold(list, resp.Header.Get("ETag"))
	c.log().InfoContext(ctx, "hub: trust list taken", "issued_at", list.IssuedAt, "regions", len(list.Regions))
	// The list is in use either way; a cache that cannot be written only
	// costs the next start while the hub is down.
	if err := staged.commit(); err != nil {
		c.log().ErrorContext(ctx, "hub: trust list not cached", "path", c.cachePath(), "err", err)
	}
	return nil
}

// readBody reads a response body of at most limit bytes, in one buffer of
// its Content-Length when it gives one (a list is half a megabyte: read
// in growing pieces, it was copied a dozen times).
func readBody(resp *http.Response, limit int64) ([]byte, error) {
	if n := resp.ContentLength; n > 0 && n <= limit {
		buf := make([]byte, n)
		if _, err := io.ReadFull(resp.Body, buf); err != nil {
			return nil, err
		}
		return buf, nil
	}
	return io.ReadAll(io.LimitReader(resp.Body, limit))
}

// LoadCache holds the trust list kept in DataDir, checked like one from the
// hub: a node started while the hub is down still verifies visitors. No
// file is no error.
func (c *HubClient) LoadCache() error {
	c.fetchMu.Lock()
	defer c.fetchMu.Unlock()
	data, err := readLimited(c.cachePath(), maxTrustList+1)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	list, _, err := c.check(data)
	if err != nil {
		return fmt.Errorf("%s: %w", c.cachePath(), err)
	}
	c.hold(list, "")
	c.log().Info("hub: cached trust list loaded", "path", c.cachePath(), "issued_at", list.IssuedAt, "regions", len(list.Regions))
	return nil
}

// check verifies data under the hub key and refuses a list older than the
// one held, answering the fetch result to count.
func (c *HubClient) check(data []byte) (*trust.List, string, error) {
	if len(data) > maxTrustList {
		return nil, HubBadSignature, healthcode.Errorf(healthcode.ETOOLARGE, "trust list over %d bytes", maxTrustList)
	}
	list, err := c.lists.Parse(data, c.HubKey)
	if err != nil {
		return nil, HubBadSignature, err
	}
	if held := c.List(); held != nil && list.IssuedAt.Before(held.IssuedAt) {
		// A replayed old list could bring back a revoked key.
		return nil, HubStale, healthcode.Errorf(healthcode.ECONFLICT,
			"trust list issued at %s is older than the one held (%s)", list.IssuedAt.Format(time.RFC3339), held.IssuedAt.Format(time.RFC3339))
	}
	return list, HubOK, nil
}

func (c *HubClient) hold(list *trust.List, etag string) {
	c.mu.Lock()
	c.list.Store(list)
	c.etag = etag
	c.mu.Unlock()
	c.Metrics.hold(list.IssuedAt, c.now)
}

func (c *HubClient) cachePath() string { return filepath.Join(c.DataDir, HubTrustFile) }

// stagedCache is a list being written to a temporary file beside the
// cache, on a goroutine of its own: commit puts it in place atomically (a
// crash leaves the old copy or the new one, never half of one), discard
// removes it.
type stagedCache struct {
	done chan struct{}
	tmp  string // the file written, "" when none could be made
	err  error
	path string
}

func (c *HubClient) stageCache(data []byte) *stagedCache {
	s := &stagedCache{done: make(chan struct{}), path: c.cachePath()}
	go func() {
		defer close(s.done)
		s.tmp, s.err = writeTemp(c.DataDir, data)
	}()
	return s
}

func (s *stagedCache) commit() error {
	<-s.done
	if s.err != nil {
		return s.err
	}
	if err := os.Rename(s.tmp, s.path); err != nil {
		os.Remove(s.tmp)
		return err
	}
	return nil
}

func (s *stagedCache) discard() {
	<-s.done
	if s.tmp != "" {
		os.Remove(s.tmp)
	}
}

// writeTemp writes data to a new file in dir, mode 0600, synced; it
// returns the file's name, or "" and the error (nothing left behind).
func writeTemp(dir string, data []byte) (string, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	f, err := os.CreateTemp(dir, ".hub-trust-*.tmp") // mode 0600
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", err
	}
	return f.Name(), nil
}

func readLimited(path string, n int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, n))
}
