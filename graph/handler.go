package graph

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	coderws "github.com/coder/websocket"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/catena-monitor/catena/graph/generated"
	"github.com/catena-monitor/catena/graph/loader"
	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

// Limits of the HTTP surface.
const (
	// MaxBodyBytes bounds a request body (gqlgen reads it whole).
	MaxBodyBytes = 1 << 20
	// ParserTokenLimit bounds how many tokens a query may have (CVE-2023-49559).
	ParserTokenLimit = 15000
)

// HandlerConfig is the HTTP side of the API.
type HandlerConfig struct {
	Auth *auth.Authenticator
	// PublicURL is where browsers reach Catena (CATENA_PUBLIC_URL); its origin
	// is allowed for cookie-authenticated requests and websockets, besides the
	// request's own host.
	PublicURL string
	// Metrics may be nil.
	Metrics *Metrics
}

// NewHandler returns the /graphql handler: POST (JSON), GET (queries only) and
// websocket (graphql-transport-ws) transports, complexity and token limits,
// error presenter, and in front of it body limit, batch refusal, origin
// (CSRF) check and authentication.
func NewHandler(r *Resolver, hc HandlerConfig) http.Handler {
	srv := handler.New(generated.NewExecutableSchema(generated.Config{Resolvers: r, Complexity: Complexity()}))
	publicOrigin := originOf(hc.PublicURL)
	var patterns []string
	if u, err := url.Parse(hc.PublicURL); err == nil && u.Host != "" {
		patterns = append(patterns, u.Host)
	}
	srv.AddTransport(transport.Websocket{
		// The default implementation refuses a cross-origin upgrade (Origin
		// must match Host or the public URL), against cross-site websocket hijacking.
		Implementation:        transport.CoderWebsocketImplementation{AcceptOptions: coderws.AcceptOptions{OriginPatterns: patterns}},
		InitFunc:              wsInit(hc.Auth),
		InitTimeout:           10 * time.Second,
		KeepAlivePingInterval: 10 * time.Second,
	})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	srv.SetParserTokenLimit(ParserTokenLimit)
	srv.Use(extension.FixedComplexityLimit(ComplexityLimit))
	srv.Use(introspectionForAdmins{})
	srv.SetErrorPresenter(ErrorPresenter(r.Log))
	srv.SetRecoverFunc(RecoverFunc(r.Log))
	srv.AroundOperations(func(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
		return next(loader.With(ctx, loader.New(r.Store, r.Now)))
	})
	// Every mutation: the actor for versions, and one audit log entry.
	srv.AroundFields(r.auditFields)

	if hc.Metrics != nil {
		srv.AroundResponses(hc.Metrics.aroundResponses)
	}

	var h http.Handler = srv
	h = hc.Auth.Middleware(h)
	h = checkOrigin(publicOrigin, h)
	h = limitBody(h)
	h = withRequestID(h)
	return h
}

// limitBody caps the body at MaxBodyBytes and refuses JSON array batches,
// which the API does not support (each operation is counted and limited on its
// own).
func limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(err, &tooBig):
			writeError(w, http.StatusRequestEntityTooLarge, "request body is larger than 1 MiB")
			return
		case err != nil:
			writeError(w, http.StatusBadRequest, "reading request body failed")
			return
		}
		if t := bytes.TrimLeft(body, " \t\r\n"); len(t) > 0 && t[0] == '[' {
			writeError(w, http.StatusBadRequest, "batched operations are not supported; send one operation per request")
			return
		}
		// encoding/json would turn a lone surrogate into U+FFFD and store a
		// different text than was sent.
		if path, esc, bad := collection.LoneSurrogate(body); bad {
			writeError(w, http.StatusBadRequest, fmt.Sprintf("%s in %s is half of a UTF-16 surrogate pair, not a character; send the character itself or its full pair", esc, cmp.Or(path, "the request")))
			return
		}
		r.Body = io.NopCloser(bytes.NewReader(body))
		next.ServeHTTP(w, r)
	})
}

// checkOrigin refuses cross-site requests. Any request whose Origin is neither
// the request's own host nor the public URL is refused; a POST that relies on
// the session cookie must also prove it is same-origin (Origin, or Referer
// when a browser sent no Origin). Requests with a bearer token carry no
// ambient credential and need no such proof.
func checkOrigin(publicOrigin string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed := func(origin string) bool {
			o := originOf(origin)
			if o == "" {
				return false
			}
			if o == publicOrigin {
				return true
			}
			u, _ := url.Parse(o)
			return strings.EqualFold(u.Host, r.Host)
		}
		origin := r.Header.Get("Origin")
		if origin != "" && !allowed(origin) {
			writeError(w, http.StatusForbidden, "cross-origin request refused")
			return
		}
		_, bearer := auth.BearerToken(r.Header.Get("Authorization"))
		if r.Method == http.MethodPost && !bearer && hasSessionCookie(r) && origin == "" {
			if ref := r.Header.Get("Referer"); ref == "" || !allowed(ref) {
				writeError(w, http.StatusForbidden, "cookie-authenticated requests must come from the Catena page (Origin or Referer header missing)")
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func hasSessionCookie(r *http.Request) bool {
	c, err := r.Cookie(auth.SessionCookie)
	return err == nil && c.Value != ""
}

// originOf returns scheme://host of a URL, or "" when it has none.
func originOf(s string) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return strings.ToLower(u.Scheme + "://" + u.Host)
}

// wsInit authenticates a websocket: the session cookie of the upgrade request,
// or an "Authorization": "Bearer TOKEN" entry of connection_init's payload.
// A connection with neither is closed.
func wsInit(a *auth.Authenticator) transport.WebsocketInitFunc {
	return func(ctx context.Context, payload transport.InitPayload) (context.Context, *transport.InitPayload, error) {
		// A refusal closes with 4403, as graphql-transport-ws defines for it.
		refused := transport.AppendCloseReason(transport.WithWebsocketCloseCode(ctx, 4403), "Forbidden")
		h := http.Header{}
		for _, k := range []string{"Authorization", "authorization"} {
			if v := payload.GetString(k); v != "" {
				h.Set("Authorization", v)
			}
		}
		if h.Get("Authorization") != "" {
			p, err := a.Authenticate(ctx, h, nil)
			if err != nil {
				return refused, nil, err
			}
			if p == nil {
				return refused, nil, auth.ErrUnauthenticated
			}
			return auth.WithPrincipal(ctx, p), nil, nil
		}
		if auth.FromContext(ctx) == nil {
			return refused, nil, auth.ErrUnauthenticated
		}
		return ctx, nil, nil
	}
}

// introspectionForAdmins allows schema introspection to admins only; the GUI
// builds its types from the .graphqls files, not from a live server.
type introspectionForAdmins struct{}

func (introspectionForAdmins) ExtensionName() string { return "IntrospectionForAdmins" }

func (introspectionForAdmins) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses, as FORBIDDEN, an operation of a non-admin
// that asks for __schema or __type (docs/api.md); gqlgen's own switch stays
// on as a second line.
func (introspectionForAdmins) MutateOperationContext(ctx context.Context, oc *graphql.OperationContext) *gqlerror.Error {
	p := auth.FromContext(ctx)
	oc.DisableIntrospection = p == nil || p.User.Role != collection.RoleAdmin
	if oc.DisableIntrospection && oc.Operation != nil && asksIntrospection(oc.Doc, oc.Operation.SelectionSet, 0) {
		return &gqlerror.Error{
			Message:    "schema introspection is for admins only",
			Extensions: map[string]any{"code": CodeForbidden},
		}
	}
	return nil
}

// asksIntrospection reports whether a root selection set (through fragments)
// selects __schema or __type; depth bounds fragment cycles, which validation
// refuses anyway.
func asksIntrospection(doc *ast.QueryDocument, set ast.SelectionSet, depth int) bool {
	if depth > 32 {
		return false
	}
	for _, sel := range set {
		switch s := sel.(type) {
		case *ast.Field:
			if s.Name == "__schema" || s.Name == "__type" {
				return true
			}
		case *ast.InlineFragment:
			if asksIntrospection(doc, s.SelectionSet, depth+1) {
				return true
			}
		case *ast.FragmentSpread:
			if doc == nil {
				continue
			}
			if f := doc.Fragments.ForName(s.Name); f != nil && asksIntrospection(doc, f.SelectionSet, depth+1) {
				return true
			}
		}
	}
	return false
}

func writeError(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	b, _ := json.Marshal(map[string]any{"errors": []map[string]any{{"message": msg}}})
	_, _ = w.Write(b)
}
