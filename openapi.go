// Package accountd holds openapi.yaml, the contract every other part follows, as bytes
// in the binary: the server serves it as written (/openapi.yaml, /openapi.json) and
// reports its info.version as its own (internal/version).
package accountd

import _ "embed"

// OpenAPI is openapi.yaml, byte for byte.
//
//go:embed openapi.yaml
var OpenAPI []byte
