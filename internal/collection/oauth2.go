package collection

import (
	"net/url"
	"strings"
)

// ClientCredentials is an OAuth 2.0 client-credentials grant (RFC 6749 §4.4)
// as importers find it in Postman and OpenAPI: Catena has no token cache, so
// the grant becomes a step that fetches the token, and the requests that use
// it send TokenHeader.
type ClientCredentials struct {
	// TokenURL is where the token is asked for (may hold references).
	TokenURL string
	// ClientID and ClientSecret are templates, usually @<<secrets.…>>; they
	// are sent in the form body (client_secret_post) unless BasicAuth is set.
	ClientID, ClientSecret string
	// BasicAuth, when set, is the Authorization header that authenticates the
	// client instead (client_secret_basic), usually @<<secrets.…>>.
	BasicAuth string
	// Scope is the space-separated scope list; empty asks for the default.
	Scope string
}

// TokenStep is the step that fetches the token.
func (cc ClientCredentials) TokenStep(name string) Step {
	form := []string{"grant_type=client_credentials"}
	if cc.Scope != "" {
		form = append(form, "scope="+url.QueryEscape(cc.Scope))
	}
	s := Step{
		Name:    name,
		Method:  "POST",
		URL:     cc.TokenURL,
		Headers: map[string]string{"Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json"},
		Assertions: []Assertion{
			{Source: SourceStatus, Comparison: Equals, Target: "200"},
			{Source: SourceBody, Property: "access_token", Comparison: Exists},
		},
	}
	if cc.BasicAuth != "" {
		s.Headers["Authorization"] = cc.BasicAuth
	} else {
		form = append(form, "client_id="+cc.ClientID, "client_secret="+cc.ClientSecret)
	}
	s.Body = strings.Join(form, "&")
	return s
}

// TokenHeader is the Authorization header of a request that uses the token
// fetched by the step named tokenStep.
func TokenHeader(tokenStep string) string {
	return "Bearer " + RefOpen + tokenStep + ".body.access_token" + RefClose
}
