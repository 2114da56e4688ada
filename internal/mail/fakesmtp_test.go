package mail

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"math/big"
	"net"
	"net/textproto"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeSMTP is an in-process SMTP server that speaks just enough of the protocol for the
// client: EHLO/HELO, STARTTLS, AUTH PLAIN, MAIL, RCPT, DATA, RSET, NOOP, QUIT.
type fakeSMTP struct {
	addr string

	// startTLS, when set, is offered as STARTTLS.
	startTLS *tls.Config
	// user and pass, when set, make the server offer AUTH PLAIN and require it.
	user, pass string

	mu           sync.Mutex
	mails        []fakeMail
	authAttempts int
}

// fakeMail is one message the fake server accepted.
type fakeMail struct {
	From     string
	To       []string
	Data     []byte
	TLS      bool
	AuthUser string
}

type fakeOptions struct {
	startTLS    *tls.Config
	implicitTLS *tls.Config
	user, pass  string
}

// startFakeSMTP listens on 127.0.0.1 and serves until the test ends.
func startFakeSMTP(t *testing.T, opts fakeOptions) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if opts.implicitTLS != nil {
		ln = tls.NewListener(ln, opts.implicitTLS)
	}
	f := &fakeSMTP{addr: ln.Addr().String(), startTLS: opts.startTLS, user: opts.user, pass: opts.pass}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Go(func() { f.serve(conn) })
		}
	})
	return f
}

func (f *fakeSMTP) received() []fakeMail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]fakeMail(nil), f.mails...)
}

func (f *fakeSMTP) authAttemptCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.authAttempts
}

func (f *fakeSMTP) serve(conn net.Conn) {
	defer func() { conn.Close() }()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	_, isTLS := conn.(*tls.Conn)
	tp := textproto.NewConn(conn)
	reply := func(format string, args ...any) bool { return tp.PrintfLine(format, args...) == nil }
	if !reply("220 fake.test ESMTP") {
		return
	}
	var cur fakeMail
	authUser := ""
	for {
		line, err := tp.ReadLine()
		if err != nil {
			return
		}
		verb, arg, _ := strings.Cut(line, " ")
		switch strings.ToUpper(verb) {
		case "EHLO":
			ext := []string{"fake.test"}
			if f.startTLS != nil && !isTLS {
				ext = append(ext, "STARTTLS")
			}
			if f.user != "" {
				ext = append(ext, "AUTH PLAIN")
			}
			ext = append(ext, "8BITMIME")
			for i, e := range ext {
				sep := "-"
				if i == len(ext)-1 {
					sep = " "
				}
				reply("250%s%s", sep, e)
			}
		case "HELO", "RSET", "NOOP":
			reply("250 ok")
		case "STARTTLS":
			if f.startTLS == nil || isTLS {
				reply("502 not available")
				continue
			}
			reply("220 go ahead")
			tc := tls.Server(conn, f.startTLS)
			if err := tc.Handshake(); err != nil {
				return
			}
			conn, isTLS, tp = tc, true, textproto.NewConn(tc)
			authUser = "" // RFC 3207: forget everything learnt before TLS
		case "AUTH":
			f.mu.Lock()
			f.authAttempts++
			f.mu.Unlock()
			mech, resp, _ := strings.Cut(arg, " ")
			if f.user == "" || !strings.EqualFold(mech, "PLAIN") {
				reply("504 unsupported mechanism")
				continue
			}
			if resp == "" {
				reply("334 ")
				if resp, err = tp.ReadLine(); err != nil {
					return
				}
			}
			dec, _ := base64.StdEncoding.DecodeString(resp)
			parts := strings.Split(string(dec), "\x00")
			if len(parts) != 3 || parts[1] != f.user || parts[2] != f.pass {
				reply("535 authentication failed")
				continue
			}
			authUser = parts[1]
			reply("235 ok")
		case "MAIL":
			if f.user != "" && authUser == "" {
				reply("530 authentication required")
				continue
			}
			cur = fakeMail{From: angleAddr(arg), TLS: isTLS, AuthUser: authUser}
			reply("250 ok")
		case "RCPT":
			cur.To = append(cur.To, angleAddr(arg))
			reply("250 ok")
		case "DATA":
			if len(cur.To) == 0 {
				reply("503 no recipients")
				continue
			}
			reply("354 go ahead")
			if cur.Data, err = tp.ReadDotBytes(); err != nil {
				return
			}
			f.mu.Lock()
			f.mails = append(f.mails, cur)
			f.mu.Unlock()
			cur = fakeMail{}
			reply("250 queued")
		case "QUIT":
			reply("221 bye")
			return
		default:
			reply("502 unknown command")
		}
	}
}

// angleAddr pulls the address out of "FROM:<a@example.com> BODY=8BITMIME".
func angleAddr(arg string) string {
	_, rest, _ := strings.Cut(arg, "<")
	addr, _, _ := strings.Cut(rest, ">")
	return addr
}

// testCertificate returns a self-signed certificate for mail.example.test and 127.0.0.1,
// and a pool that trusts it.
func testCertificate(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "fake smtp"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		DNSNames:              []string{"mail.example.test"},
		IPAddresses:           []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, pool
}
