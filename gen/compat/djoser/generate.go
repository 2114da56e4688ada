// Package djoser holds the code oapi-codegen generates for the djoser compatibility
// profile (operations tagged compat-djoser in openapi.yaml): its models and chi server
// interface. Never edit it by hand; run `make generate`.
package djoser

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../../openapi.yaml
