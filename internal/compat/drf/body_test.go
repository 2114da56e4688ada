package drf

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
)

// read sends body with contentType through rd.
func read(rd Reader, contentType, body string) (Body, *Refusal) {
	r := httptest.NewRequest("POST", "/api/users/", strings.NewReader(body))
	r.Header.Set("Content-Type", contentType)
	return rd.Read(httptest.NewRecorder(), r)
}

// TestJSONParseErrorsWordedLikePython: DRF passes Python's json messages on to clients;
// the position is where Python's parser stops.
func TestJSONParseErrorsWordedLikePython(t *testing.T) {
	for body, want := range map[string]string{
		`{"email":}`:                        "Expecting value: line 1 column 10 (char 9)",
		`{"email": "a@example.co", 'x': 1}`: "Expecting property name enclosed in double quotes: line 1 column 27 (char 26)",
		`{"email" "a"}`:                     "Expecting ':' delimiter: line 1 column 10 (char 9)",
		`{"a": 1 "b": 2}`:                   "Expecting ',' delimiter: line 1 column 9 (char 8)",
		"{\n  \"a\": 1}}":                   "Extra data: line 2 column 10 (char 11)",
		`{"a": `:                            "Expecting value: line 1 column 7 (char 6)",
	} {
		_, refused := read(Reader{MaxBytes: 1 << 10}, "application/json", body)
		if refused == nil || refused.Status() != http.StatusBadRequest || refused.Message() != "JSON parse error - "+want {
			t.Errorf("%s: %+v, want %q", body, refused, want)
		}
	}
}

func TestReadBody(t *testing.T) {
	rd := Reader{MaxBytes: 1 << 10}
	t.Run("empty_is_no_fields", func(t *testing.T) {
		for _, ct := range []string{"", "application/json", "text/plain"} {
			if b, refused := read(rd, ct, ""); refused != nil || len(b) != 0 {
				t.Errorf("Content-Type %q: %v %+v", ct, b, refused)
			}
		}
	})
	t.Run("json_numbers_keep_their_text", func(t *testing.T) {
		b, refused := read(rd, "application/json; charset=utf-8", `{"n": 12345678901234567890, "s": "x"}`)
		if refused != nil || b["n"].(interface{ String() string }).String() != "12345678901234567890" || b["s"] != "x" {
			t.Errorf("%v %+v", b, refused)
		}
	})
	t.Run("form_last_value_counts", func(t *testing.T) {
		b, refused := read(rd, "application/x-www-form-urlencoded", "a=1&a=2&b=%zz")
		if refused != nil || !reflect.DeepEqual(b, Body{"a": "2"}) {
			t.Errorf("%v %+v", b, refused)
		}
	})
	t.Run("multipart_fields", func(t *testing.T) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("a", "1")
		_ = mw.Close()
		b, refused := read(rd, mw.FormDataContentType(), buf.String())
		if refused != nil || !reflect.DeepEqual(b, Body{"a": "1"}) {
			t.Errorf("%v %+v", b, refused)
		}
	})
	for name, c := range map[string]struct {
		rd                Reader
		contentType, body string
		reason            Reason
		status            int
		message           string
	}{
		"413_too_large":             {Reader{MaxBytes: 4}, "application/json", `{"a": 1}`, TooLarge, 413, "Request body exceeded 4 bytes."},
		"415_unsupported":           {rd, "text/plain", "hello", UnsupportedMediaType, 415, `Unsupported media type "text/plain" in request.`},
		"400_multipart_no_boundary": {rd, "multipart/form-data", "--x--", MalformedMultipart, 400, "Multipart form parse error - Invalid boundary in multipart: None"},
		"400_list":                  {rd, "application/json", `["a"]`, NotAnObject, 400, "Invalid data. Expected a dictionary, but got list."},
		"400_float":                 {rd, "application/json", `1.5`, NotAnObject, 400, "Invalid data. Expected a dictionary, but got float."},
		"400_null":                  {rd, "application/json", `null`, NotAnObject, 400, "No data provided"},
		"400_blank_parsed":          {rd, "application/json", " \n", MalformedJSON, 400, "JSON parse error - Expecting value: line 2 column 1 (char 2)"},
		"415_json_suffix":           {rd, "application/vnd.api+json", `{}`, UnsupportedMediaType, 415, `Unsupported media type "application/vnd.api+json" in request.`},
		"400_strict_form":           {Reader{MaxBytes: 1 << 10, StrictForm: true}, "application/x-www-form-urlencoded", "a=%zz", MalformedForm, 400, "Form parse error - the body is not a valid form."},
	} {
		t.Run(name, func(t *testing.T) {
			_, refused := read(c.rd, c.contentType, c.body)
			if refused == nil || refused.Reason != c.reason || refused.Status() != c.status || refused.Message() != c.message {
				t.Errorf("%+v, want %v %d %q", refused, c.reason, c.status, c.message)
			}
		})
	}
	t.Run("lenient_flags", func(t *testing.T) {
		lax := Reader{MaxBytes: 1 << 10, BlankIsEmpty: true, JSONSuffix: true}
		if b, refused := read(lax, "application/json", " \n"); refused != nil || len(b) != 0 {
			t.Errorf("blank: %v %+v", b, refused)
		}
		if b, refused := read(lax, "application/vnd.api+json", `{"a": "b"}`); refused != nil || b["a"] != "b" {
			t.Errorf("+json: %v %+v", b, refused)
		}
	})
}

func TestErrorsKeepTheirOrder(t *testing.T) {
	var e, more Errors
	e.Add("zeta", "z")
	e.Add("alpha", "a")
	more.Add("zeta", "z2")
	more.Add("beta", "b")
	e.Append(&more)
	b, err := (&e).MarshalJSON()
	if err != nil || string(b) != `{"zeta":["z","z2"],"alpha":["a"],"beta":["b"]}` {
		t.Fatalf("%s %v", b, err)
	}
	if !e.Has("alpha") || e.Has("gamma") || e.Empty() || !(&Errors{}).Empty() {
		t.Fatal("Has/Empty disagree with the errors added")
	}
}

func TestChar(t *testing.T) {
	b, _ := read(Reader{MaxBytes: 1 << 10}, "application/json", `{"s": "x", "n": 7, "null": null, "list": [], "bool": true, "nul": "a\u0000b"}`)
	b["file"] = File{Name: "x.txt", Data: []byte("x")}
	for field, want := range map[string][2]string{
		"s": {"x", ""}, "n": {"7", ""}, "null": {"", MsgNull}, "list": {"", MsgNotString}, "bool": {"", MsgNotString},
		"nul": {"", MsgNullCharacters}, "file": {"", MsgNotString},
	} {
		if s, msg := Char(b[field]); s != want[0] || msg != want[1] {
			t.Errorf("%s: %q %q, want %q", field, s, msg, want)
		}
	}
}

func TestMultipartFiles(t *testing.T) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("bio", "hello")
	_ = mw.WriteField("profile_img", "https://example.com/a.png")
	fw, _ := mw.CreateFormFile("profile_img", "me.png")
	_, _ = fw.Write([]byte("\x89PNG\x00bytes"))
	_ = mw.Close()
	t.Run("kept_with_Files_over_a_text_value", func(t *testing.T) {
		b, refused := read(Reader{MaxBytes: 1 << 10, Files: true}, mw.FormDataContentType(), buf.String())
		f, ok := b["profile_img"].(File)
		if refused != nil || !ok || f.Name != "me.png" || string(f.Data) != "\x89PNG\x00bytes" || b["bio"] != "hello" {
			t.Fatalf("%#v %+v", b, refused)
		}
	})
	t.Run("left_out_without_Files", func(t *testing.T) {
		b, refused := read(Reader{MaxBytes: 1 << 10}, mw.FormDataContentType(), buf.String())
		if refused != nil || b["profile_img"] != "https://example.com/a.png" {
			t.Fatalf("%#v %+v", b, refused)
		}
	})
}
