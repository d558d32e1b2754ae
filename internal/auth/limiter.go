package auth

import (
	"strings"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// LoginLimiter bounds password guessing: a budget per (account, client IP) and a
// larger one per client IP across accounts. Every login attempt spends one
// token, including each aliased login field of a single request.
type LoginLimiter struct {
	perAccount rate.Limit
	accBurst   int
	perIP      rate.Limit
	ipBurst    int
	now        func() time.Time

	mu       sync.Mutex
	limiters map[string]*entry
	lastGC   time.Time
}

type entry struct {
	l    *rate.Limiter
	seen time.Time
}

// LimiterConfig sets the budgets; zero values take the defaults (5 tries then
// one a minute per account+IP, 30 tries then one every 10 s per IP).
type LimiterConfig struct {
	AccountBurst int
	AccountEvery time.Duration
	IPBurst      int
	IPEvery      time.Duration
	Now          func() time.Time
}

// NewLoginLimiter returns a limiter.
func NewLoginLimiter(c LimiterConfig) *LoginLimiter {
	if c.AccountBurst == 0 {
		c.AccountBurst = 5
	}
	if c.AccountEvery == 0 {
		c.AccountEvery = time.Minute
	}
	if c.IPBurst == 0 {
		c.IPBurst = 30
	}
	if c.IPEvery == 0 {
		c.IPEvery = 10 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &LoginLimiter{
		perAccount: rate.Every(c.AccountEvery), accBurst: c.AccountBurst,
		perIP: rate.Every(c.IPEvery), ipBurst: c.IPBurst,
		now: c.Now, limiters: map[string]*entry{},
	}
}

// Allow spends one attempt for email from ip and reports whether it may go on.
func (l *LoginLimiter) Allow(email, ip string) bool {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gc(now)
	ipOK := l.get("ip\x00"+ip, l.perIP, l.ipBurst, now).AllowN(now, 1)
	accOK := l.get("acct\x00"+strings.ToLower(email)+"\x00"+ip, l.perAccount, l.accBurst, now).AllowN(now, 1)
	return ipOK && accOK
}

// Succeeded gives email's attempts from ip back after a correct password:
// the account budget is for guessing, and someone who signs in often is not
// guessing. The per-address budget is left spent.
func (l *LoginLimiter) Succeeded(email, ip string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	delete(l.limiters, "acct\x00"+strings.ToLower(email)+"\x00"+ip)
}

func (l *LoginLimiter) get(key string, r rate.Limit, burst int, now time.Time) *rate.Limiter {
	e, ok := l.limiters[key]
	if !ok {
		e = &entry{l: rate.NewLimiter(r, burst)}
		l.limiters[key] = e
	}
	e.seen = now
	return e.l
}

// gc drops limiters idle for an hour (long enough for any budget to refill), so
// the map cannot grow without bound.
func (l *LoginLimiter) gc(now time.Time) {
	if now.Sub(l.lastGC) < time.Minute {
		return
	}
	l.lastGC = now
	for k, e := range l.limiters {
		if now.Sub(e.seen) > time.Hour {
			delete(l.limiters, k)
		}
	}
}
