package accountd_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"

	"github.com/accountd/accountd/clients/go/accountd"
)

// The examples run against a stand-in accountd at accountdURL whose only user is ada,
// password correct-horse-battery, id 7.

// Log in, call the API as the user, log out.
func Example() {
	ctx := context.Background()
	c, err := accountd.New(accountdURL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.LoginWithResponse(ctx, accountd.LoginRequest{Login: "ada", Password: "correct-horse-battery"})
	if err != nil {
		log.Fatal(err)
	}
	ts := accountd.NewTokenSource(c, *res.JSON200)
	me, err := c.GetMeWithResponse(ctx, ts.RequestEditor())
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("logged in as", me.JSON200.Username)
	if err := ts.Logout(ctx, false); err != nil {
		log.Fatal(err)
	}
	// Output: logged in as ada
}

// Every error answer is an *Error: errors.As gets the problem's code, status, field
// errors and request_id.
func ExampleError() {
	c, err := accountd.New(accountdURL)
	if err != nil {
		log.Fatal(err)
	}
	_, err = c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: "ada", Password: "wrong"})
	var apiErr *accountd.Error
	if errors.As(err, &apiErr) {
		fmt.Println(apiErr.Status, apiErr.Code)
	}
	if accountd.HasCode(err, accountd.ProblemCodeInvalidCredentials) {
		fmt.Println("wrong login or password")
	}
	// Output:
	// 401 invalid_credentials
	// wrong login or password
}

// A TokenSource gives every request a valid access token, refreshing it before it
// expires; install it on a client once.
func ExampleTokenSource() {
	ctx := context.Background()
	login, err := accountd.New(accountdURL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := login.LoginWithResponse(ctx, accountd.LoginRequest{Login: "ada", Password: "correct-horse-battery"})
	if err != nil {
		log.Fatal(err)
	}
	ts := accountd.NewTokenSource(login, *res.JSON200)

	c, err := accountd.New(accountdURL, accountd.WithRequestEditorFn(ts.RequestEditor()))
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.GetMeWithResponse(ctx) // from any number of goroutines
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.JSON200.Id)
	// Output: 7
}

// WithBearer authenticates one call with an access token you hold.
func ExampleWithBearer() {
	ctx := context.Background()
	c, err := accountd.New(accountdURL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.LoginWithResponse(ctx, accountd.LoginRequest{Login: "ada", Password: "correct-horse-battery"})
	if err != nil {
		log.Fatal(err)
	}
	me, err := c.GetMeWithResponse(ctx, accountd.WithBearer(res.JSON200.AccessToken))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(me.JSON200.Email)
	// Output: ada@example.com
}

// A client of the bare generated constructor returns error answers as responses; Check
// turns them into an *Error.
func ExampleCheck() {
	c, err := accountd.NewClientWithResponses(accountdURL)
	if err != nil {
		log.Fatal(err)
	}
	res, err := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: "ada", Password: "wrong"})
	if err := accountd.Check(res, err); err != nil {
		fmt.Println(accountd.HasCode(err, accountd.ProblemCodeInvalidCredentials))
	}
	// Output: true
}

// Another service of yours accepts accountd access tokens, verified offline against
// accountd's published keys.
func ExampleVerifier_Middleware() {
	verifier, err := accountd.NewVerifier(accountd.VerifierConfig{
		JWKSURL:  accountdURL + "/.well-known/jwks.json",
		Issuer:   "https://accounts.example.com", // accountd's ACCOUNTD_ISSUER
		Audience: "accountd",                     // and ACCOUNTD_AUDIENCE
	})
	if err != nil {
		log.Fatal(err)
	}
	reports := verifier.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		claims, _ := accountd.ClaimsFromContext(r.Context())
		fmt.Fprintf(w, "reports of user %d", claims.UserID)
	}))
	// http.ListenAndServe(":8081", reports) in a real service; here, one request:
	c, _ := accountd.New(accountdURL)
	res, _ := c.LoginWithResponse(context.Background(), accountd.LoginRequest{Login: "ada", Password: "correct-horse-battery"})
	r := httptest.NewRequest("GET", "/reports", nil)
	r.Header.Set("Authorization", "Bearer "+res.JSON200.AccessToken)
	w := httptest.NewRecorder()
	reports.ServeHTTP(w, r)
	fmt.Println(w.Code, w.Body)
	// Output: 200 reports of user 7
}
