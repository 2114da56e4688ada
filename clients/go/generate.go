// Package client is the Go SDK for accountd's canonical API, generated from openapi.yaml.
// Never edit it by hand; run `make generate`.
//
//	c, err := client.NewClientWithResponses("http://localhost:8080")
//	res, err := c.LoginWithResponse(ctx, client.LoginJSONRequestBody{Login: "ada", Password: "..."})
package client

//go:generate go tool oapi-codegen -config oapi-codegen.yaml ../../openapi.yaml
