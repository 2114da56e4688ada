package config

import (
	"fmt"
	"net"
	"net/netip"
)

// pprofAddr accepts only a loopback address for ACCOUNTD_PPROF_ADDR: profiles and
// goroutine dumps show the process's internals (and a CPU profile costs CPU on demand),
// so they are never served where anyone but the machine's own users can reach them.
func pprofAddr(c *Config, v string) error {
	c.PprofAddr = ""
	if v == "" {
		return nil
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil || port == "" {
		return fmt.Errorf("not a host:port such as 127.0.0.1:6060: %q", v)
	}
	if host != "localhost" {
		ip, err := netip.ParseAddr(host)
		if err != nil || !ip.IsLoopback() {
			return fmt.Errorf("must be a loopback address (127.0.0.1, [::1] or localhost), got %q", v)
		}
	}
	c.PprofAddr = v
	return nil
}

// metricsAddr reads ACCOUNTD_METRICS_ADDR: a host:port, any host, since Prometheus often
// scrapes from another machine. Only the port is checked here; listening on it is the
// server's first act, and a busy port stops the start with the setting named.
func metricsAddr(c *Config, v string) error {
	c.MetricsAddr = ""
	if v == "" {
		return nil
	}
	if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
		return fmt.Errorf("not a host:port such as 127.0.0.1:9090: %q", v)
	}
	c.MetricsAddr = v
	return nil
}
