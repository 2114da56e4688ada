package drf

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// parseJSON decodes a JSON object; numbers keep their text, so that an integer field is
// read exactly. Anything else is refused.
func parseJSON(raw []byte) (Body, *Refusal) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		msg, at := pythonJSONError(raw, err)
		return nil, jsonRefusal(raw, msg, at)
	}
	// The decoder stops at the end of the first value; Python's parser reads on.
	end := dec.InputOffset()
	if rest := bytes.TrimLeft(raw[end:], " \t\r\n"); len(rest) > 0 {
		return nil, jsonRefusal(raw, "Extra data", int64(len(raw)-len(rest)))
	}
	if obj, ok := v.(map[string]any); ok {
		return Body(obj), nil
	}
	return nil, &Refusal{Reason: NotAnObject, Type: PythonType(v)}
}

// jsonRefusal words the position of a JSON fault as Python's json module does ("line 1
// column 10 (char 9)"). It never quotes the body itself.
func jsonRefusal(raw []byte, msg string, at int64) *Refusal {
	at = max(0, min(at, int64(len(raw))))
	line, col := 1, 1
	for _, c := range raw[:at] {
		if c == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return &Refusal{Reason: MalformedJSON,
		JSONError: fmt.Sprintf("%s: line %d column %d (char %d)", msg, line, col, at)}
}

// pythonJSONError translates a Go JSON error into Python's message for the same fault,
// and the offset of the character at fault.
func pythonJSONError(raw []byte, err error) (msg string, at int64) {
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		// The input ends inside a value.
		return "Expecting value", int64(len(raw))
	}
	at = se.Offset - 1
	switch text := se.Error(); {
	case strings.HasSuffix(text, "looking for beginning of object key string"):
		return "Expecting property name enclosed in double quotes", at
	case strings.HasSuffix(text, "after object key"):
		return "Expecting ':' delimiter", at
	case strings.HasSuffix(text, "after object key:value pair"), strings.HasSuffix(text, "after array element"):
		return "Expecting ',' delimiter", at
	case strings.Contains(text, "in string literal"):
		return "Invalid control character at", at
	case text == "unexpected end of JSON input":
		return "Expecting value", int64(len(raw))
	}
	return "Expecting value", at
}

// PythonType names a decoded JSON value's type as Python would, for DRF's "Incorrect
// type" messages.
func PythonType(v any) string {
	switch v := v.(type) {
	case []any:
		return "list"
	case string:
		return "str"
	case bool:
		return "bool"
	case json.Number:
		if strings.ContainsAny(v.String(), ".eE") {
			return "float"
		}
		return "int"
	case map[string]any:
		return "dict"
	}
	return "NoneType"
}
