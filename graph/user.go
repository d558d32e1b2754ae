package graph

import (
	"context"
	"errors"
	"net/mail"
	"slices"
	"strings"

	"github.com/catena-monitor/catena/graph/model"
	"github.com/catena-monitor/catena/internal/auth"
	"github.com/catena-monitor/catena/internal/collection"
)

// errNoHTTP refuses login over a websocket, which has no response to carry
// the cookie.
var errNoHTTP = collection.Invalid("", "sign in with an HTTP POST to /graphql, not over a websocket")

// newUser checks and stores a user with a hashed password.
func (r *Resolver) newUser(ctx context.Context, in model.CreateUserInput) (*collection.User, error) {
	v := &collection.ValidationError{}
	email := strings.ToLower(strings.TrimSpace(in.Email))
	if a, err := mail.ParseAddress(email); err != nil || a.Address != email {
		v.Fields = append(v.Fields, collection.FieldError{Path: "email", Message: "\"" + in.Email + "\" is not an email address such as ada@example.com"})
	}
	if strings.TrimSpace(in.Name) == "" || len(in.Name) > collection.MaxNameLen {
		v.Fields = append(v.Fields, collection.FieldError{Path: "name", Message: "a user needs a name of 1-200 characters"})
	}
	var pe *collection.ValidationError
	if err := auth.CheckPassword("password", in.Password); errors.As(err, &pe) {
		v.Fields = append(v.Fields, pe.Fields...)
	}
	if len(v.Fields) > 0 {
		return nil, v
	}
	hash, err := auth.HashPassword(in.Password, r.BcryptCost)
	if err != nil {
		return nil, err
	}
	return r.Store.CreateUser(ctx, &collection.User{Email: email, Name: strings.TrimSpace(in.Name), Role: in.Role, PasswordHash: hash})
}

// startSession signs the request's browser in as user id.
func (r *Resolver) startSession(ctx context.Context, id collection.UserID) error {
	token, hash := auth.NewSessionToken()
	expires := r.Now().Add(r.SessionTTL)
	if err := r.Store.CreateSession(ctx, id, hash, expires); err != nil {
		return err
	}
	if !auth.SetSessionCookie(ctx, token, expires) {
		// No HTTP response (websocket): the session would be unreachable.
		_ = r.Store.DeleteSession(ctx, hash)
		return errNoHTTP
	}
	return nil
}

// keepAnAdmin refuses a change that would leave no admin.
func (r *Resolver) keepAnAdmin(ctx context.Context, leaving collection.UserID) error {
	users, err := r.Store.ListUsers(ctx)
	if err != nil {
		return err
	}
	others := slices.ContainsFunc(users, func(u collection.User) bool { return u.Role == collection.RoleAdmin && u.ID != leaving })
	if !others {
		return &collection.ConflictError{Field: "role", Message: "this is the last admin; make another user admin first"}
	}
	return nil
}
