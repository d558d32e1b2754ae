package graph

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/99designs/gqlgen/graphql"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
	"github.com/catena-monitor/catena/internal/secret"
	"github.com/catena-monitor/catena/internal/store"
)

// auditFields is the field middleware that makes the audit log and versions
// know who acts. For every root Mutation field it puts the actor into the
// context (the store records versions with it), runs the resolver, and
// appends exactly one audit entry: action, object, outcome (ok, refused,
// failed), client address and the arguments with every secret replaced. The
// entry is written after the resolver, outside its transaction; a failure
// to write it is logged, since the change itself is already committed.
//
// Mutations whose arguments do not even parse (a malformed ID, an unknown
// field) never reach a resolver and are not recorded.
func (r *Resolver) auditFields(ctx context.Context, next graphql.Resolver) (any, error) {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil || fc.Object != "Mutation" || fc.Field.Field == nil {
		return next(ctx)
	}
	action := fc.Field.Name
	var args map[string]any
	if oc := graphql.GetOperationContext(ctx); oc != nil {
		args = fc.Field.ArgumentMap(oc.Variables)
	}
	p := auth.FromContext(ctx)
	actor := actorOf(p)
	if p == nil {
		actor = store.Actor{Name: "anonymous"}
		if email, ok := args["email"].(string); ok && (action == "login" || action == "setup") {
			actor.Name = strings.ToLower(strings.TrimSpace(email))
		}
	}
	res, err := next(store.WithActor(ctx, actor))

	e := collection.AuditEntry{
		Actor: actor.Name, ActorUserID: actor.UserID, Action: action, ClientIP: auth.ClientIP(ctx),
		Outcome: collection.AuditOK, Summary: redactArgs(action, args),
	}
	e.ObjectType, e.ObjectID = auditObject(action, args, res)
	if err != nil {
		e.Outcome, e.ErrorCode = auditOutcome(ctx, err)
	} else if u, ok := res.(*collection.User); ok && p == nil && u != nil {
		e.ActorUserID = &u.ID // a sign-in or setup: now we know who
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if werr := r.Store.InsertAuditEntry(wctx, e); werr != nil {
		r.Log.ErrorContext(ctx, "writing the audit log", "action", action, "err", werr)
	}
	return res, err
}

// actorOf is how a principal is recorded: its email, and the API token's
// name when the request came with one.
func actorOf(p *auth.Principal) store.Actor {
	if p == nil {
		return store.SystemActor
	}
	id := p.User.ID
	name := p.User.Email
	if p.ViaToken {
		name = fmt.Sprintf("%s (token %s)", name, p.TokenName)
	}
	return store.Actor{UserID: &id, Name: name}
}

// auditPresenter maps an error to its extensions.code; it logs nothing (the
// request's own presenter logs internal errors once).
var auditPresenter = ErrorPresenter(slog.New(slog.DiscardHandler))

// auditOutcome tells a refusal (not signed in, role, rate limit, closed
// setup) from a failure, with the error code the client saw.
func auditOutcome(ctx context.Context, err error) (collection.AuditOutcome, string) {
	code := ""
	if e := auditPresenter(ctx, err); e != nil {
		code, _ = e.Extensions["code"].(string)
	}
	for _, refusal := range []error{auth.ErrForbidden, auth.ErrUnauthenticated, auth.ErrSetupClosed, errRateLimited} {
		if errors.Is(err, refusal) {
			return collection.AuditRefused, code
		}
	}
	return collection.AuditFailed, code
}

// auditObjectTypes maps words in a mutation's name to the kind of object it
// acts on, most specific first: addStep is about a step, setSecret about a
// collection, runMonitorNow about a monitor.
var auditObjectTypes = []struct{ word, typ string }{
	{"Token", "token"}, {"Step", "step"}, {"Secret", "collection"}, {"Collection", "collection"},
	{"Monitor", "monitor"}, {"Channel", "channel"}, {"Incident", "incident"}, {"Run", "run"},
	{"User", "user"}, {"Password", "user"}, {"login", "user"}, {"logout", "user"}, {"setup", "user"},
}

// auditObject names the object a mutation acted on: its type from the
// mutation's name, its id from the result when the result is that object
// (creations), else from the id arguments.
func auditObject(action string, args map[string]any, res any) (string, string) {
	typ := ""
	for _, t := range auditObjectTypes {
		if strings.Contains(action, t.word) {
			typ = t.typ
			break
		}
	}
	if id := resultID(typ, res); id != "" {
		return typ, id
	}
	for _, k := range []string{"id", typ + "Id", "collectionId", "monitorId"} {
		if v, ok := args[k].(string); ok && v != "" {
			return typ, v
		}
	}
	return typ, ""
}

// resultID is the id of res when res is an object of type typ.
func resultID(typ string, res any) string {
	switch v := res.(type) {
	case *collection.Collection:
		if v != nil && typ == "collection" {
			return model.FormatID(v.ID)
		}
	case *collection.Step:
		if v != nil && typ == "step" {
			return model.FormatID(v.ID)
		}
	case *collection.Monitor:
		if v != nil && typ == "monitor" {
			return model.FormatID(v.ID)
		}
	case *collection.AlertChannel:
		if v != nil && typ == "channel" {
			return model.FormatID(v.ID)
		}
	case *collection.User:
		if v != nil && typ == "user" {
			return model.FormatID(v.ID)
		}
	case *model.CreatedAPIToken:
		if v != nil && v.APIToken != nil && typ == "token" {
			return model.FormatID(v.APIToken.ID)
		}
	case *model.ImportPayload:
		if v != nil && v.Collection != nil && typ == "collection" {
			return model.FormatID(v.Collection.ID)
		}
	}
	return ""
}

// secretArgs are argument names whose value is a secret wherever they occur.
var secretArgs = []string{"password", "currentpassword", "newpassword", "token"}

// secretListItems are lists whose items' "value" is a secret: a collection's
// secrets and an alert channel's settings.
var secretListItems = []string{"secrets", "config"}

// credentialHeaders carry a credential whatever their value.
var credentialHeaders = []string{"authorization", "proxy-authorization", "cookie", "set-cookie", "x-api-key"}

// minPastedSecret is the shortest removed value also masked elsewhere in the summary.
const minPastedSecret = 6

// maxAuditString bounds each string kept in a summary.
const maxAuditString = 500

// redactArgs is the audit summary of a mutation's arguments: known secret
// fields replaced structurally by collection.Redacted (passwords, tokens,
// secret values, channel settings, credential header values, setSecret's
// value), imported documents reduced to their size, long strings cut, and
// then the whole text passed through secret.Redactor built from the values
// just removed, so a secret pasted into another field is masked too.
func redactArgs(action string, args map[string]any) json.RawMessage {
	var removed []string
	var walk func(key string, v any, parent string) any
	walk = func(key string, v any, parent string) any {
		lk := strings.ToLower(key)
		mask := func() any {
			collectStrings(v, &removed)
			return collection.Redacted
		}
		switch {
		case slices.Contains(secretArgs, lk):
			return mask()
		case lk == "value" && (slices.Contains(secretListItems, parent) || parent == "setSecret"):
			return mask()
		case lk == "document":
			if s, ok := v.(string); ok {
				return fmt.Sprintf("(%d bytes)", len(s))
			}
		}
		switch t := v.(type) {
		case map[string]any:
			out := make(map[string]any, len(t))
			header := parent == "headers" && isCredentialHeader(t["name"])
			for k, x := range t {
				if header && strings.EqualFold(k, "value") {
					collectStrings(x, &removed)
					out[k] = collection.Redacted
					continue
				}
				out[k] = walk(k, x, parent)
			}
			return out
		case []any:
			out := make([]any, len(t))
			for i, x := range t {
				out[i] = walk("", x, key)
			}
			return out
		case string:
			if len(t) > maxAuditString {
				return t[:maxAuditString] + secret.TruncMark
			}
		}
		return v
	}
	out := make(map[string]any, len(args))
	for k, v := range args {
		out[k] = walk(k, v, action)
	}
	b, err := json.Marshal(out)
	if err != nil {
		return json.RawMessage(`{}`)
	}
	secrets := make(map[string]string, len(removed))
	for i, s := range removed {
		// A very short value would mask every place its letters occur; the
		// structural pass has already hidden it where it was given.
		if len(s) >= minPastedSecret {
			secrets[fmt.Sprint(i)] = s
		}
	}
	return json.RawMessage(secret.NewRedactor(secrets).Redact(string(b)))
}

func isCredentialHeader(name any) bool {
	s, ok := name.(string)
	return ok && slices.Contains(credentialHeaders, strings.ToLower(strings.TrimSpace(s)))
}

// collectStrings appends every string in v (a value or a tree of them).
func collectStrings(v any, into *[]string) {
	switch t := v.(type) {
	case string:
		if t != "" {
			*into = append(*into, t)
		}
	case map[string]any:
		for _, x := range t {
			collectStrings(x, into)
		}
	case []any:
		for _, x := range t {
			collectStrings(x, into)
		}
	}
}

// AuditExportHandler serves GET /api/audit.jsonl to admins (session cookie
// or API token, through the authenticator's middleware): the audit log as
// JSON lines, oldest first, since ?since= (a duration such as 24h, or an RFC
// 3339 time; default 24h) and until ?until= (RFC 3339; default now).
func AuditExportHandler(st *store.Store, a *auth.Authenticator, log *slog.Logger, now func() time.Time) http.Handler {
	if now == nil {
		now = time.Now
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			w.Header().Set("Allow", http.MethodGet)
			writeError(w, http.StatusMethodNotAllowed, "use GET")
			return
		}
		if _, err := admin(r.Context()); errors.Is(err, auth.ErrUnauthenticated) {
			writeError(w, http.StatusUnauthorized, err.Error())
			return
		} else if err != nil {
			writeError(w, http.StatusForbidden, "the audit log is for admins only")
			return
		}
		f, err := ExportFilter(r.URL.Query().Get("since"), r.URL.Query().Get("until"), now())
		if err != nil {
			writeError(w, http.StatusBadRequest, err.Error())
			return
		}
		w.Header().Set("Content-Type", "application/jsonl; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		enc := json.NewEncoder(w)
		enc.SetEscapeHTML(false)
		if err := st.ExportAuditEntries(r.Context(), f, func(e collection.AuditEntry) error { return enc.Encode(e) }); err != nil {
			// Headers are out; a cut stream is all a client can be told.
			log.ErrorContext(r.Context(), "exporting the audit log", "err", err)
		}
	})
	return withRequestID(a.Middleware(h))
}

// ExportFilter reads the since and until of an export: since is a duration
// back from now ("24h", "7d" is not Go syntax: use "168h") or an RFC 3339
// time, default 24h; until an RFC 3339 time, default none.
func ExportFilter(since, until string, now time.Time) (store.AuditFilter, error) {
	var f store.AuditFilter
	if since == "" {
		since = "24h"
	}
	if d, err := time.ParseDuration(since); err == nil {
		if d < 0 {
			return f, fmt.Errorf("since %q is negative; give how far back to go, such as 24h", since)
		}
		t := now.Add(-d)
		f.Since = &t
	} else if t, err := time.Parse(time.RFC3339, since); err == nil {
		f.Since = &t
	} else {
		return f, fmt.Errorf("since %q is neither a duration such as 24h nor an RFC 3339 time", since)
	}
	if until != "" {
		t, err := time.Parse(time.RFC3339, until)
		if err != nil {
			return f, fmt.Errorf("until %q is not an RFC 3339 time such as 2026-01-02T15:04:05Z", until)
		}
		f.Until = &t
	}
	return f, nil
}
