// Package djoser serves the API of a djoser 2.1 + SimpleJWT 5.2 backend at its
// original paths, over the same account service as the canonical API: same users,
// passwords and sessions. Apps written against djoser point at accountd and change
// nothing.
//
// It answers as Django REST framework does: bodies as JSON, form-encoded or multipart;
// errors as {"field": ["message"]}, {"non_field_errors": [...]} or {"detail": "..."} with
// DRF's and Django's wording; `Authorization: Bearer <access>` or `JWT <access>`; each path
// with and without its trailing slash. The operations are described under the tag
// compat-djoser in openapi.yaml and generated into gen/compat/djoser.
//
// Where djoser left a hole, accountd closes it: a password reset, a logout and an account
// deletion end the sessions they concern, so their access and refresh tokens stop working
// at once; emails are unique without regard to case. With ACCOUNTD_HIDE_EXISTING_EMAILS
// on, nothing reveals whether an email has an account (see docs/compatibility.md).
package djoser
