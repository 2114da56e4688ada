package httpapi

import (
	"net/http/httptest"
	"net/netip"
	"testing"
)

func TestClientIP(t *testing.T) {
	proxies := clientIPs{trusted: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}}
	for name, tc := range map[string]struct {
		c       clientIPs
		remote  string
		forward []string
		want    string
	}{
		"no_proxies_configured_header_ignored": {clientIPs{}, "203.0.113.9:1234", []string{"198.51.100.1"}, "203.0.113.9"},
		"untrusted_peer_header_ignored":        {proxies, "203.0.113.9:1234", []string{"198.51.100.1"}, "203.0.113.9"},
		"trusted_peer_header_used":             {proxies, "10.1.2.3:1234", []string{"198.51.100.1"}, "198.51.100.1"},
		"spoofed_prefix_skipped":               {proxies, "10.1.2.3:1234", []string{"6.6.6.6, 198.51.100.1, 10.9.9.9"}, "198.51.100.1"},
		"several_headers_joined":               {proxies, "10.1.2.3:1234", []string{"6.6.6.6", "198.51.100.1"}, "198.51.100.1"},
		"garbage_stops_the_walk":               {proxies, "10.1.2.3:1234", []string{"198.51.100.1, nonsense"}, "10.1.2.3"},
		"ipv6_trusted_peer":                    {proxies, "[::1]:1234", []string{"2001:db8::7"}, "2001:db8::7"},
		"all_hops_trusted":                     {proxies, "10.1.2.3:1234", []string{"10.4.4.4"}, "10.4.4.4"},
	} {
		t.Run(name, func(t *testing.T) {
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.remote
			for _, h := range tc.forward {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := tc.c.of(r); got != tc.want {
				t.Fatalf("client IP = %s, want %s", got, tc.want)
			}
		})
	}
}
