package alert

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/catena-monitor/catena/internal/netguard"
)

// Classify turns a non-2xx answer into the error the delivery worker acts on:
// 429 → RetryAfterError (Retry-After honoured, fallback when absent), 408 and
// 5xx → retried with backoff, other 4xx → permanent. A 2xx is nil.
func Classify(r *netguard.Response, fallback time.Duration) error {
	switch {
	case r.Status >= 200 && r.Status < 300:
		return nil
	case r.Status == http.StatusTooManyRequests:
		after, ok := ParseRetryAfter(r.Header.Get("Retry-After"), time.Now())
		if !ok {
			after = fallback
		}
		return &RetryAfterError{After: after, Err: errors.New(r.Answer())}
	case r.Status == http.StatusRequestTimeout || r.Status >= 500:
		return errors.New(r.Answer())
	default:
		return Permanent(errors.New(r.Answer()))
	}
}

// ParseRetryAfter reads a Retry-After value: delay seconds (fractions allowed,
// as Discord sends) or an HTTP date.
func ParseRetryAfter(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if f, err := strconv.ParseFloat(v, 64); err == nil && f >= 0 {
		return time.Duration(f * float64(time.Second)), true
	}
	if t, err := http.ParseTime(v); err == nil {
		if d := t.Sub(now); d > 0 {
			return d, true
		}
		return 0, true
	}
	return 0, false
}

// IsHTTPURL reports whether s is an absolute http(s) URL with a host, the shape
// every webhook-style channel needs.
func IsHTTPURL(s string) bool {
	u, err := url.Parse(s)
	return s != "" && err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
