package accountd

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"
)

// Error is an answer of accountd with a status of 400 or more, as a Go error. The clients
// New makes return one for every such answer; Check makes one from a response of the
// bare generated client. Read it with errors.As:
//
//	var apiErr *accountd.Error
//	if errors.As(err, &apiErr) && apiErr.Code == accountd.ProblemCodeInvalidCredentials { ... }
type Error struct {
	// Status is the HTTP status.
	Status int
	// Code is the problem's stable, machine-readable code; empty when the answer was not
	// a problem (an answer from a proxy in front of accountd, say).
	Code ProblemCode
	// Title is the problem's short summary (or the status text), Detail what went wrong
	// this time.
	Title, Detail string
	// Fields are the fields at fault, for ProblemCodeValidationFailed.
	Fields []FieldError
	// RequestID identifies the request in the server's logs: quote it when reporting.
	RequestID string
	// RetryAfter is when the server asks to be tried again (429 and 503), 0 when it did
	// not say.
	RetryAfter time.Duration
	// Method and Path name the request, for the message.
	Method, Path string
	// Body is the answer's body when it was not a problem (at most 64 KiB), else nil.
	Body []byte
}

// Error reads like "accountd: POST /v1/auth/register: 400 validation_failed: Request
// body is invalid (password: too_short: must be at least 10 characters) [request_id
// 3f2a...]".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("accountd: ")
	if e.Method != "" {
		b.WriteString(e.Method + " " + e.Path + ": ")
	}
	fmt.Fprintf(&b, "%d", e.Status)
	if e.Code != "" {
		b.WriteString(" " + string(e.Code))
	}
	if e.Title != "" {
		b.WriteString(": " + e.Title)
	}
	if e.Detail != "" && e.Detail != e.Title {
		b.WriteString(": " + e.Detail)
	}
	if len(e.Fields) > 0 {
		parts := make([]string, len(e.Fields))
		for i, f := range e.Fields {
			parts[i] = strings.TrimPrefix(f.Field+": ", ": ") + f.Code + ": " + f.Message
		}
		b.WriteString(" (" + strings.Join(parts, "; ") + ")")
	}
	if e.RequestID != "" {
		b.WriteString(" [request_id " + e.RequestID + "]")
	}
	return b.String()
}

// Field returns the field error about name ("password", "email", ...), if there is one.
func (e *Error) Field(name string) (FieldError, bool) {
	for _, f := range e.Fields {
		if f.Field == name {
			return f, true
		}
	}
	return FieldError{}, false
}

// HasCode reports whether err is (or wraps) an *Error with the given problem code.
func HasCode(err error, code ProblemCode) bool {
	var e *Error
	return errors.As(err, &e) && e.Code == code
}

// maxErrorBody bounds how much of an error answer is read: a problem is a few hundred
// bytes, and a misbehaving proxy's page must not fill memory.
const maxErrorBody = 64 << 10

// responseError reads res (closing its body) into an *Error.
func responseError(req *http.Request, res *http.Response) *Error {
	body, _ := io.ReadAll(io.LimitReader(res.Body, maxErrorBody))
	drain(res.Body)
	e := newError(res.StatusCode, res.Header.Get("Content-Type"), body)
	e.Method, e.Path = req.Method, req.URL.Path
	if wait, ok := parseRetryAfter(res.Header); ok {
		e.RetryAfter = wait
	}
	if e.RequestID == "" {
		e.RequestID = res.Header.Get("X-Request-ID")
	}
	return e
}

// newError makes an *Error from an answer's status, Content-Type and body.
func newError(status int, contentType string, body []byte) *Error {
	e := &Error{Status: status}
	var p Problem
	if isJSON(contentType) && json.Unmarshal(body, &p) == nil && p.Code != "" {
		e.Code, e.Title = p.Code, p.Title
		if p.Detail != nil {
			e.Detail = *p.Detail
		}
		if p.Errors != nil {
			e.Fields = *p.Errors
		}
		if p.RequestId != nil {
			e.RequestID = *p.RequestId
		}
	} else {
		e.Body = body
	}
	if e.Title == "" {
		e.Title = http.StatusText(status)
	}
	return e
}

// isJSON reports whether contentType is application/json or a +json type such as
// application/problem+json.
func isJSON(contentType string) bool {
	mt, _, err := mime.ParseMediaType(contentType)
	return err == nil && (mt == "application/json" || strings.HasSuffix(mt, "+json"))
}

// Response is what every response of the generated ClientWithResponses has.
type Response interface {
	StatusCode() int
	ContentType() string
	GetBody() []byte
}

// Check returns nil when res has a status below 400, and otherwise its problem as an
// *Error. It is for responses of a client made by the bare NewClientWithResponses, which
// returns error answers as responses; a client made by New returns them as errors
// already. err is the error returned with res, which Check returns first:
//
//	res, err := c.LoginWithResponse(ctx, body)
//	if err := accountd.Check(res, err); err != nil { ... }
func Check(res Response, err error) error {
	if err != nil {
		return err
	}
	if res == nil {
		return errors.New("accountd: Check: no response")
	}
	if res.StatusCode() < 400 {
		return nil
	}
	return newError(res.StatusCode(), res.ContentType(), res.GetBody())
}
