package httpapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// servedSpec returns openapi.yaml as this server serves it: the file byte for byte,
// except that NewPassword's minLength says the server's own password policy
// (passwordMinLength; 0 keeps the file's), as the validator does (loadSpec). Only that
// value's characters change, so a server on the default policy serves the file itself
// and any other serves the file with that one number rewritten.
func servedSpec(file []byte, passwordMinLength int) ([]byte, error) {
	if passwordMinLength <= 0 {
		return file, nil
	}
	var doc yaml.Node
	if err := yaml.Unmarshal(file, &doc); err != nil {
		return nil, fmt.Errorf("openapi.yaml: %w", err)
	}
	var root *yaml.Node
	if len(doc.Content) == 1 {
		root = doc.Content[0]
	}
	minLength := mapValue(mapValue(mapValue(mapValue(root, "components"), "schemas"), "NewPassword"), "minLength")
	if minLength == nil || minLength.Kind != yaml.ScalarNode || minLength.Style != 0 {
		return nil, errors.New("openapi.yaml: NewPassword has no plain minLength to set the password policy's in")
	}
	want := strconv.Itoa(passwordMinLength)
	if minLength.Value == want {
		return file, nil
	}
	// The node's line and column (1-based, in characters) locate the number in the file.
	start := 0
	for line := 1; line < minLength.Line; line++ {
		i := bytes.IndexByte(file[start:], '\n')
		if i < 0 {
			return nil, errors.New("openapi.yaml: NewPassword's minLength is past the end of the file")
		}
		start += i + 1
	}
	line := file[start:]
	if i := bytes.IndexByte(line, '\n'); i >= 0 {
		line = line[:i]
	}
	if runes := []rune(string(line)); minLength.Column-1 <= len(runes) {
		start += len(string(runes[:minLength.Column-1]))
	}
	if !bytes.HasPrefix(file[start:], []byte(minLength.Value)) {
		return nil, errors.New("openapi.yaml: NewPassword's minLength is not where the parser says")
	}
	out := make([]byte, 0, len(file)+len(want))
	out = append(out, file[:start]...)
	out = append(out, want...)
	return append(out, file[start+len(minLength.Value):]...), nil
}

// specJSON converts openapi.yaml to JSON as written: every key in the file's order,
// every value as YAML reads it. It works on the YAML node tree rather than through
// kin-openapi, whose model renames nothing but drops or reorders what it does not know
// and cannot say "as written".
func specJSON(doc *yaml.Node) ([]byte, error) {
	var b bytes.Buffer
	if err := writeJSON(&b, doc); err != nil {
		return nil, err
	}
	// Served from memory for the life of the process: keep its length, not the
	// buffer's last doubling.
	return bytes.Clone(b.Bytes()), nil
}

// writeJSON writes n as JSON. Mapping keys become strings as OpenAPI reads them (a
// response code 200 is the key "200"); a scalar keeps its YAML type, except timestamps,
// which JSON has not: they stay the text written.
func writeJSON(b *bytes.Buffer, n *yaml.Node) error {
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) != 1 {
			return fmt.Errorf("spec: a YAML document with %d roots", len(n.Content))
		}
		return writeJSON(b, n.Content[0])
	case yaml.AliasNode:
		return writeJSON(b, n.Alias)
	case yaml.MappingNode:
		b.WriteByte('{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			key, err := json.Marshal(n.Content[i].Value)
			if err != nil {
				return err
			}
			b.Write(key)
			b.WriteByte(':')
			if err := writeJSON(b, n.Content[i+1]); err != nil {
				return err
			}
		}
		b.WriteByte('}')
		return nil
	case yaml.SequenceNode:
		b.WriteByte('[')
		for i, c := range n.Content {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeJSON(b, c); err != nil {
				return err
			}
		}
		b.WriteByte(']')
		return nil
	case yaml.ScalarNode:
		var v any = n.Value
		switch n.ShortTag() {
		case "!!str", "!!timestamp", "!!binary":
		default: // !!int, !!float, !!bool, !!null
			if err := n.Decode(&v); err != nil {
				return fmt.Errorf("spec: line %d: %w", n.Line, err)
			}
		}
		out, err := json.Marshal(v)
		if err != nil {
			return fmt.Errorf("spec: line %d: %w", n.Line, err)
		}
		b.Write(out)
		return nil
	}
	return fmt.Errorf("spec: line %d: unexpected YAML node", n.Line)
}

// docsAPI is one API of the spec that Swagger UI offers in its selector: the canonical
// API, or one compatibility profile, each with its own operations and security schemes
// (so that Authorize offers the one that API takes).
type docsAPI struct {
	// Name is the selector's entry; Slug the document's file name under /docs/apis/.
	Name, Slug string
	// Title heads the document; Description replaces the spec's for a profile, whose
	// tag says what it is.
	Title, Description string
	// Keep says whether an operation with these tags belongs to the API.
	Keep func(tags []string) bool
}

// apiDocument returns the part of the spec api covers: its operations (a path without
// any is left out), its tags, the security schemes its operations use, and everything
// else (components, servers) as in the spec.
func apiDocument(spec *yaml.Node, api docsAPI) (*yaml.Node, error) {
	root := spec
	if root.Kind == yaml.DocumentNode {
		root = root.Content[0]
	}
	if root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("spec: not a mapping")
	}
	var (
		globalSecurity = mapValue(root, "security")
		kept           = map[string]bool{} // tags of kept operations
		schemes        = map[string]bool{} // security schemes they use
		out            = &yaml.Node{Kind: yaml.MappingNode}
	)
	useSecurity := func(sec *yaml.Node) {
		if sec == nil {
			return
		}
		for _, req := range sec.Content {
			for i := 0; i+1 < len(req.Content); i += 2 {
				schemes[req.Content[i].Value] = true
			}
		}
	}
	for i := 0; i+1 < len(root.Content); i += 2 {
		key, val := root.Content[i], root.Content[i+1]
		switch key.Value {
		case "paths":
			paths := &yaml.Node{Kind: yaml.MappingNode}
			for j := 0; j+1 < len(val.Content); j += 2 {
				item := &yaml.Node{Kind: yaml.MappingNode}
				ops := 0
				for k := 0; k+1 < len(val.Content[j+1].Content); k += 2 {
					field, op := val.Content[j+1].Content[k], val.Content[j+1].Content[k+1]
					if !isMethod(field.Value) {
						item.Content = append(item.Content, field, op) // parameters, summary, ...
						continue
					}
					tags := scalars(mapValue(op, "tags"))
					if !api.Keep(tags) {
						continue
					}
					for _, t := range tags {
						kept[t] = true
					}
					if sec := mapValue(op, "security"); sec != nil {
						useSecurity(sec)
					} else {
						useSecurity(globalSecurity)
					}
					item.Content = append(item.Content, field, op)
					ops++
				}
				if ops > 0 {
					paths.Content = append(paths.Content, val.Content[j], item)
				}
			}
			out.Content = append(out.Content, key, paths)
		default:
			out.Content = append(out.Content, key, val)
		}
	}
	for i := 0; i+1 < len(out.Content); i += 2 {
		key, val := out.Content[i], out.Content[i+1]
		switch key.Value {
		case "info":
			info := &yaml.Node{Kind: yaml.MappingNode}
			for j := 0; j+1 < len(val.Content); j += 2 {
				switch val.Content[j].Value {
				case "title":
					info.Content = append(info.Content, val.Content[j], str(api.Title))
				case "description":
					if api.Description != "" {
						info.Content = append(info.Content, val.Content[j], str(api.Description))
					} else {
						info.Content = append(info.Content, val.Content[j], val.Content[j+1])
					}
				default:
					info.Content = append(info.Content, val.Content[j], val.Content[j+1])
				}
			}
			out.Content[i+1] = info
		case "tags":
			tags := &yaml.Node{Kind: yaml.SequenceNode}
			for _, t := range val.Content {
				if kept[scalarValue(mapValue(t, "name"))] {
					tags.Content = append(tags.Content, t)
				}
			}
			out.Content[i+1] = tags
		case "components":
			comps := &yaml.Node{Kind: yaml.MappingNode}
			for j := 0; j+1 < len(val.Content); j += 2 {
				if val.Content[j].Value != "securitySchemes" {
					comps.Content = append(comps.Content, val.Content[j], val.Content[j+1])
					continue
				}
				used := &yaml.Node{Kind: yaml.MappingNode}
				for k := 0; k+1 < len(val.Content[j+1].Content); k += 2 {
					if schemes[val.Content[j+1].Content[k].Value] {
						used.Content = append(used.Content, val.Content[j+1].Content[k], val.Content[j+1].Content[k+1])
					}
				}
				comps.Content = append(comps.Content, val.Content[j], used)
			}
			out.Content[i+1] = comps
		case "security":
			// The default requirement names schemes; it stays only if the document
			// still declares them (a profile's operations each say their own).
			for _, req := range val.Content {
				for k := 0; k+1 < len(req.Content); k += 2 {
					if !schemes[req.Content[k].Value] {
						out.Content[i+1] = &yaml.Node{Kind: yaml.SequenceNode}
					}
				}
			}
		}
	}
	return out, nil
}

// methods are the path item fields that are operations.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

func isMethod(field string) bool { return slices.Contains(methods, field) }

// mapValue returns the value of key in mapping n, or nil.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	if n == nil || n.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}

// scalars returns the values of sequence n's scalar items.
func scalars(n *yaml.Node) []string {
	if n == nil {
		return nil
	}
	var out []string
	for _, c := range n.Content {
		out = append(out, c.Value)
	}
	return out
}

func scalarValue(n *yaml.Node) string {
	if n == nil {
		return ""
	}
	return n.Value
}

func str(s string) *yaml.Node {
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s}
}
