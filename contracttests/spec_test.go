package contracttests

import (
	"context"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/accountd/accountd/gen"
)

// TestSpecIsValid checks openapi.yaml as OpenAPI 3.0, examples included, so that Swagger
// UI shows nothing that the API would refuse or never send.
func TestSpecIsValid(t *testing.T) {
	doc, err := gen.GetSwagger()
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background(), openapi3.EnableExamplesValidation()); err != nil {
		t.Fatal(err)
	}
}

// TestSpecDocumentsRetryAfterOnEvery503 keeps the spec saying what every API does: a
// 503 (the database is out of reach) carries Retry-After, as a 429 does. An operation
// documents it on its 503, or, where a profile's catch-all answer covers the 503, there.
func TestSpecDocumentsRetryAfterOnEvery503(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromFile("../openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			for _, code := range []string{"503", "429", "default"} {
				r := op.Responses.Value(code)
				if r == nil || r.Value == nil {
					continue
				}
				if code == "default" && (r.Value.Description == nil || !strings.Contains(*r.Value.Description, "503")) {
					continue
				}
				if _, ok := r.Value.Headers["Retry-After"]; !ok {
					t.Errorf("%s %s: the %s answer does not document Retry-After", method, path, code)
				}
			}
		}
	}
}
