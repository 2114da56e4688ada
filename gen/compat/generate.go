// Package compat holds the code oapi-codegen generates for the compatibility profiles:
// for each tag compat-<name> of openapi.yaml, a package gen/compat/<name without
// dashes> with the models, the chi server interface and the embedded spec of the
// operations so tagged (internal/compat/<profile> implements it). A new profile needs
// only its tag in openapi.yaml: `make generate` finds it. Never edit by hand.
package compat

//go:generate go run ../../internal/tools/gencompat -spec ../../openapi.yaml -out .
