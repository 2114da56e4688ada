package httpapi

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// clientIPs works out the client address of a request. X-Forwarded-For is believed only
// when the connection comes from a configured proxy, and only as far back as the chain
// stays within trusted proxies: anyone else could write any address there and dodge the
// per-IP rate limits.
type clientIPs struct {
	trusted []netip.Prefix
}

func (c clientIPs) isTrusted(a netip.Addr) bool {
	for _, p := range c.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// of returns the client IP of r.
func (c clientIPs) of(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || len(c.trusted) == 0 || !c.isTrusted(peer.Unmap()) {
		return host
	}
	// Walk the chain from the nearest hop back; the first address not ours is the client.
	hops := strings.Split(strings.Join(r.Header.Values("X-Forwarded-For"), ","), ",")
	client := peer
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		client = a.Unmap()
		if !c.isTrusted(client) {
			break
		}
	}
	return client.String()
}
