package httpapi

import (
	"embed"
	"io/fs"
	"net/http"

	"github.com/go-chi/chi/v5"
)

// passkeyPage is a small page that runs both passkey ceremonies with the browser's
// WebAuthn API against /v1: sign in (with a passkey alone, or the password and a second
// factor), add a passkey, sign out. It is served from the binary at /passkeys/, on the
// API's own origin, which must be among ACCOUNTD_WEBAUTHN_ORIGINS.
//
//go:embed passkeypage
var passkeyPage embed.FS

// mountPasskeyPage serves the page. Its script is a file of its own, so that a strict
// Content-Security-Policy (no inline script) holds.
func mountPasskeyPage(r chi.Router) error {
	files, err := fs.Sub(passkeyPage, "passkeypage")
	if err != nil {
		return err
	}
	static := http.StripPrefix("/passkeys/", http.FileServer(http.FS(files)))
	r.Get("/passkeys", http.RedirectHandler("/passkeys/", http.StatusMovedPermanently).ServeHTTP)
	r.Get("/passkeys/*", func(w http.ResponseWriter, req *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'")
		h.Set("Cache-Control", "no-cache")
		static.ServeHTTP(w, req)
	})
	return nil
}
