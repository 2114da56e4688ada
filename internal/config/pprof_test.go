package config

import (
	"io"
	"strings"
	"testing"
)

func TestPprofAddr(t *testing.T) {
	for name, tc := range map[string]struct{ value, want string }{
		"empty_is_off":         {"", ""},
		"ipv4_loopback":        {"127.0.0.1:6060", "127.0.0.1:6060"},
		"ipv6_loopback":        {"[::1]:6060", "[::1]:6060"},
		"localhost":            {"localhost:6060", "localhost:6060"},
		"other_loopback_block": {"127.0.0.2:6060", "127.0.0.2:6060"},
	} {
		t.Run("accepted_"+name, func(t *testing.T) {
			c, err := Load(nil, env(map[string]string{"ACCOUNTD_PPROF_ADDR": tc.value}), io.Discard, nil)
			if err != nil {
				t.Fatal(err)
			}
			if c.PprofAddr != tc.want {
				t.Fatalf("PprofAddr = %q, want %q", c.PprofAddr, tc.want)
			}
		})
	}
	for name, value := range map[string]string{
		"all_interfaces": ":6060",
		"unspecified":    "0.0.0.0:6060",
		"public_address": "192.0.2.10:6060",
		"hostname":       "example.com:6060",
		"no_port":        "127.0.0.1",
	} {
		t.Run("refused_"+name, func(t *testing.T) {
			_, err := Load(nil, env(map[string]string{"ACCOUNTD_PPROF_ADDR": value}), io.Discard, nil)
			if err == nil || !strings.Contains(err.Error(), "ACCOUNTD_PPROF_ADDR") {
				t.Fatalf("err = %v, want one naming ACCOUNTD_PPROF_ADDR", err)
			}
		})
	}
}
