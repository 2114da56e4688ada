package main

import (
	"bufio"
	"bytes"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"
)

// client is one keep-alive HTTP/1.1 connection, used by one worker at a time. It writes
// requests from a reused buffer and reads responses with net/http's parser: lean enough
// that the load generator's own CPU use stays small next to the server's (they share
// the machine), and the same for accountd and for the ceilings, so ratios stay fair.
type client struct {
	addr string
	nc   net.Conn
	br   *bufio.Reader
	req  []byte
	body bytes.Buffer
	// Dials counts the connections opened: more than one means the server closed one.
	Dials int
}

func newClient(addr string) *client { return &client{addr: addr} }

// Header is one request header line.
type Header struct{ Name, Value string }

// Do sends one request and returns the response's status and body. The body is valid
// until the next call. A transport error closes the connection; the next call opens a
// new one.
func (c *client) Do(method, target string, headers []Header, body []byte) (int, []byte, error) {
	if c.nc == nil {
		nc, err := net.DialTimeout("tcp", c.addr, 5*time.Second)
		if err != nil {
			return 0, nil, err
		}
		c.nc, c.br = nc, bufio.NewReaderSize(nc, 16<<10)
		c.Dials++
	}
	c.req = appendRequest(c.req[:0], method, target, headers, body)
	if _, err := c.nc.Write(c.req); err != nil {
		c.Close()
		return 0, nil, err
	}
	resp, err := http.ReadResponse(c.br, nil)
	if err != nil {
		c.Close()
		return 0, nil, err
	}
	c.body.Reset()
	_, err = c.body.ReadFrom(resp.Body)
	_ = resp.Body.Close()
	if err != nil {
		c.Close()
		return 0, nil, err
	}
	if resp.Close {
		c.Close()
	}
	return resp.StatusCode, c.body.Bytes(), nil
}

// appendRequest writes an HTTP/1.1 request with a JSON body (when body is not nil).
func appendRequest(b []byte, method, target string, headers []Header, body []byte) []byte {
	b = append(b, method...)
	b = append(b, ' ')
	b = append(b, target...)
	b = append(b, " HTTP/1.1\r\nHost: accountd-bench\r\nUser-Agent: accountd-bench\r\n"...)
	for _, h := range headers {
		b = append(b, h.Name...)
		b = append(b, ": "...)
		b = append(b, h.Value...)
		b = append(b, "\r\n"...)
	}
	if body != nil {
		b = append(b, "Content-Type: application/json\r\nContent-Length: "...)
		b = strconv.AppendInt(b, int64(len(body)), 10)
		b = append(b, "\r\n"...)
	}
	b = append(b, "\r\n"...)
	return append(b, body...)
}

// Close drops the connection.
func (c *client) Close() {
	if c.nc != nil {
		_ = c.nc.Close()
		c.nc, c.br = nil, nil
	}
}

// expect returns an error unless status is want, quoting the start of the body.
func expect(status, want int, body []byte) error {
	if status == want {
		return nil
	}
	const keep = 160
	if len(body) > keep {
		body = body[:keep]
	}
	return fmt.Errorf("status %d, want %d: %s", status, want, bytes.TrimSpace(body))
}
