package httpapi

import (
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/google/uuid"

	"github.com/accountd/accountd/gen"
	"github.com/accountd/accountd/internal/account"
)

// operation is what the validator knows about one spec operation, worked out once at
// start-up.
type operation struct {
	route        *routers.Route
	authRequired bool
	// staffOnly: the spec marks the operation `x-accountd-role: staff`.
	staffOnly bool
	// compat: a compatibility profile's operation. Its package validates and
	// authenticates in its own API's manner (DRF error shapes, form bodies, `JWT` tokens).
	compat bool
	// idempotent: the operation declares the Idempotency-Key header (idempotency.go).
	idempotent bool
}

// compatTagPrefix starts the tag of every compatibility profile's operations.
const compatTagPrefix = "compat-"

func isCompat(op *openapi3.Operation) bool {
	for _, t := range op.Tags {
		if strings.HasPrefix(t, compatTagPrefix) {
			return true
		}
	}
	return false
}

// validator checks every request to a spec operation against openapi.yaml before a
// handler sees it, and authenticates the operations the spec secures.
type validator struct {
	router  routers.Router
	ops     map[*openapi3.Operation]operation
	options *openapi3filter.Options
	maxBody int64
	auth    func(r *http.Request) (*http.Request, error)
	// idem keeps the answers to Idempotency-Key requests; nil ignores the header.
	idem Idempotency
}

// emailFormat agrees with the generated models, which parse emails with net/mail: a
// bare address, nothing more.
func emailFormat(v string) error {
	a, err := mail.ParseAddress(v)
	if err != nil || a.Address != v {
		return errors.New("must be an email address")
	}
	return nil
}

// loadSpec returns the embedded spec with the server's own password policy:
// NewPassword's minLength is ACCOUNTD_PASSWORD_MIN_LENGTH (the committed spec says the
// default), so that the validator refuses a short password in the policy's words and
// /openapi.json tells clients the length this server asks for. 0 keeps the spec's.
func loadSpec(passwordMinLength int) (*openapi3.T, error) {
	doc, err := gen.GetSwagger()
	if err != nil {
		return nil, fmt.Errorf("load embedded spec: %w", err)
	}
	if passwordMinLength > 0 {
		s := doc.Components.Schemas["NewPassword"]
		if s == nil || s.Value == nil {
			return nil, errors.New("the embedded spec has no NewPassword schema")
		}
		s.Value.MinLength = uint64(passwordMinLength)
	}
	return doc, nil
}

func newValidator(maxBody int64, passwordMinLength int, auth func(r *http.Request) (*http.Request, error), idem Idempotency) (*validator, error) {
	doc, err := loadSpec(passwordMinLength)
	if err != nil {
		return nil, err
	}
	// Without this the router would match the Host header against `servers`.
	doc.Servers = nil
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("build spec router: %w", err)
	}
	v := &validator{
		router:  router,
		ops:     map[*openapi3.Operation]operation{},
		maxBody: maxBody,
		auth:    auth,
		idem:    idem,
		options: &openapi3filter.Options{
			MultiError: true,
			// Authentication is done by the middleware itself, with the result kept in
			// the request context; the validator's hook cannot change the context.
			AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{
				openapi3.EnableFormatValidation(),
				openapi3.WithStringFormatValidator("email", openapi3.NewCallbackValidator(emailFormat)),
				openapi3.WithStringFormatValidator("uuid", openapi3.NewCallbackValidator(func(v string) error {
					_, err := uuid.Parse(v)
					return err
				})),
			},
		},
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			security := doc.Security
			if op.Security != nil {
				security = *op.Security
			}
			role, _ := op.Extensions["x-accountd-role"].(string)
			v.ops[op] = operation{
				route:        &routers.Route{Spec: doc, Path: path, PathItem: item, Method: method, Operation: op},
				authRequired: len(security) > 0,
				staffOnly:    role == string(account.RoleStaff),
				compat:       isCompat(op),
				idempotent:   declaresHeader(op, idempotencyHeader),
			}
		}
	}
	return v, nil
}

// middleware validates requests for spec operations; others (docs, metrics, unknown
// paths) pass through to the router, which answers them itself.
func (v *validator) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		route, params, err := v.router.FindRoute(r)
		if err != nil {
			next.ServeHTTP(w, r)
			return
		}
		op := v.ops[route.Operation]
		if op.compat {
			next.ServeHTTP(w, r)
			return
		}
		if op.authRequired {
			if r, err = v.auth(r); err != nil {
				writeError(w, r, err)
				return
			}
			if op.staffOnly && principal(r.Context()).User.Role != account.RoleStaff {
				writeProblem(w, r, &Problem{Code: gen.Forbidden, Detail: "This operation needs a staff account."})
				return
			}
		}
		if r.Body != nil && r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, v.maxBody)
		}
		input := &openapi3filter.RequestValidationInput{
			Request: r, PathParams: params, Route: route, Options: v.options,
		}
		if err := openapi3filter.ValidateRequest(r.Context(), input); err != nil {
			writeError(w, r, requestProblem(err))
			return
		}
		if key := r.Header.Get(idempotencyHeader); key != "" && op.idempotent && v.idem != nil {
			v.serveIdempotent(w, r, next, route.Operation.OperationID, key)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// declaresHeader reports whether op declares the request header name.
func declaresHeader(op *openapi3.Operation, name string) bool {
	for _, p := range op.Parameters {
		if p.Value != nil && p.Value.In == openapi3.ParameterInHeader && http.CanonicalHeaderKey(p.Value.Name) == name {
			return true
		}
	}
	return false
}

// requestProblem turns a kin-openapi validation error into a problem that names the
// fields at fault. It builds messages from the schema and the JSON pointer only: kin's
// own error text repeats the submitted value, which may be a password.
func requestProblem(err error) *Problem {
	var fields []gen.FieldError
	for _, e := range flatten(err) {
		var re *openapi3filter.RequestError
		if !errors.As(e, &re) {
			continue
		}
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(re.Err, &tooLarge):
			return &Problem{Code: gen.BodyTooLarge, Detail: fmt.Sprintf("The request body may not exceed %d bytes.", tooLarge.Limit)}
		case re.RequestBody != nil && strings.HasPrefix(re.Reason, "header Content-Type has unexpected value"):
			return &Problem{Code: gen.UnsupportedMediaType, Detail: "Send the request body as application/json."}
		case re.RequestBody != nil && errors.Is(re.Err, openapi3filter.ErrInvalidRequired):
			fields = append(fields, gen.FieldError{Field: "", Code: "required", Message: "a JSON request body is required"})
		case re.RequestBody != nil && re.Reason == "failed to decode request body":
			return &Problem{Code: gen.MalformedRequest, Detail: "The request body is not valid JSON."}
		case re.Parameter != nil:
			fields = append(fields, paramProblems(re)...)
		default:
			fields = append(fields, schemaProblems(re.Err)...)
		}
	}
	if len(fields) == 0 {
		return &Problem{Code: gen.MalformedRequest, Detail: "The request does not match the API description."}
	}
	return &Problem{Code: gen.ValidationFailed, Fields: fields}
}

func paramProblems(re *openapi3filter.RequestError) []gen.FieldError {
	name := re.Parameter.Name
	if errors.Is(re.Err, openapi3filter.ErrInvalidRequired) {
		return []gen.FieldError{{Field: name, Code: "required", Message: "is required"}}
	}
	if fs := schemaProblems(re.Err); len(fs) > 0 {
		for i := range fs {
			fs[i].Field = strings.TrimSuffix(name+"."+fs[i].Field, ".")
		}
		return fs
	}
	return []gen.FieldError{{Field: name, Code: "invalid", Message: "is not valid"}}
}

// schemaProblems lists the schema errors inside err as field problems.
func schemaProblems(err error) []gen.FieldError {
	var out []gen.FieldError
	for _, e := range flatten(err) {
		var se *openapi3.SchemaError
		if !errors.As(e, &se) {
			continue
		}
		field := strings.Join(se.JSONPointer(), ".")
		code, msg := describe(se)
		// kin-openapi names a missing property in the path, but an unknown one only in
		// its reason.
		if strings.HasSuffix(se.Reason, "is unsupported") {
			field = strings.TrimPrefix(field+"."+quotedProperty(se.Reason), ".")
			code, msg = "unknown_field", "is not a known field"
		}
		out = append(out, gen.FieldError{Field: field, Code: code, Message: msg})
	}
	return out
}

// describe says what is wrong in words that never include the submitted value.
func describe(se *openapi3.SchemaError) (code, msg string) {
	s := se.Schema
	switch se.SchemaField {
	case "required":
		return "required", "is required"
	case "type":
		t := "a value of the right type"
		if s != nil && s.Type != nil && len(s.Type.Slice()) > 0 {
			t = "of type " + s.Type.Slice()[0]
		}
		return "type", "must be " + t
	case "minLength":
		if s != nil && s.MinLength == 1 {
			return "required", "must not be empty"
		}
		return "too_short", fmt.Sprintf("must be at least %d characters", s.MinLength)
	case "maxLength":
		return "too_long", fmt.Sprintf("must be at most %d characters", *s.MaxLength)
	case "pattern":
		if s != nil && s.Description != "" {
			return "pattern", "may contain only " + patternHint(s)
		}
		return "pattern", "has characters that are not allowed"
	case "format":
		return "format", "must be a valid " + s.Format
	case "enum":
		return "enum", "must be one of the documented values"
	case "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum":
		return "range", "is out of range"
	case "minProperties":
		return "required", "must name at least one field"
	case "nullable":
		return "type", "must not be null"
	}
	return "invalid", "is not valid"
}

// patternHint describes a pattern from its schema's description, up to the first ';'.
func patternHint(s *openapi3.Schema) string {
	d, _, _ := strings.Cut(s.Description, ";")
	return strings.ToLower(d[:1]) + d[1:]
}

// quotedProperty finds the property named in a kin-openapi reason such as
// `property "username" is missing`.
func quotedProperty(reason string) string {
	_, rest, ok := strings.Cut(reason, `property "`)
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, `"`)
	return name
}

// flatten unpacks kin-openapi's multi-errors into a flat list. It looks only at err
// itself, not inside wrappers, so a RequestError keeps the context it carries.
func flatten(err error) []error {
	me, ok := err.(openapi3.MultiError)
	if !ok {
		return []error{err}
	}
	var out []error
	for _, e := range me {
		out = append(out, flatten(e)...)
	}
	return out
}
