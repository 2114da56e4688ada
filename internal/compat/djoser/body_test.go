package djoser

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestJSONParseErrorsWordedLikePython: DRF passes Python's json messages on to clients;
// the position is where Python's parser stops.
func TestJSONParseErrorsWordedLikePython(t *testing.T) {
	s := New(Config{})
	for body, want := range map[string]string{
		`{"email":}`:                        "Expecting value: line 1 column 10 (char 9)",
		`{"email": "a@example.co", 'x': 1}`: "Expecting property name enclosed in double quotes: line 1 column 27 (char 26)",
		`{"email" "a"}`:                     "Expecting ':' delimiter: line 1 column 10 (char 9)",
		`{"a": 1 "b": 2}`:                   "Expecting ',' delimiter: line 1 column 9 (char 8)",
		"{\n  \"a\": 1}}":                   "Extra data: line 2 column 10 (char 11)",
		`{"a": `:                            "Expecting value: line 1 column 7 (char 6)",
	} {
		r := httptest.NewRequest("POST", "/api/users/", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		w := httptest.NewRecorder()
		if _, ok := s.readBody(w, r); ok {
			t.Errorf("%s: parsed", body)
			continue
		}
		var got detail
		_ = json.Unmarshal(w.Body.Bytes(), &got)
		if w.Code != http.StatusBadRequest || got.Detail != "JSON parse error - "+want {
			t.Errorf("%s: %d %q, want %q", body, w.Code, got.Detail, want)
		}
	}
}

func TestReadBodyEmptyIsNoFields(t *testing.T) {
	s := New(Config{})
	for _, ct := range []string{"", "application/json", "text/plain"} {
		r := httptest.NewRequest("POST", "/api/jwt/create/", strings.NewReader(""))
		r.Header.Set("Content-Type", ct)
		w := httptest.NewRecorder()
		if b, ok := s.readBody(w, r); !ok || len(b) != 0 {
			t.Errorf("Content-Type %q: %v %v (%d %s)", ct, b, ok, w.Code, w.Body)
		}
	}
}

func TestDecodeUID(t *testing.T) {
	for uid, want := range map[string]int64{"NQ": 5, "NQ==": 5, "MTIz": 123} {
		if got, ok := decodeUID(uid); !ok || got != want {
			t.Errorf("decodeUID(%q) = %d, %v; want %d", uid, got, ok, want)
		}
	}
	for _, uid := range []string{"", "!!", "MA", "LTE", "YWJj"} { // "", junk, 0, -1, "abc"
		if got, ok := decodeUID(uid); ok {
			t.Errorf("decodeUID(%q) = %d, want refused", uid, got)
		}
	}
}

func TestFieldErrorsKeepTheirOrder(t *testing.T) {
	var e fieldErrors
	e.add("zeta", "z")
	e.add("alpha", "a")
	e.add("zeta", "z2")
	b, err := json.Marshal(&e)
	if err != nil || string(b) != `{"zeta":["z","z2"],"alpha":["a"]}` {
		t.Fatalf("%s %v", b, err)
	}
}
