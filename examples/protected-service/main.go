// Command protected-service is an example of another service of yours that accepts
// accountd's access tokens: it checks them offline with the Go SDK's Verifier (against
// accountd's published keys) and answers GET /hello only to a logged-in user.
//
//	make run                                    # accountd on :8080, in one terminal
//	go run ./examples/protected-service         # this service on :8081, in another
//	curl -i localhost:8081/hello                # 401: no token
//	curl -i localhost:8081/hello -H "Authorization: Bearer $ACCESS"   # 200, with a token from POST /v1/auth/login
//
// In your own module: go get github.com/accountd/accountd/clients/go, and copy this file.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/accountd/accountd/clients/go/accountd"
)

func main() {
	accountdURL := flag.String("accountd", "http://localhost:8080", "accountd's base URL (its JWKS is at /.well-known/jwks.json)")
	issuer := flag.String("issuer", "", "the iss of accountd's tokens, its ACCOUNTD_ISSUER (default: the -accountd URL)")
	audience := flag.String("audience", "accountd", "the aud of accountd's tokens, its ACCOUNTD_AUDIENCE")
	addr := flag.String("addr", "localhost:8081", "address to listen on")
	flag.Parse()
	if *issuer == "" {
		*issuer = *accountdURL
	}

	verifier, err := accountd.NewVerifier(accountd.VerifierConfig{
		JWKSURL:  strings.TrimSuffix(*accountdURL, "/") + "/.well-known/jwks.json",
		Issuer:   *issuer,
		Audience: *audience,
	})
	if err != nil {
		log.Fatal(err)
	}
	// Not fatal: accountd may come up after this service; the keys are fetched on the
	// first token then.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	if err := verifier.Refresh(ctx); err != nil {
		log.Printf("protected-service: accountd's keys not fetched yet: %v", err)
	}
	cancel()

	mux := http.NewServeMux()
	mux.Handle("GET /hello", verifier.Middleware(http.HandlerFunc(hello)))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { fmt.Fprintln(w, "ok") })

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		log.Fatal(err)
	}
	// The address as bound (with -addr 127.0.0.1:0, the port the system chose).
	fmt.Fprintf(os.Stdout, "protected-service: listening on http://%s\n", ln.Addr())
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	log.Fatal(srv.Serve(ln))
}

// hello answers the user whose token the middleware accepted.
func hello(w http.ResponseWriter, r *http.Request) {
	claims, _ := accountd.ClaimsFromContext(r.Context())
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{
		"message": fmt.Sprintf("hello, user %d", claims.UserID),
		"user_id": claims.UserID,
		"session": claims.SessionID,
		"expires": claims.Expiry.UTC().Format(time.RFC3339),
	})
}
