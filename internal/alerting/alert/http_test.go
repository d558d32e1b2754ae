package alert

import "testing"

func TestIsHTTPURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]bool{
		"https://hooks.slack.com/services/T/B/x": true,
		"http://127.0.0.1:9000/hook":             true,
		"":                                       false,
		"hooks.slack.com/services/x":             false,
		"ftp://example.com/x":                    false,
		"https://":                               false,
		"::not a url":                            false,
	} {
		if got := IsHTTPURL(in); got != want {
			t.Errorf("IsHTTPURL(%q) = %v; want %v", in, got, want)
		}
	}
}
