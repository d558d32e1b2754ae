// Package alerting decides when a monitored collection has broken or
// recovered and tells people about it.
//
// The decision is made inside the transaction that finishes a run
// (Dispatcher.RunFinished, the runner worker's FinishHook): the pure policy
// (Decide, SlotOutcome) reads the counters in alert_states and the open
// incidents, and its actions open, remind or resolve incidents and insert one
// alert_deliveries row per channel together with a River DeliveryJob. If the
// transaction commits, the messages will be sent; if it rolls back, none are.
//
// The delivery worker (RegisterWorkers) loads the stored message and the
// channel, builds the channel's provider from the registry (registry.go) and
// sends. Each attempt is recorded on the delivery row; transient errors are
// retried with exponential backoff and jitter, Retry-After is honoured
// exactly, permanent errors fail at once. Deliveries are separate jobs, so a
// dead channel delays nobody but itself.
//
// Providers live in provider/<name>, behind alert.Provider: one file each,
// plus PagerDuty's inbound webhook (acknowledgements) and email's transport
// setup (SMTP or SES, with its own AWS settings) in their own packages. HTTP
// goes through internal/netguard (the dial guard and Post); the message's
// free text is masked with internal/secret's Redactor before it is stored.
// alerting reads no server configuration: internal/cli passes what it needs.
// docs/alerts.md describes the channels and the policy for users;
// docs/adding-an-alert-channel.md is the recipe for a new channel.
package alerting
