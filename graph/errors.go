package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

// Error codes in extensions.code; docs/api.md lists them.
const (
	CodeNotFound        = "NOT_FOUND"
	CodeConflict        = "CONFLICT"
	CodeInvalid         = "INVALID"
	CodeUnauthenticated = "UNAUTHENTICATED"
	CodeForbidden       = "FORBIDDEN"
	CodeRateLimited     = "RATE_LIMITED"
	CodeInternal        = "INTERNAL"
	// CodeCancelled: the client went away (or its deadline passed) before the
	// answer was ready; nobody reads it, and nothing broke on the server.
	CodeCancelled = "CANCELLED"
)

// errRateLimited refuses a login attempt over its budget.
var errRateLimited = errors.New("too many sign-in attempts; wait a minute and try again")

// ErrorPresenter maps domain errors to GraphQL errors with extensions.code.
// Anything it does not recognise is an internal error: logged with the
// request's id (one per HTTP request, see withRequestID), and only that id
// reaches the client. A request the client cancelled is not an error: it is
// logged at debug level only.
func ErrorPresenter(log *slog.Logger) graphql.ErrorPresenterFunc {
	return func(ctx context.Context, err error) *gqlerror.Error {
		var gqlErr *gqlerror.Error
		if errors.As(err, &gqlErr) && gqlErr.Err == nil {
			// Parse and validation errors from gqlgen itself: already client-facing.
			return gqlErr
		}
		e := graphql.DefaultErrorPresenter(ctx, err)
		var ve *collection.ValidationError
		var ce *collection.ConflictError
		var pe *collection.ParseError
		switch {
		case errors.As(err, &pe):
			e.Message = pe.Error()
			setExt(e, CodeInvalid, map[string]any{"fields": []map[string]any{{"path": "document", "step": "", "message": pe.Error()}}})
		case errors.As(err, &ve):
			e.Message = ve.Error()
			fields := make([]map[string]any, len(ve.Fields))
			for i, f := range ve.Fields {
				fields[i] = map[string]any{"path": f.Path, "step": f.Step, "message": f.Message}
			}
			setExt(e, CodeInvalid, map[string]any{"fields": fields})
		case errors.As(err, &ce):
			e.Message = ce.Message
			setExt(e, CodeConflict, map[string]any{"field": ce.Field})
		case errors.Is(err, collection.ErrNotFound):
			e.Message = unwrapMessage(err)
			setExt(e, CodeNotFound, nil)
		case errors.Is(err, collection.ErrConflict):
			e.Message = unwrapMessage(err)
			setExt(e, CodeConflict, nil)
		case errors.Is(err, collection.ErrInvalid):
			e.Message = unwrapMessage(err)
			setExt(e, CodeInvalid, map[string]any{"fields": []map[string]any{}})
		case errors.Is(err, auth.ErrUnauthenticated):
			e.Message = auth.ErrUnauthenticated.Error()
			setExt(e, CodeUnauthenticated, nil)
		case errors.Is(err, auth.ErrForbidden):
			e.Message = auth.ErrForbidden.Error()
			setExt(e, CodeForbidden, nil)
		case errors.Is(err, auth.ErrSetupClosed):
			e.Message = auth.ErrSetupClosed.Error()
			setExt(e, CodeForbidden, nil)
		case errors.Is(err, auth.ErrBadCredentials):
			e.Message = auth.ErrBadCredentials.Error()
			setExt(e, CodeUnauthenticated, nil)
		case errors.Is(err, errRateLimited):
			e.Message = errRateLimited.Error()
			setExt(e, CodeRateLimited, nil)
		case ctx.Err() != nil || errors.Is(err, context.Canceled):
			log.DebugContext(ctx, "request cancelled by the client", "request_id", RequestIDFrom(ctx), "path", e.Path.String(), "err", err)
			e.Message = "request cancelled"
			setExt(e, CodeCancelled, nil)
		default:
			id := RequestIDFrom(ctx)
			log.ErrorContext(ctx, "internal error", "request_id", id, "path", e.Path.String(), "err", err)
			e.Message = fmt.Sprintf("internal error (request id %s)", id)
			setExt(e, CodeInternal, map[string]any{"requestId": id})
		}
		return e
	}
}

// RecoverFunc turns a panic in a resolver into an internal error with a
// logged request id and stack-free message.
func RecoverFunc(log *slog.Logger) graphql.RecoverFunc {
	return func(ctx context.Context, v any) error {
		id := RequestIDFrom(ctx)
		log.ErrorContext(ctx, "panic in resolver", "request_id", id, "panic", fmt.Sprint(v))
		return &gqlerror.Error{
			Message:    fmt.Sprintf("internal error (request id %s)", id),
			Extensions: map[string]any{"code": CodeInternal, "requestId": id},
		}
	}
}

func setExt(e *gqlerror.Error, code string, extra map[string]any) {
	ext := map[string]any{"code": code}
	for k, v := range extra {
		ext[k] = v
	}
	e.Extensions = ext
}

// unwrapMessage keeps the wrapped context ("collection 12: not found"), which
// names only what the client asked for.
func unwrapMessage(err error) string { return err.Error() }

type requestIDKey struct{}

// withRequestID gives each HTTP request one id, used by every log line and
// error of that request, and returned in the X-Request-Id header.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		w.Header().Set("X-Request-Id", id)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey{}, id)))
	})
}

// RequestIDFrom returns the request's id, or a fresh one outside a request
// (a test calling the presenter directly).
func RequestIDFrom(ctx context.Context) string {
	if id, ok := ctx.Value(requestIDKey{}).(string); ok {
		return id
	}
	return newRequestID()
}

func newRequestID() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
