package contracttests

import (
	"context"
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
