package pgcluster

import (
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// Proxy stands between an application and a PostgreSQL server on 127.0.0.1 and takes
// the database away on demand, at once: Down cuts every connection and refuses new ones
// until Up, as a restarted or unreachable server would, without the seconds a real
// restart takes, so that a test can have dozens of outages. It also counts the
// statements the clients send (simple queries and executions of prepared ones, BEGIN and
// COMMIT included) and can go down just before a given one (CutBefore): a fault between
// any two statements of a request.
type Proxy struct {
	target string
	ln     net.Listener
	u      url.URL

	mu         sync.Mutex
	down       bool
	conns      map[net.Conn]struct{}
	statements int
	cutBefore  int // go down instead of forwarding this statement (1-based); 0: never
}

// StartProxy starts a proxy in front of the server of the PostgreSQL URL serverURL
// (TCP only), closed when the test ends. Its URL is serverURL with the proxy's address.
func StartProxy(t testing.TB, serverURL string) *Proxy {
	t.Helper()
	u, err := url.Parse(serverURL)
	if err != nil || u.Host == "" {
		t.Fatalf("pgcluster: proxy: %q is not a TCP PostgreSQL URL", serverURL)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("pgcluster: proxy: %v", err)
	}
	p := &Proxy{target: u.Host, ln: ln, conns: map[net.Conn]struct{}{}}
	p.u = *u
	p.u.Host = ln.Addr().String()
	go p.accept()
	t.Cleanup(func() {
		_ = ln.Close()
		p.Down()
	})
	return p
}

// URL is the database's URL through the proxy.
func (p *Proxy) URL() string { return p.u.String() }

// Down cuts every connection through the proxy and refuses new ones until Up.
func (p *Proxy) Down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cutLocked()
}

// Up lets connections through again, and cancels a cut not yet made.
func (p *Proxy) Up() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down, p.cutBefore = false, 0
}

// CutBefore counts statements from zero again and has the proxy go down (as Down) when
// the n-th one from now arrives, before it reaches the server; 0 cancels a cut not yet
// made.
func (p *Proxy) CutBefore(n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.statements, p.cutBefore = 0, n
}

// IsDown reports whether the proxy is down (Down, or a cut made).
func (p *Proxy) IsDown() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.down
}

// Statements is how many statements went through since the last CutBefore.
func (p *Proxy) Statements() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.statements
}

func (p *Proxy) cutLocked() {
	p.down = true
	p.cutBefore = 0
	for c := range p.conns {
		_ = c.Close()
	}
	clear(p.conns)
}

func (p *Proxy) accept() {
	for {
		client, err := p.ln.Accept()
		if err != nil {
			return
		}
		go p.serve(client)
	}
}

func (p *Proxy) serve(client net.Conn) {
	p.mu.Lock()
	down := p.down
	p.mu.Unlock()
	if down {
		_ = client.Close()
		return
	}
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		_ = client.Close()
		return
	}
	p.mu.Lock()
	if p.down {
		p.mu.Unlock()
		_ = client.Close()
		_ = server.Close()
		return
	}
	p.conns[client], p.conns[server] = struct{}{}, struct{}{}
	p.mu.Unlock()
	go func() {
		_, _ = io.Copy(client, server)
		_ = client.Close()
	}()
	_ = p.forward(client, server)
	_ = client.Close()
	_ = server.Close()
}

// forward copies the client's messages to the server one by one, counting statements.
func (p *Proxy) forward(client, server net.Conn) error {
	// The startup phase: untyped messages. An SSL or GSS encryption request (answered
	// by the server with one byte) comes before the startup message.
	for {
		head := make([]byte, 8)
		if _, err := io.ReadFull(client, head); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(head[:4]))
		if n < 8 || n > 1<<20 {
			return errors.New("bad startup message")
		}
		body := make([]byte, n-8)
		if _, err := io.ReadFull(client, body); err != nil {
			return err
		}
		if _, err := server.Write(append(head, body...)); err != nil {
			return err
		}
		code := binary.BigEndian.Uint32(head[4:])
		if code != 80877103 && code != 80877104 { // SSLRequest, GSSENCRequest
			break
		}
	}
	for {
		head := make([]byte, 5)
		if _, err := io.ReadFull(client, head); err != nil {
			return err
		}
		n := int(binary.BigEndian.Uint32(head[1:]))
		if n < 4 {
			return errors.New("bad message length")
		}
		body := make([]byte, n-4)
		if _, err := io.ReadFull(client, body); err != nil {
			return err
		}
		if head[0] == 'Q' || head[0] == 'E' {
			p.mu.Lock()
			p.statements++
			if p.cutBefore > 0 && p.statements >= p.cutBefore {
				p.cutLocked()
				p.mu.Unlock()
				return errors.New("cut")
			}
			p.mu.Unlock()
		}
		if _, err := server.Write(append(head, body...)); err != nil {
			return err
		}
	}
}
