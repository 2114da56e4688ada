// Package accountd is the Go SDK of accountd's canonical API (/v1): a typed client
// generated from openapi.yaml, and what a team needs around it, written by hand.
//
//   - New makes a client whose error answers come back as errors: an *Error carrying the
//     problem's code, status, field errors and request_id, read with errors.As. It times
//     out each attempt and retries on 502/503/504 and failures on the way, with one
//     Idempotency-Key across the attempts of a call.
//   - WithBearer authenticates a call with an access token; a TokenSource keeps one
//     valid, refreshing it before it expires, safely from many goroutines at once.
//   - A Verifier checks accountd access tokens offline in your own services, against
//     accountd's published keys (JWKS); its Middleware protects an http.Handler.
//
// A session from login to logout:
//
//	c, err := accountd.New("https://accounts.example.com")
//	res, err := c.LoginWithResponse(ctx, accountd.LoginRequest{Login: "ada", Password: password})
//	var apiErr *accountd.Error
//	if errors.As(err, &apiErr) && apiErr.Code == accountd.ProblemCodeInvalidCredentials { ... }
//	ts := accountd.NewTokenSource(c, *res.JSON200)
//	me, err := c.GetMeWithResponse(ctx, ts.RequestEditor())
//	err = ts.Logout(ctx, false)
//
// The module is github.com/accountd/accountd/clients/go, a module of its own that does not
// depend on the server: `go get github.com/accountd/accountd/clients/go@latest` (releases
// are tagged clients/go/vX.Y.Z). The package is in its accountd directory, so that its
// import path ends in the package's name.
//
// accountd.gen.go is generated from openapi.yaml (`make generate` in the repository;
// never edit it by hand). Enum constants carry their type's name
// (ProblemCodeInvalidCredentials, TokenPairTokenTypeBearer), and emails are plain
// strings: the server checks them and answers with a field error.
package accountd

// The generator is a `go tool` of the server's module (the repository root), so that this
// module, which other programs depend on, does not carry it in its requirements.
//go:generate go -C ../../.. tool oapi-codegen -config clients/go/accountd/oapi-codegen.yaml openapi.yaml
