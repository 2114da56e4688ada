// Package restregistration holds the code oapi-codegen generates for the
// compat-rest-registration operations of openapi.yaml: models and the chi server
// interface. Never edit it by hand; run `make generate`.
package restregistration

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../../openapi.yaml
