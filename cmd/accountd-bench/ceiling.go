package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/uptrace/bun"

	"github.com/accountd/accountd/internal/password"
	"github.com/accountd/accountd/internal/store/bunstore"
)

// The ceiling servers: the least a handler can do, served the same way accountd is
// (net/http, the same server timeouts, the same driver and pool), so that accountd's
// figures read as fractions of what this machine can do at all.
const (
	// ceilingBare answers a fixed 200-byte JSON document: HTTP itself.
	ceilingBare = "bare"
	// ceilingSelect reads one user by primary key through Bun and pgx (or SQLite) and
	// answers it as JSON: the floor under any authenticated read.
	ceilingSelect = "select"
	// ceilingInsert inserts one row per request (its own transaction, committed): the
	// floor under any write.
	ceilingInsert = "insert"
	// ceilingHash computes one argon2id hash per request with the configured parameters,
	// through the same Hasher accountd uses (its semaphore sized to the cores): the
	// machine's hash rate on all cores, in a process of its own like accountd's.
	ceilingHash = "hash"
)

// bareBody is the bare ceiling's answer: 200 bytes of JSON.
var bareBody = func() []byte {
	b := []byte(`{"id":1,"username":"ceiling","email":"ceiling@bench.example","active":true,"pad":""}`)
	pad := strings.Repeat("x", 200-len(b)-1)
	return []byte(strings.Replace(string(b), `"pad":""`, `"pad":"`+pad+`"`, 1) + "\n")
}()

// ceilingUser is the users row the select ceiling reads: the columns GET /v1/me shows.
type ceilingUser struct {
	bun.BaseModel `bun:"table:users,alias:u"`

	ID             int64     `bun:"id,pk" json:"id"`
	Username       string    `bun:"username" json:"username"`
	Email          string    `bun:"email" json:"email"`
	EmailVerified  bool      `bun:"email_verified" json:"email_verified"`
	Active         bool      `bun:"active" json:"active"`
	FirstName      string    `bun:"first_name" json:"first_name"`
	LastName       string    `bun:"last_name" json:"last_name"`
	Bio            string    `bun:"bio" json:"bio"`
	Country        string    `bun:"country" json:"country"`
	Profession     string    `bun:"profession" json:"profession"`
	Thoughts       string    `bun:"thoughts" json:"thoughts"`
	AvatarURL      string    `bun:"avatar_url" json:"avatar_url"`
	OrganizationID int64     `bun:"organization_id,nullzero" json:"organization_id"`
	Role           string    `bun:"role" json:"role"`
	DateJoined     time.Time `bun:"date_joined" json:"date_joined"`
	LastLogin      time.Time `bun:"last_login,nullzero" json:"last_login"`
}

// ceilingRow is what the insert ceiling writes, in a table of its own.
type ceilingRow struct {
	bun.BaseModel `bun:"table:bench_ceiling_inserts"`

	ID        int64     `bun:"id,pk,autoincrement" json:"id"`
	UserID    int64     `bun:"user_id,notnull" json:"user_id"`
	CreatedAt time.Time `bun:"created_at,notnull" json:"created_at"`
	Note      string    `bun:"note,notnull" json:"note"`
}

// queryTimeout bounds each ceiling query as bunstore bounds accountd's.
const queryTimeout = 5 * time.Second

// runCeiling is the `accountd-bench ceiling` command: it serves one ceiling until
// SIGTERM.
func runCeiling(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("ceiling", flag.ContinueOnError)
	fs.SetOutput(stderr)
	mode := fs.String("mode", ceilingBare, "bare, select or insert")
	addr := fs.String("addr", "127.0.0.1:0", "address to listen on")
	dsn := fs.String("db", "", "database URL (select and insert)")
	pool := fs.Int("pool", 20, "connection pool size, as ACCOUNTD_DB_MAX_OPEN_CONNS")
	users := fs.Int64("users", 1000, "users with IDs 1..users to read (select)")
	params := password.DefaultParams
	fs.Func("argon2", "argon2id memory (KiB), time and threads, as m,t,p (hash)", func(v string) error {
		_, err := fmt.Sscanf(v, "%d,%d,%d", &params.Memory, &params.Time, &params.Threads)
		return err
	})
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()

	var h http.Handler
	switch *mode {
	case ceilingBare:
		h = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(bareBody)
		})
	case ceilingHash:
		if err := params.Validate(); err != nil {
			return err
		}
		hasher := password.New(params, 0)
		h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if _, err := hasher.Hash(r.Context(), benchPassword); err != nil {
				http.Error(w, err.Error(), http.StatusServiceUnavailable)
				return
			}
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"hashed":true}` + "\n"))
		})
	case ceilingSelect, ceilingInsert:
		store, err := bunstore.Open(ctx, *dsn, bunstore.Options{MaxOpenConns: *pool})
		if err != nil {
			return err
		}
		defer store.Close()
		if *mode == ceilingSelect {
			h = selectHandler(store.DB(), *users)
		} else {
			if _, err := store.DB().NewCreateTable().Model((*ceilingRow)(nil)).IfNotExists().Exec(ctx); err != nil {
				return fmt.Errorf("create ceiling table: %w", err)
			}
			h = insertHandler(store.DB())
		}
	default:
		return fmt.Errorf("unknown ceiling mode %q", *mode)
	}

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET /ready", func(w http.ResponseWriter, _ *http.Request) {})
	srv := &http.Server{
		Handler:           mux,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    32 << 10,
	}
	go func() {
		<-ctx.Done()
		_ = srv.Shutdown(context.Background())
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

func selectHandler(db *bun.DB, users int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		var u ceilingUser
		if err := db.NewSelect().Model(&u).Where("id = ?", rand.Int64N(users)+1).Scan(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(u)
	})
}

func insertHandler(db *bun.DB) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), queryTimeout)
		defer cancel()
		row := ceilingRow{UserID: rand.Int64N(1000) + 1, CreatedAt: time.Now().UTC(), Note: "ceiling"}
		if _, err := db.NewInsert().Model(&row).Exec(ctx); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(row)
	})
}
