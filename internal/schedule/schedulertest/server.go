// Package schedulertest is a local stand-in for the EventBridge Scheduler API,
// for tests only: an httptest server on 127.0.0.1 that keeps schedule groups
// and schedules in memory, checks that every request is SigV4-signed for the
// scheduler service, and can be told to refuse requests or to answer only
// after the client has given up (the change still lands: "succeeds late").
package schedulertest

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/scheduler"
)

// Schedule is a stored schedule, as the API returns it.
type Schedule struct {
	Name                       string
	GroupName                  string
	ScheduleExpression         string
	ScheduleExpressionTimezone string
	State                      string
	Description                string
	Target                     map[string]any
}

// Fault is what the server does to the next matching requests.
type Fault int

const (
	// None answers normally.
	None Fault = iota
	// Refuse answers 500 InternalServerException and changes nothing.
	Refuse
	// Late applies the change but answers only once the client has given up
	// (its request context ended), as an API call that timed out on the
	// client and succeeded on the server.
	Late
)

// Server is the stand-in. Its zero value is not usable; call New.
type Server struct {
	URL string

	mu        sync.Mutex
	groups    map[string]bool
	schedules map[string]Schedule // group + "/" + name
	fault     Fault
	faults    int      // how many more requests get fault (-1: all)
	methods   []string // the methods fault applies to (none: all)
	calls     []string
	t         testing.TB
}

// New starts a server holding the given groups (no schedules); it stops at
// the end of the test.
func New(t testing.TB, groups ...string) *Server {
	s := &Server{groups: map[string]bool{}, schedules: map[string]Schedule{}, t: t}
	for _, g := range groups {
		s.groups[g] = true
	}
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Client returns a scheduler client for the server with static credentials
// and no SDK retries, so every retry in a test is Catena's own.
func (s *Server) Client() *scheduler.Client {
	return scheduler.New(scheduler.Options{
		Region:           "us-east-1",
		Credentials:      credentials.NewStaticCredentialsProvider("AKIDEXAMPLE", "secret", ""),
		BaseEndpoint:     aws.String(s.URL),
		RetryMaxAttempts: 1,
	})
}

// Fail makes the next n requests (-1: every request until Fail(None, 0))
// with one of methods (none: any method) behave as f.
func (s *Server) Fail(f Fault, n int, methods ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault, s.faults, s.methods = f, n, methods
}

// Put stores a schedule directly, as a change made outside Catena would.
func (s *Server) Put(sc Schedule) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.groups[sc.GroupName] = true
	s.schedules[sc.GroupName+"/"+sc.Name] = sc
}

// Remove deletes a schedule directly.
func (s *Server) Remove(group, name string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.schedules, group+"/"+name)
}

// Schedules returns the stored schedules of group, by name.
func (s *Server) Schedules(group string) map[string]Schedule {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]Schedule{}
	for _, sc := range s.schedules {
		if sc.GroupName == group {
			out[sc.Name] = sc
		}
	}
	return out
}

// HasGroup reports whether the group exists.
func (s *Server) HasGroup(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.groups[name]
}

// Calls returns "METHOD path" of every request so far.
func (s *Server) Calls() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.calls)
}

func apiError(w http.ResponseWriter, status int, kind, msg string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("X-Amzn-Errortype", kind)
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"Message": msg})
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	auth := r.Header.Get("Authorization")
	if !strings.HasPrefix(auth, "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") || !strings.Contains(auth, "/scheduler/aws4_request") || r.Header.Get("X-Amz-Date") == "" {
		apiError(w, http.StatusForbidden, "AccessDeniedException", "request is not SigV4-signed for scheduler")
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		apiError(w, http.StatusBadRequest, "ValidationException", "reading body")
		return
	}
	var in map[string]any
	if len(body) > 0 {
		if err := json.Unmarshal(body, &in); err != nil {
			apiError(w, http.StatusBadRequest, "ValidationException", "body is not JSON")
			return
		}
	}
	s.mu.Lock()
	s.calls = append(s.calls, r.Method+" "+r.URL.Path)
	fault := None
	if s.faults != 0 && (len(s.methods) == 0 || slices.Contains(s.methods, r.Method)) {
		fault = s.fault
		if s.faults > 0 {
			s.faults--
		}
	}
	if fault == Refuse {
		s.mu.Unlock()
		apiError(w, http.StatusInternalServerError, "InternalServerException", "the stand-in refuses this request")
		return
	}
	status, out := s.handle(r, in)
	s.mu.Unlock()
	if fault == Late {
		<-r.Context().Done() // the change is made; the answer comes too late
	}
	w.Header().Set("Content-Type", "application/json")
	if kind, ok := out["__error"].(string); ok {
		apiError(w, status, kind, fmt.Sprint(out["Message"]))
		return
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(out)
}

// handle serves one request with s.mu held.
func (s *Server) handle(r *http.Request, in map[string]any) (int, map[string]any) {
	notFound := func(what string) (int, map[string]any) {
		return http.StatusNotFound, map[string]any{"__error": "ResourceNotFoundException", "Message": what + " does not exist."}
	}
	str := func(k string) string { v, _ := in[k].(string); return v }
	path := r.URL.Path
	switch {
	case strings.HasPrefix(path, "/schedule-groups/"):
		name := strings.TrimPrefix(path, "/schedule-groups/")
		switch r.Method {
		case http.MethodPost:
			if s.groups[name] {
				return http.StatusConflict, map[string]any{"__error": "ConflictException", "Message": "Schedule group " + name + " already exists."}
			}
			s.groups[name] = true
			return http.StatusOK, map[string]any{"ScheduleGroupArn": "arn:aws:scheduler:us-east-1:123456789012:schedule-group/" + name}
		case http.MethodGet:
			if !s.groups[name] {
				return notFound("Schedule group " + name)
			}
			return http.StatusOK, map[string]any{"Name": name, "State": "ACTIVE"}
		}
	case path == "/schedules" && r.Method == http.MethodGet:
		group, prefix := r.URL.Query().Get("ScheduleGroup"), r.URL.Query().Get("NamePrefix")
		if group != "" && !s.groups[group] {
			return notFound("Schedule group " + group)
		}
		list := []map[string]any{}
		for _, sc := range s.schedules {
			if (group == "" || sc.GroupName == group) && strings.HasPrefix(sc.Name, prefix) {
				list = append(list, map[string]any{"Name": sc.Name, "GroupName": sc.GroupName, "State": sc.State, "Target": map[string]any{"Arn": sc.Target["Arn"]}})
			}
		}
		slices.SortFunc(list, func(a, b map[string]any) int { return strings.Compare(a["Name"].(string), b["Name"].(string)) })
		return http.StatusOK, map[string]any{"Schedules": list}
	case strings.HasPrefix(path, "/schedules/"):
		name := strings.TrimPrefix(path, "/schedules/")
		group := str("GroupName")
		if r.Method == http.MethodGet || r.Method == http.MethodDelete {
			group = r.URL.Query().Get("groupName")
		}
		if group == "" {
			group = "default"
		}
		if !s.groups[group] {
			return notFound("Schedule group " + group)
		}
		key := group + "/" + name
		cur, exists := s.schedules[key]
		switch r.Method {
		case http.MethodGet:
			if !exists {
				return notFound("Schedule " + name)
			}
			return http.StatusOK, map[string]any{
				"Name": cur.Name, "GroupName": cur.GroupName, "ScheduleExpression": cur.ScheduleExpression,
				"ScheduleExpressionTimezone": cur.ScheduleExpressionTimezone, "State": cur.State,
				"Description": cur.Description, "Target": cur.Target, "FlexibleTimeWindow": map[string]any{"Mode": "OFF"},
			}
		case http.MethodDelete:
			if !exists {
				return notFound("Schedule " + name)
			}
			delete(s.schedules, key)
			return http.StatusOK, map[string]any{}
		case http.MethodPost, http.MethodPut:
			if r.Method == http.MethodPost && exists {
				return http.StatusConflict, map[string]any{"__error": "ConflictException", "Message": "Schedule " + name + " already exists."}
			}
			if r.Method == http.MethodPut && !exists {
				return notFound("Schedule " + name)
			}
			target, _ := in["Target"].(map[string]any)
			state := cmpOr(str("State"), "ENABLED")
			s.schedules[key] = Schedule{
				Name: name, GroupName: group, ScheduleExpression: str("ScheduleExpression"),
				ScheduleExpressionTimezone: str("ScheduleExpressionTimezone"), State: state,
				Description: str("Description"), Target: target,
			}
			return http.StatusOK, map[string]any{"ScheduleArn": "arn:aws:scheduler:us-east-1:123456789012:schedule/" + group + "/" + name}
		}
	}
	return http.StatusNotFound, map[string]any{"__error": "UnknownOperationException", "Message": r.Method + " " + path}
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}
