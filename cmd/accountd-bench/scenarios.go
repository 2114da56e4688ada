package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"time"
)

// server is an accountd under test, seeded with users user0000001..userN and the staff
// account.
type server struct {
	addr  string
	users int
	// conns is the number of workers.
	conns int
	// runID makes the usernames registered by each drive unique.
	runID string
	// adminStarts are positions deep in the staff listing (cursors) where the admin
	// scenario's workers start; see prewalkAdmin.
	adminStarts []string
}

// Scenario is one kind of request driven against accountd.
type Scenario struct {
	Key  string // short name: me, login, ...
	Name string // the request, as the report shows it
	// Worker prepares one worker against s.
	Worker func(s *server) NewWorker
	// Slow: a password hash per request, so few requests a second, each costing what
	// the machine's memory bandwidth allows at that moment, which other tenants of the
	// host change from one second to the next. It alternates in windows half as long,
	// and where its ratio is a required target for longer (see suite), so that the
	// ratio rests on many alternating pairs. Its windows need less warm-up too: the
	// hashing queue is full as soon as the connections have each sent a request.
	Slow bool
}

// windows are the measured window and the warm-up before each but the first that sc
// alternates in, given the bench's.
func (sc Scenario) windows(slice, rewarm time.Duration) (time.Duration, time.Duration) {
	if sc.Slow {
		return slice / 2, rewarm / 2
	}
	return slice, rewarm
}

// The scenarios, in the order they run.
var (
	scenarioMe       = Scenario{Key: "me", Name: "GET /v1/me", Worker: meWorker}
	scenarioLogin    = Scenario{Key: "login", Name: "POST /v1/auth/login", Worker: loginWorker, Slow: true}
	scenarioRefresh  = Scenario{Key: "refresh", Name: "POST /v1/auth/refresh", Worker: refreshWorker}
	scenarioRegister = Scenario{Key: "register", Name: "POST /v1/auth/register", Worker: registerWorker, Slow: true}
	scenarioAdmin    = Scenario{Key: "admin", Name: "GET /v1/admin/users?limit=50 (deep)", Worker: adminWorker}
	scenarioDjoser   = Scenario{Key: "djoser", Name: "GET /api/users/me/ (djoser)", Worker: djoserWorker}

	allScenarios = []Scenario{scenarioMe, scenarioLogin, scenarioRefresh, scenarioRegister, scenarioAdmin, scenarioDjoser}
	// bigScenarios run again with a million users seeded.
	bigScenarios = []Scenario{scenarioMe, scenarioLogin, scenarioAdmin}
)

// tokenPair is the part of a login or refresh answer the scenarios read.
type tokenPair struct {
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
}

// login logs in as name and returns the token pair.
func login(c *client, name string) (tokenPair, error) {
	body := loginBody(nil, name)
	status, resp, err := c.Do("POST", "/v1/auth/login", nil, body)
	if err != nil {
		return tokenPair{}, err
	}
	if err := expect(status, 200, resp); err != nil {
		return tokenPair{}, fmt.Errorf("log in as %s: %w", name, err)
	}
	var t tokenPair
	if err := json.Unmarshal(resp, &t); err != nil || t.AccessToken == "" || t.RefreshToken == "" {
		return tokenPair{}, fmt.Errorf("log in as %s: unexpected answer %.100s", name, resp)
	}
	return t, nil
}

func loginBody(b []byte, name string) []byte {
	b = append(b, `{"login":"`...)
	b = append(b, name...)
	b = append(b, `","password":"`+benchPassword+`"}`...)
	return b
}

func bearer(token string) []Header { return []Header{{"Authorization", "Bearer " + token}} }

// getOK sends a GET and expects 200.
func getOK(c *client, target string, headers []Header) ([]byte, error) {
	status, body, err := c.Do("GET", target, headers, nil)
	if err != nil {
		return nil, err
	}
	return body, expect(status, 200, body)
}

// meWorker reads its own account with the access token of its own session.
func meWorker(s *server) NewWorker {
	return func(i int, c *client) (Step, error) {
		t, err := login(c, username(1+i%s.users))
		if err != nil {
			return nil, err
		}
		h := bearer(t.AccessToken)
		return func(c *client) error {
			_, err := getOK(c, "/v1/me", h)
			return err
		}, nil
	}
}

// loginWorker logs in as a different seeded user each time: one argon2id verification,
// a new session and its tokens.
func loginWorker(s *server) NewWorker {
	return func(i int, c *client) (Step, error) {
		n := i
		var body []byte
		return func(c *client) error {
			body = loginBody(body[:0], username(1+n%s.users))
			n += s.conns
			status, resp, err := c.Do("POST", "/v1/auth/login", nil, body)
			if err != nil {
				return err
			}
			return expect(status, 200, resp)
		}, nil
	}
}

// refreshWorker keeps one session going, exchanging each refresh token for the next.
func refreshWorker(s *server) NewWorker {
	return func(i int, c *client) (Step, error) {
		name := username(1 + i%s.users)
		t, err := login(c, name)
		if err != nil {
			return nil, err
		}
		rt := t.RefreshToken
		var body []byte
		return func(c *client) error {
			body = append(body[:0], `{"refresh_token":"`...)
			body = append(body, rt...)
			body = append(body, `"}`...)
			status, resp, err := c.Do("POST", "/v1/auth/refresh", nil, body)
			if err == nil {
				err = expect(status, 200, resp)
			}
			var next tokenPair
			if err == nil {
				if json.Unmarshal(resp, &next) != nil || next.RefreshToken == "" {
					err = fmt.Errorf("unexpected refresh answer %.100s", resp)
				}
			}
			if err != nil {
				// The chain is broken (a spent token would now revoke the session):
				// start a new one, and count this request as failed.
				if t, lerr := login(c, name); lerr == nil {
					rt = t.RefreshToken
				}
				return err
			}
			rt = next.RefreshToken
			return nil
		}, nil
	}
}

// registerWorker creates a new account each time: one argon2id hash, the account, its
// activation token and event, and an activation email.
func registerWorker(s *server) NewWorker {
	return func(i int, c *client) (Step, error) {
		n := 0
		var body []byte
		return func(c *client) error {
			name := "r" + s.runID + "w" + strconv.Itoa(i) + "n" + strconv.Itoa(n)
			n++
			body = append(body[:0], `{"username":"`...)
			body = append(body, name...)
			body = append(body, `","email":"`...)
			body = append(body, name...)
			body = append(body, "@"+userDomain+`","password":"Regist3r-a-bench-passphrase","first_name":"New","last_name":"Bench"}`...)
			status, resp, err := c.Do("POST", "/v1/auth/register", nil, body)
			if err != nil {
				return err
			}
			return expect(status, 201, resp)
		}, nil
	}
}

// userPage is the part of an admin listing page the scenario reads.
type userPage struct {
	Items      []json.RawMessage `json:"items"`
	NextCursor *string           `json:"next_cursor"`
}

func adminTarget(limit int, cursor string) string {
	t := "/v1/admin/users?limit=" + strconv.Itoa(limit)
	if cursor != "" {
		t += "&cursor=" + url.QueryEscape(cursor)
	}
	return t
}

// nextPage reads one staff listing page and returns the next page's cursor ("" at the
// end).
func nextPage(c *client, h []Header, limit int, cursor string) (string, error) {
	body, err := getOK(c, adminTarget(limit, cursor), h)
	if err != nil {
		return "", err
	}
	var p userPage
	if err := json.Unmarshal(body, &p); err != nil {
		return "", fmt.Errorf("unexpected listing page: %w", err)
	}
	if len(p.Items) == 0 {
		return "", errors.New("empty listing page")
	}
	if p.NextCursor == nil {
		return "", nil
	}
	return *p.NextCursor, nil
}

// adminWalk is how many pages of 50 an admin worker reads from its start before it
// goes back to it: every page it reads is then a full one, deep in the listing, the
// same on a thousand users as on a million.
const adminWalk = 5

// adminWorker pages through the staff listing of users, 50 at a time, adminWalk pages
// from a position deep in it (see prewalkAdmin), and again.
func adminWorker(s *server) NewWorker {
	return func(i int, c *client) (Step, error) {
		t, err := login(c, staffUsername)
		if err != nil {
			return nil, err
		}
		h := bearer(t.AccessToken)
		start := ""
		if len(s.adminStarts) > 0 {
			start = s.adminStarts[i%len(s.adminStarts)]
		}
		cursor, page := start, 0
		return func(c *client) error {
			next, err := nextPage(c, h, 50, cursor)
			if err != nil {
				cursor, page = start, 0
				return err
			}
			if page++; page == adminWalk || next == "" {
				next, page = start, 0
			}
			cursor = next
			return nil
		}, nil
	}
}

// prewalkAdmin follows the staff listing's cursors 200 users at a time up to depth
// users in, and returns up to n of those cursors, spread out, from which adminWalk
// full pages of 50 remain and which lie in the second half of the walk: where the admin
// workers start.
func prewalkAdmin(c *client, depth, n int) ([]string, error) {
	t, err := login(c, staffUsername)
	if err != nil {
		return nil, err
	}
	h := bearer(t.AccessToken)
	type mark struct {
		at     int // users before the cursor's position
		cursor string
	}
	// Walk a little past depth, to know that the last starts have their pages.
	var marks []mark
	cursor, walked := "", 0
	for walked < depth+adminWalk*50 {
		if cursor, err = nextPage(c, h, 200, cursor); err != nil {
			return nil, err
		}
		if cursor == "" {
			break
		}
		walked += 200
		marks = append(marks, mark{walked, cursor})
	}
	var usable []string
	for _, m := range marks {
		if m.at >= depth/2 && m.at <= depth && m.at+adminWalk*50 <= walked {
			usable = append(usable, m.cursor)
		}
	}
	if len(usable) == 0 {
		return nil, fmt.Errorf("the listing is too short for %d pages of 50 from half of %d users in", adminWalk, depth)
	}
	var starts []string
	for i := range min(n, len(usable)) {
		starts = append(starts, usable[i*len(usable)/min(n, len(usable))])
	}
	return starts, nil
}

// djoserWorker reads its own account through the djoser profile, with a token from the
// profile's own login.
func djoserWorker(s *server) NewWorker {
	return func(i int, c *client) (Step, error) {
		t, err := login(c, username(1+i%s.users))
		if err != nil {
			return nil, err
		}
		h := []Header{{"Authorization", "Bearer " + t.AccessToken}}
		return func(c *client) error {
			_, err := getOK(c, "/api/users/me/", h)
			return err
		}, nil
	}
}

// probe reports whether the scenario's operation is served (not 404), so that one that
// has not landed in this build is reported as n/a rather than as errors.
func probe(c *client, s *server, sc Scenario) (bool, error) {
	var target string
	var h []Header
	switch sc.Key {
	case scenarioAdmin.Key:
		t, err := login(c, staffUsername)
		if err != nil {
			return false, err
		}
		target, h = adminTarget(1, ""), bearer(t.AccessToken)
	case scenarioDjoser.Key:
		t, err := login(c, username(1))
		if err != nil {
			return false, err
		}
		target, h = "/api/users/me/", bearer(t.AccessToken)
	default:
		return true, nil
	}
	status, body, err := c.Do("GET", target, h, nil)
	if err != nil {
		return false, err
	}
	if status == 404 {
		return false, nil
	}
	return true, expect(status, 200, body)
}
