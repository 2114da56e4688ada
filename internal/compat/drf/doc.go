// Package drf is the Django REST framework plumbing the compatibility profiles share:
// request bodies read as DRF's default parsers read them (JSON, form-encoded,
// multipart), CharField-style field reading, DRF's and Django's messages, validation
// errors as `{"field": ["message"]}` in field order, and DRF's 405 for the methods a
// path does not serve.
//
// It answers nothing itself where the profiles word an answer differently: a refused
// body comes back as a Refusal, and the 405s go through the profile's own writer.
package drf
