package netguard

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
)

// maxAnswer caps how much of an answer Post reads and keeps.
const maxAnswer = 4 << 10

// ErrInvalidURL is Post's error for a target that is not a URL; retrying
// cannot fix it.
var ErrInvalidURL = errors.New("the channel URL is not a valid URL")

// Response is an HTTP answer with its body capped at 4 KiB.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// Answer is the reply as one line for delivery records.
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

// Post sends body to target with the given headers through client (which
// should be guarded: NewClient). Errors never carry the URL: channel URLs are
// credentials (Slack and Discord webhooks embed their token in the path).
func Post(ctx context.Context, client *http.Client, target string, body []byte, header http.Header) (*Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return nil, ErrInvalidURL
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
