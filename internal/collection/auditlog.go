package collection

import (
	"encoding/json"
	"time"
)

// AuditOutcome is how an audited action ended.
type AuditOutcome string

// Audit outcomes.
const (
	AuditOK      AuditOutcome = "ok"      // done
	AuditRefused AuditOutcome = "refused" // not signed in, or the role does not allow it
	AuditFailed  AuditOutcome = "failed"  // allowed, but it did not succeed (invalid input, not found, …)
)

// AuditEntry is one row of the audit log: who did what to which object, from
// where, and how it ended. Summary holds the action's arguments with every
// secret value replaced by Redacted.
type AuditEntry struct {
	ID          int64           `json:"id"`
	At          time.Time       `json:"at"`
	ActorUserID *UserID         `json:"actor_user_id,omitempty"`
	Actor       string          `json:"actor"`
	Action      string          `json:"action"`
	ObjectType  string          `json:"object_type,omitempty"`
	ObjectID    string          `json:"object_id,omitempty"`
	Outcome     AuditOutcome    `json:"outcome"`
	ErrorCode   string          `json:"error_code,omitempty"`
	ClientIP    string          `json:"client_ip,omitempty"`
	Summary     json.RawMessage `json:"summary"`
}
