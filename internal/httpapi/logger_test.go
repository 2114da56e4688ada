package httpapi

import (
	"bytes"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// An internal error is logged, with its request ID, to the app's logger, not to slog's
// process-wide default, which an operator may never see.
func TestInternalErrorsGoToTheAppLogger(t *testing.T) {
	var app, process bytes.Buffer
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&process, nil)))
	t.Cleanup(func() { slog.SetDefault(old) })

	h := withRequestContext(clientIPs{}, slog.New(slog.NewTextHandler(&app, nil)))(recoverer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/panic" {
			panic("boom in a handler")
		}
		writeError(w, r, errors.New("boom in a use case"))
	})))
	for _, path := range []string{"/fail", "/panic"} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		if rec.Code != http.StatusInternalServerError {
			t.Fatalf("%s: status %d, want 500", path, rec.Code)
		}
		if id := rec.Header().Get("X-Request-ID"); id == "" || !strings.Contains(app.String(), id) {
			t.Errorf("%s: the app's log does not name request %q:\n%s", path, id, app.String())
		}
	}
	for _, want := range []string{"boom in a use case", "boom in a handler"} {
		if !strings.Contains(app.String(), want) {
			t.Errorf("the app's log lacks %q:\n%s", want, app.String())
		}
	}
	if process.Len() != 0 {
		t.Errorf("slog's default logger got: %s", process.String())
	}
}
