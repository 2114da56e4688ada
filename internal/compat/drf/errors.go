package drf

import (
	"bytes"
	"encoding/json"
)

// NonField is DRF's key for errors about the body as a whole.
const NonField = "non_field_errors"

// Errors are DRF's validation errors, {"field": ["message", ...]}, in the order the
// fields were checked, as DRF lists them in its serializer's field order. The zero value
// is empty and ready to use.
type Errors struct {
	order []string
	msgs  map[string][]string
}

// Add appends messages to field's; with none, it does nothing.
func (e *Errors) Add(field string, messages ...string) {
	if len(messages) == 0 {
		return
	}
	if e.msgs == nil {
		e.msgs = map[string][]string{}
	}
	if _, ok := e.msgs[field]; !ok {
		e.order = append(e.order, field)
	}
	e.msgs[field] = append(e.msgs[field], messages...)
}

// Append adds other's errors to e's, field by field in other's order.
func (e *Errors) Append(other *Errors) {
	for _, f := range other.order {
		e.Add(f, other.msgs[f]...)
	}
}

// Has reports whether field has an error.
func (e *Errors) Has(field string) bool { _, ok := e.msgs[field]; return ok }

// Empty reports whether there is no error at all.
func (e *Errors) Empty() bool { return len(e.order) == 0 }

// MarshalJSON writes the fields in the order they were added.
func (e *Errors) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range e.order {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := json.Marshal(f)
		v, err := json.Marshal(e.msgs[f])
		if err != nil {
			return nil, err
		}
		b.Write(k)
		b.WriteByte(':')
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
