package drf

import (
	"encoding/json"
	"net/http"
)

// serverError is DRF's body for a 500.
const serverError = `{"detail":"A server error occurred."}`

// WriteJSON writes v as the JSON body of an answer with status, as DRF renders one
// (Vary: Accept, for its content negotiation). A 401 names challenge, the scheme of
// the API's first authenticator, in WWW-Authenticate, as DRF does. Cache-Control is
// the router's (no-store on every answer), not each profile's to remember.
func WriteJSON(w http.ResponseWriter, status int, v any, challenge string) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(serverError)
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Vary", "Accept")
	if status == http.StatusUnauthorized {
		h.Set("WWW-Authenticate", challenge)
	}
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
