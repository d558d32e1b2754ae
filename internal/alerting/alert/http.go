package alert

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// maxAnswer caps how much of a channel's answer is read and kept.
const maxAnswer = 4 << 10

// Response is a channel's HTTP answer, with its body capped.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Answer is the channel's reply as one line for delivery records.
func (r *Response) Answer() string {
	s := strings.Join(strings.Fields(string(r.Body)), " ")
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	if s == "" {
		return fmt.Sprintf("HTTP %d", r.Status)
	}
	return fmt.Sprintf("HTTP %d: %s", r.Status, s)
}

// Post sends body to target with the given headers through client. Errors
// never carry the URL: channel URLs are credentials (Slack and Discord
// webhooks embed their token in the path).
func Post(ctx context.Context, client *http.Client, target string, body []byte, header http.Header) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, Permanent(errors.New("the channel URL is not a valid URL"))
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("sending to the channel: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Classify turns a non-2xx answer into the error the delivery worker acts on:
// 429 → RetryAfterError (Retry-After honoured, fallback when absent), 408 and
// 5xx → retried with backoff, other 4xx → permanent. A 2xx is nil.
func Classify(r *Response, fallback time.Duration) error {
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
