package accountd_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

func TestErrorCarriesTheProblem(t *testing.T) {
	_, url := startFake(t, nil)
	c, err := accountd.New(url)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: fakeLogin, Password: "wrong"})
	if res != nil {
		t.Errorf("a 401 came back as a response (%d) as well as an error", res.StatusCode())
	}
	var apiErr *accountd.Error
	if !errors.As(err, &apiErr) {
		t.Fatalf("errors.As(%v, *accountd.Error) = false", err)
	}
	if apiErr.Status != 401 || apiErr.Code != accountd.ProblemCodeInvalidCredentials || apiErr.RequestID != "req-invalid_credentials" {
		t.Errorf("got status %d code %q request_id %q, want 401 invalid_credentials req-invalid_credentials", apiErr.Status, apiErr.Code, apiErr.RequestID)
	}
	if !accountd.HasCode(err, accountd.ProblemCodeInvalidCredentials) || accountd.HasCode(err, accountd.ProblemCodeInternal) {
		t.Error("HasCode does not tell the code")
	}
	for _, want := range []string{"POST /v1/auth/login", "401", "invalid_credentials", "req-invalid_credentials"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err, want)
		}
	}
}

func TestErrorFieldsAndNonProblemBodies(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/v1/auth/register" {
			problem(w, 400, accountd.ProblemCodeValidationFailed, accountd.FieldError{Field: "password", Code: "too_short", Message: "must be at least 10 characters"})
			return
		}
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(502)
		_, _ = io.WriteString(w, "<h1>Bad gateway</h1>")
	}))
	defer srv.Close()
	c, err := accountd.New(srv.URL, accountd.WithHTTPClient(&accountd.Doer{MaxAttempts: 1}))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.RegisterWithResponse(context.Background(), nil, accountd.RegisterRequest{Username: "ada", Email: "not an email", Password: "short"})
	var apiErr *accountd.Error
	if !errors.As(err, &apiErr) || apiErr.Code != accountd.ProblemCodeValidationFailed {
		t.Fatalf("got %v, want a validation_failed *Error", err)
	}
	if f, ok := apiErr.Field("password"); !ok || f.Code != "too_short" {
		t.Errorf("Field(password) = %+v, %v", f, ok)
	}
	if !strings.Contains(err.Error(), "password: too_short: must be at least 10 characters") {
		t.Errorf("message %q does not name the field error", err)
	}

	_, err = c.GetMeWithResponse(context.Background())
	if !errors.As(err, &apiErr) || apiErr.Status != 502 || apiErr.Code != "" || string(apiErr.Body) != "<h1>Bad gateway</h1>" || apiErr.Title != "Bad Gateway" {
		t.Errorf("a non-problem 502: got %#v", apiErr)
	}
}

func TestCheckReadsBareClientResponses(t *testing.T) {
	_, url := startFake(t, nil)
	c, err := accountd.NewClientWithResponses(url)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: fakeLogin, Password: "wrong"})
	if err != nil || res.StatusCode() != 401 {
		t.Fatalf("bare client: got %v, %v; want a 401 response", res, err)
	}
	if err := accountd.Check(res, nil); !accountd.HasCode(err, accountd.ProblemCodeInvalidCredentials) {
		t.Errorf("Check = %v, want invalid_credentials", err)
	}
	res, err = c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: fakeLogin, Password: fakePassword})
	if err := accountd.Check(res, err); err != nil {
		t.Errorf("Check of a 200 = %v", err)
	}
	sent := errors.New("sent")
	if err := accountd.Check(nil, sent); err != sent {
		t.Errorf("Check(nil, err) = %v, want err itself", err)
	}
}

// recorded is one request a test server saw.
type recorded struct {
	method, key, body string
}

// flaky answers the first failures requests with status (and Retry-After when given),
// then 201, recording every request.
func flaky(t *testing.T, failures, status int, retryAfter string) (string, func() []recorded) {
	var mu sync.Mutex
	var seen []recorded
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		seen = append(seen, recorded{r.Method, r.Header.Get(accountd.IdempotencyKeyHeader), string(body)})
		n := len(seen)
		mu.Unlock()
		if n <= failures {
			if retryAfter != "" {
				w.Header().Set("Retry-After", retryAfter)
			}
			problem(w, status, accountd.ProblemCodeUnavailable)
			return
		}
		writeJSON(w, 201, map[string]any{"status": "activation_pending", "message": "ok", "account": map[string]any{"username": "ada"}})
	}))
	t.Cleanup(srv.Close)
	return srv.URL, func() []recorded { mu.Lock(); defer mu.Unlock(); return append([]recorded(nil), seen...) }
}

func TestRetriesSendOneIdempotencyKey(t *testing.T) {
	url, seen := flaky(t, 2, 503, "0")
	c, err := accountd.New(url)
	if err != nil {
		t.Fatal(err)
	}
	res, err := c.RegisterWithResponse(context.Background(), nil, accountd.RegisterRequest{Username: "ada", Email: "ada@example.com", Password: "correct-horse-battery"})
	if err != nil || res.StatusCode() != 201 {
		t.Fatalf("after two 503s: got %v, %v; want the third attempt's 201", res, err)
	}
	got := seen()
	if len(got) != 3 {
		t.Fatalf("%d attempts, want 3", len(got))
	}
	if got[0].key == "" {
		t.Fatal("the first attempt has no Idempotency-Key")
	}
	for i, r := range got {
		if r.key != got[0].key || r.body != got[0].body || r.body == "" {
			t.Errorf("attempt %d: key %q body %q; want the first attempt's (%q, %q)", i+1, r.key, r.body, got[0].key, got[0].body)
		}
	}

	// Another call is another operation: a new key.
	if _, err := c.RegisterWithResponse(context.Background(), nil, accountd.RegisterRequest{Username: "bob", Email: "bob@example.com", Password: "correct-horse-battery"}); err != nil {
		t.Fatal(err)
	}
	if got := seen(); got[3].key == got[0].key {
		t.Error("two calls shared one Idempotency-Key")
	}
}

func TestWhatIsNotRetried(t *testing.T) {
	t.Run("4xx", func(t *testing.T) {
		url, seen := flaky(t, 5, 409, "")
		c, _ := accountd.New(url)
		_, err := c.RegisterWithResponse(context.Background(), nil, accountd.RegisterRequest{Username: "ada", Email: "ada@example.com", Password: "x"})
		if !errors.As(err, new(*accountd.Error)) || len(seen()) != 1 {
			t.Errorf("a 409: %d attempts (want 1), err %v", len(seen()), err)
		}
	})
	t.Run("Retry-After beyond MaxRetryWait", func(t *testing.T) {
		url, seen := flaky(t, 5, 503, "3600")
		c, _ := accountd.New(url)
		start := time.Now()
		_, err := c.RegisterWithResponse(context.Background(), nil, accountd.RegisterRequest{Username: "ada", Email: "ada@example.com", Password: "x"})
		var apiErr *accountd.Error
		if !errors.As(err, &apiErr) || apiErr.RetryAfter != time.Hour || len(seen()) != 1 || time.Since(start) > 5*time.Second {
			t.Errorf("503 with Retry-After 3600: %d attempts (want 1), err %v", len(seen()), err)
		}
	})
	t.Run("MaxAttempts", func(t *testing.T) {
		url, seen := flaky(t, 5, 503, "0")
		c, _ := accountd.New(url, accountd.WithHTTPClient(&accountd.Doer{MaxAttempts: 2}))
		_, err := c.RegisterWithResponse(context.Background(), nil, accountd.RegisterRequest{Username: "ada", Email: "ada@example.com", Password: "x"})
		if !accountd.HasCode(err, accountd.ProblemCodeUnavailable) || len(seen()) != 2 {
			t.Errorf("MaxAttempts 2: %d attempts, err %v", len(seen()), err)
		}
	})
	t.Run("a canceled caller", func(t *testing.T) {
		url, seen := flaky(t, 5, 503, "")
		c, _ := accountd.New(url)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		_, err := c.RegisterWithResponse(ctx, nil, accountd.RegisterRequest{Username: "ada", Email: "ada@example.com", Password: "x"})
		if !errors.Is(err, context.Canceled) || len(seen()) != 0 {
			t.Errorf("canceled: %d attempts, err %v", len(seen()), err)
		}
	})
	t.Run("GET has no key", func(t *testing.T) {
		url, seen := flaky(t, 1, 503, "0")
		c, _ := accountd.New(url)
		_, _ = c.HealthzWithResponse(context.Background())
		got := seen()
		if len(got) != 2 || got[0].key != "" || got[0].method != "GET" {
			t.Errorf("GET: %+v; want two attempts without Idempotency-Key", got)
		}
	})
}

func TestDefaultClientHasATimeout(t *testing.T) {
	c, err := accountd.New("http://127.0.0.1:1")
	if err != nil {
		t.Fatal(err)
	}
	d, ok := c.ClientInterface.(*accountd.Client).Client.(*accountd.Doer)
	if !ok {
		t.Fatalf("New's doer is %T, want *accountd.Doer", c.ClientInterface.(*accountd.Client).Client)
	}
	if hc, ok := d.Next.(*http.Client); !ok || hc.Timeout != accountd.DefaultTimeout {
		t.Errorf("New's HTTP client: %#v, want an *http.Client with Timeout %v", d.Next, accountd.DefaultTimeout)
	}
}

func TestWithBearer(t *testing.T) {
	req, _ := http.NewRequest("GET", "http://x/v1/me", nil)
	if err := accountd.WithBearer("abc")(context.Background(), req); err != nil || req.Header.Get("Authorization") != "Bearer abc" {
		t.Errorf("WithBearer: %v, header %q", err, req.Header.Get("Authorization"))
	}
	if err := accountd.WithBearer("")(context.Background(), req); err == nil {
		t.Error("WithBearer(\"\") sent a request without a token")
	}
}
