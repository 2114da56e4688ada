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

func TestMetricsAddr(t *testing.T) {
	c, err := Load(nil, env(nil), io.Discard, nil)
	if err != nil || c.MetricsAddr != "" {
		t.Fatalf("default: %q, %v; want off", c.MetricsAddr, err)
	}
	for _, v := range []string{"127.0.0.1:9090", ":9090", "[::1]:9090", "metrics.internal:9090"} {
		if c, err := Load(nil, env(map[string]string{"ACCOUNTD_METRICS_ADDR": v}), io.Discard, nil); err != nil || c.MetricsAddr != v {
			t.Errorf("%s: %q, %v", v, c.MetricsAddr, err)
		}
	}
	for _, v := range []string{"9090", "127.0.0.1", "http://127.0.0.1:9090/metrics"} {
		if _, err := Load(nil, env(map[string]string{"ACCOUNTD_METRICS_ADDR": v}), io.Discard, nil); err == nil || !strings.Contains(err.Error(), "ACCOUNTD_METRICS_ADDR") {
			t.Errorf("%s: err = %v, want one naming ACCOUNTD_METRICS_ADDR", v, err)
		}
	}
}
