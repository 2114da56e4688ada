// Package gen holds the code oapi-codegen generates from openapi.yaml: the models, the chi
// strict server interface and the embedded spec. Never edit it by hand; run `make generate`.
package gen

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../openapi.yaml
