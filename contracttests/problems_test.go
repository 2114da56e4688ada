package contracttests

import (
	"encoding/json"
	"strings"
	"testing"

	client "github.com/accountd/accountd/clients/go/accountd"
)

// wantProblem checks that a response is the documented problem with the given code and,
// when fields are given, that its errors name exactly those fields.
func wantProblem(t *testing.T, r response, status int, code string, fields ...string) client.Problem {
	t.Helper()
	if got := statusOf(r); got != status {
		t.Fatalf("status = %d, want %d; body: %s", got, status, bodyOf(r))
	}
	return parseProblem(t, r.GetBody(), code, fields...)
}

func parseProblem(t *testing.T, body []byte, code string, fields ...string) client.Problem {
	t.Helper()
	var p client.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatalf("body is not a problem: %v: %s", err, body)
	}
	if string(p.Code) != code || p.Type != "urn:accountd:problem:"+code {
		t.Fatalf("problem code = %q (type %q), want %q; body: %s", p.Code, p.Type, code, body)
	}
	if len(fields) > 0 {
		var got []string
		if p.Errors != nil {
			for _, fe := range *p.Errors {
				got = append(got, fe.Field)
			}
		}
		if strings.Join(got, ",") != strings.Join(fields, ",") {
			t.Fatalf("problem fields = %q, want %q; body: %s", got, fields, body)
		}
	}
	return p
}
