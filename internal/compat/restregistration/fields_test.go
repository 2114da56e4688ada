package restregistration

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/accountd/accountd/internal/compat/drf"
)

// asJSON is errs as this API writes them.
func asJSON(errs *drf.Errors) string {
	b, _ := json.Marshal(errs)
	return string(b)
}

// jsonBody decodes a JSON object as readBody does.
func jsonBody(t *testing.T, s string) body {
	t.Helper()
	var b body
	dec := json.NewDecoder(strings.NewReader(s))
	dec.UseNumber()
	if err := dec.Decode(&b); err != nil {
		t.Fatal(err)
	}
	return b
}

func TestFieldsReadAsDRF(t *testing.T) {
	t.Run("booleans", func(t *testing.T) {
		for raw, want := range map[string]bool{
			`true`: true, `"True"`: true, `"yes"`: true, `"on"`: true, `1`: true, `"1"`: true,
			`false`: false, `"FALSE"`: false, `"no"`: false, `"off"`: false, `0`: false, `null`: false,
		} {
			errs := &drf.Errors{}
			if got := jsonBody(t, `{"f": `+raw+`}`).boolean("f", errs); got != want || !errs.Empty() {
				t.Errorf("%s: got %v %v, want %v", raw, got, errs, want)
			}
		}
		for _, raw := range []string{`"maybe"`, `2`, `[]`, `{}`} {
			errs := &drf.Errors{}
			jsonBody(t, `{"f": `+raw+`}`).boolean("f", errs)
			if asJSON(errs) != `{"f":["`+msgBoolean+`"]}` {
				t.Errorf("%s: errors %v", raw, errs)
			}
		}
	})
	t.Run("integers_from_numbers_or_digits", func(t *testing.T) {
		for raw, want := range map[string]int64{`1767225600`: 1767225600, `"1767225600"`: 1767225600, `" 42 "`: 42} {
			errs := &drf.Errors{}
			if got := jsonBody(t, `{"f": `+raw+`}`).integer("f", errs); got != want || !errs.Empty() {
				t.Errorf("%s: got %d %v", raw, got, errs)
			}
		}
		for raw, msg := range map[string]string{`1.5`: msgInteger, `"x"`: msgInteger, `true`: msgInteger, `null`: drf.MsgNull} {
			errs := &drf.Errors{}
			jsonBody(t, `{"f": `+raw+`}`).integer("f", errs)
			if asJSON(errs) != `{"f":["`+msg+`"]}` {
				t.Errorf("%s: errors %v", raw, errs)
			}
		}
		errs := &drf.Errors{}
		jsonBody(t, `{}`).integer("f", errs)
		if asJSON(errs) != `{"f":["`+drf.MsgRequired+`"]}` {
			t.Errorf("missing: errors %v", errs)
		}
	})
	t.Run("strings_trimmed_but_passwords_kept", func(t *testing.T) {
		b := jsonBody(t, `{"name": "  ada ", "pw": " secret ", "n": 7, "list": [1]}`)
		errs := &drf.Errors{}
		if got := b.required("name", errs); got != "ada" {
			t.Errorf("name %q", got)
		}
		if got := b.secret("pw", errs); got != " secret " {
			t.Errorf("password %q", got)
		}
		if got := b.required("n", errs); got != "7" {
			t.Errorf("number as text %q", got)
		}
		b.required("list", errs)
		b.required("blank", errs)
		want := `{"list":["` + drf.MsgNotString + `"],"blank":["` + drf.MsgRequired + `"]}`
		if asJSON(errs) != want {
			t.Errorf("errors %v, want %v", errs, want)
		}
	})
}
