// Package auth holds Catena's credentials logic, independent of HTTP routing and
// storage: password hashing (bcrypt), session and API token generation (random,
// 256-bit, stored only as SHA-256 hashes), the one-time setup token, the
// principal a request acts as, role checks, and the login rate limiter.
//
// What it stores is reached through the small Users interface, which
// internal/store satisfies.
package auth
