// Package accountd is the Go SDK of accountd's canonical API (/v1), generated from
// openapi.yaml into accountd.gen.go (`make generate`; never edit it by hand).
//
// The module is github.com/accountd/accountd/clients/go, a module of its own that does not
// depend on the server. The package is in its accountd directory, so that its import
// path ends in the package's name.
package accountd

// The generator is a `go tool` of the server's module (the repository root), so that this
// module, which other programs depend on, does not carry it in its requirements.
//go:generate go -C ../../.. tool oapi-codegen -config clients/go/accountd/oapi-codegen.yaml openapi.yaml
