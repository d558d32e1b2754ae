package statuspage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// response is a computed public response, kept for the cache's TTL.
type response struct {
	status      int
	contentType string
	body        []byte
	etag        string
	expires     time.Time
}

func newResponse(status int, contentType string, body []byte) *response {
	sum := sha256.Sum256(body)
	return &response{status: status, contentType: contentType, body: body, etag: `"` + hex.EncodeToString(sum[:12]) + `"`}
}

// errBusy: every computing slot stayed taken for as long as the request
// could wait.
var errBusy = errors.New("status pages are busy")

// cache keeps computed responses for ttl, computes each key once however many
// requests wait for it (singleflight), and runs at most cap(slots)
// computations at a time: however many requests arrive, for however many
// different pages and badges, the database sees a bounded load.
type cache struct {
	ttl   time.Duration
	max   int
	now   func() time.Time
	slots chan struct{}
	group singleflight.Group

	mu sync.Mutex
	m  map[string]*response
}

func newCache(ttl time.Duration, maxEntries, concurrency int, now func() time.Time) *cache {
	return &cache{ttl: ttl, max: maxEntries, now: now, slots: make(chan struct{}, concurrency), m: map[string]*response{}}
}

// get returns key's response, computing it with compute when it is missing
// or stale. compute runs detached from any one request (others may wait on
// it) under timeout.
func (c *cache) get(ctx context.Context, key string, timeout time.Duration, compute func(context.Context) (*response, error)) (*response, error) {
	if r := c.lookup(key); r != nil {
		return r, nil
	}
	ch := c.group.DoChan(key, func() (any, error) {
		if r := c.lookup(key); r != nil {
			return r, nil
		}
		select {
		case c.slots <- struct{}{}:
		case <-time.After(timeout):
			return nil, errBusy
		}
		defer func() { <-c.slots }()
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), timeout)
		defer cancel()
		r, err := compute(cctx)
		if err != nil {
			return nil, err
		}
		return c.store(key, r), nil
	})
	select {
	case res := <-ch:
		if res.Err != nil {
			return nil, res.Err
		}
		return res.Val.(*response), nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

func (c *cache) lookup(key string) *response {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.m[key]
	if r == nil || !c.now().Before(r.expires) {
		return nil
	}
	return r
}

// store keeps a copy of r (responses such as the 404 are shared) until the
// TTL ends, and returns it.
func (c *cache) store(key string, r *response) *response {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.now()
	cp := *r
	cp.expires = now.Add(c.ttl)
	if len(c.m) >= c.max {
		for k, old := range c.m {
			if !now.Before(old.expires) {
				delete(c.m, k)
			}
		}
	}
	for k := range c.m { // still full: drop any one (map order is random)
		if len(c.m) < c.max {
			break
		}
		delete(c.m, k)
	}
	c.m[key] = &cp
	return &cp
}
