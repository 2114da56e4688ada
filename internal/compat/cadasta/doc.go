// Package cadasta serves the Cadasta platform's account API (release v1.1.0) at its
// original paths under /api/v1/, over the same account service as the canonical API: same
// users, passwords, sessions, rate limits and history. Cadasta's clients point at accountd
// and change nothing.
//
// It answers as the platform's Django REST framework 3.3 and djoser 0.4 did: bodies as
// JSON, form-encoded or multipart; errors as {"field": ["message"]},
// {"non_field_errors": [...]} or {"detail": "..."} in their words; an opaque auth_token,
// sent as `Authorization: Token <auth_token>`. The operations are described under the tag
// compat-cadasta in openapi.yaml and generated into gen/compat/cadasta.
//
// Where the platform was broken or unsafe, accountd is not (see docs/compatibility.md): the
// auth_token is a session's, so logout, a password change or reset, deactivation and
// deletion end it; a new email is verified at the new address before it applies;
// email_verified is never the client's to set; the staff user endpoints answer instead of
// failing with 500.
package cadasta
