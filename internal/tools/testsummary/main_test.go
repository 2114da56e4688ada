package main

import (
	"os"
	"strings"
	"testing"
)

// summarize runs the tool on input and returns its output and exit status.
func summarize(t *testing.T, input string) (string, int) {
	t.Helper()
	var out strings.Builder
	code := run(strings.NewReader(input), &out)
	return out.String(), code
}

func lastLine(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return lines[len(lines)-1]
}

// events joins JSON lines into go test -json input.
func events(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

func TestRun(t *testing.T) {
	tests := []struct {
		name     string
		input    string
		wantCode int
		wantLast string
		want     []string // substrings of the output
		wantNot  []string // substrings the output must not have
	}{
		{
			name: "all_pass_exit_0",
			input: events(
				`{"Action":"start","Package":"m/a"}`,
				`{"Action":"run","Package":"m/a","Test":"TestStore"}`,
				`{"Action":"output","Package":"m/a","Test":"TestStore","Output":"=== RUN   TestStore\n"}`,
				`{"Action":"run","Package":"m/a","Test":"TestStore/sqlite"}`,
				`{"Action":"output","Package":"m/a","Test":"TestStore/sqlite","Output":"    a_test.go:9: noisy log of a passing test\n"}`,
				`{"Action":"pass","Package":"m/a","Test":"TestStore/sqlite","Elapsed":0.1}`,
				`{"Action":"run","Package":"m/a","Test":"TestStore/Postgres"}`,
				`{"Action":"run","Package":"m/a","Test":"TestStore/Postgres/create_201"}`,
				`{"Action":"pass","Package":"m/a","Test":"TestStore/Postgres/create_201","Elapsed":0.1}`,
				`{"Action":"pass","Package":"m/a","Test":"TestStore/Postgres","Elapsed":0.1}`,
				`{"Action":"pass","Package":"m/a","Test":"TestStore","Elapsed":0.2}`,
				`{"Action":"output","Package":"m/a","Output":"PASS\n"}`,
				`{"Action":"pass","Package":"m/a","Elapsed":1.23}`,
				`{"Action":"start","Package":"m/b"}`,
				`{"Action":"output","Package":"m/b","Output":"?   \tm/b\t[no test files]\n"}`,
				`{"Action":"skip","Package":"m/b","Elapsed":0}`,
			),
			wantCode: 0,
			wantLast: "4 passed, 0 failed",
			want: []string{
				"ok   m/a (1.2s)\n",
				"?    m/b [no test files]\n",
				"postgres: 2 passed, 0 failed\n",
				"sqlite: 1 passed, 0 failed\n",
				"packages: 1 ok, 0 failed, 1 without tests\n",
			},
			wantNot: []string{"noisy log", "=== FAIL"},
		},
		{
			name: "skips_counted",
			input: events(
				`{"Action":"run","Package":"m/a","Test":"TestX"}`,
				`{"Action":"run","Package":"m/a","Test":"TestX/postgres"}`,
				`{"Action":"skip","Package":"m/a","Test":"TestX/postgres","Elapsed":0}`,
				`{"Action":"pass","Package":"m/a","Test":"TestX","Elapsed":0}`,
				`{"Action":"pass","Package":"m/a","Elapsed":0.5}`,
			),
			wantCode: 0,
			wantLast: "1 passed, 0 failed, 1 skipped",
			want:     []string{"postgres: 0 passed, 0 failed, 1 skipped\n"},
		},
		{
			name: "failed_subtest_output_printed_exit_1",
			input: events(
				`{"Action":"run","Package":"m/a","Test":"TestLogin"}`,
				`{"Action":"output","Package":"m/a","Test":"TestLogin","Output":"=== RUN   TestLogin\n"}`,
				`{"Action":"run","Package":"m/a","Test":"TestLogin/inactive_403"}`,
				`{"Action":"output","Package":"m/a","Test":"TestLogin/inactive_403","Output":"=== RUN   TestLogin/inactive_403\n"}`,
				`{"Action":"output","Package":"m/a","Test":"TestLogin/inactive_403","Output":"    login_test.go:42: status 500, want 403\n"}`,
				`{"Action":"output","Package":"m/a","Test":"TestLogin/inactive_403","Output":"--- FAIL: TestLogin/inactive_403 (0.01s)\n"}`,
				`{"Action":"fail","Package":"m/a","Test":"TestLogin/inactive_403","Elapsed":0.01}`,
				`{"Action":"output","Package":"m/a","Test":"TestLogin","Output":"--- FAIL: TestLogin (0.01s)\n"}`,
				`{"Action":"fail","Package":"m/a","Test":"TestLogin","Elapsed":0.01}`,
				`{"Action":"output","Package":"m/a","Output":"FAIL\n"}`,
				`{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t0.020s\n"}`,
				`{"Action":"fail","Package":"m/a","Elapsed":0.02}`,
			),
			wantCode: 1,
			wantLast: "0 passed, 2 failed",
			want: []string{
				"=== FAIL: m/a TestLogin/inactive_403 (0.01s)\n    login_test.go:42: status 500, want 403\n",
				"FAIL m/a (0.0s)\n",
				"packages: 0 ok, 1 failed, 0 without tests\n",
			},
			// the parent has nothing to say beyond its --- FAIL line
			wantNot: []string{"=== FAIL: m/a TestLogin (", "=== RUN", "FAIL\tm/a"},
		},
		{
			name: "parent_with_own_output_printed",
			input: events(
				`{"Action":"output","Package":"m/a","Test":"TestX","Output":"    x_test.go:5: setup went wrong\n"}`,
				`{"Action":"fail","Package":"m/a","Test":"TestX/sqlite","Elapsed":0}`,
				`{"Action":"output","Package":"m/a","Test":"TestX","Output":"--- FAIL: TestX (0.00s)\n"}`,
				`{"Action":"fail","Package":"m/a","Test":"TestX","Elapsed":0}`,
				`{"Action":"fail","Package":"m/a","Elapsed":0}`,
			),
			wantCode: 1,
			wantLast: "0 passed, 2 failed",
			want:     []string{"=== FAIL: m/a TestX (0.00s)\n    x_test.go:5: setup went wrong\n", "sqlite: 0 passed, 1 failed\n"},
		},
		{
			name: "build_failure_exit_1",
			input: events(
				`{"ImportPath":"m/a [m/a.test]","Action":"build-output","Output":"# m/a [m/a.test]\n"}`,
				`{"ImportPath":"m/a [m/a.test]","Action":"build-output","Output":"a/a.go:3:23: undefined: y\n"}`,
				`{"ImportPath":"m/a [m/a.test]","Action":"build-fail"}`,
				`{"Action":"start","Package":"m/a"}`,
				`{"Action":"output","Package":"m/a","Output":"FAIL\tm/a [build failed]\n"}`,
				`{"Action":"fail","Package":"m/a","Elapsed":0,"FailedBuild":"m/a [m/a.test]"}`,
			),
			wantCode: 1,
			wantLast: "0 passed, 0 failed",
			want: []string{
				"=== BUILD FAILED: m/a [m/a.test]\n# m/a [m/a.test]\na/a.go:3:23: undefined: y\n",
				"FAIL m/a [build failed]\n",
				"build failures: 1",
			},
		},
		{
			name: "package_fails_outside_tests_exit_1",
			input: events(
				`{"Action":"run","Package":"m/a","Test":"TestOK"}`,
				`{"Action":"pass","Package":"m/a","Test":"TestOK","Elapsed":0}`,
				`{"Action":"output","Package":"m/a","Output":"TestMain: cannot reach database\n"}`,
				`{"Action":"output","Package":"m/a","Output":"exit status 1\n"}`,
				`{"Action":"output","Package":"m/a","Output":"FAIL\tm/a\t0.010s\n"}`,
				`{"Action":"fail","Package":"m/a","Elapsed":0.01}`,
			),
			wantCode: 1,
			wantLast: "1 passed, 0 failed",
			want:     []string{"=== FAIL: m/a (package output)\nTestMain: cannot reach database\nexit status 1\nFAIL m/a (0.0s)\n"},
		},
		{
			name: "unfinished_test_counted_failed",
			input: events(
				`{"Action":"run","Package":"m/a","Test":"TestHang"}`,
				`{"Action":"output","Package":"m/a","Test":"TestHang","Output":"panic: test timed out after 20m0s\n"}`,
				`{"Action":"fail","Package":"m/a","Elapsed":1200}`,
			),
			wantCode: 1,
			wantLast: "0 passed, 1 failed",
			want:     []string{"=== FAIL: m/a TestHang (did not finish)\npanic: test timed out after 20m0s\n", "1 tests did not finish"},
		},
		{
			name: "input_cut_short",
			input: events(
				`{"Action":"run","Package":"m/a","Test":"TestA"}`,
				`{"Action":"output","Package":"m/a","Test":"TestA","Output":"    still running\n"}`,
			),
			wantCode: 1,
			wantLast: "0 passed, 1 failed",
			want:     []string{"TestA (did not finish)\n    still running\n"},
		},
		{
			name:     "no_input_exit_1",
			input:    "",
			wantCode: 1,
			wantLast: "0 passed, 0 failed",
			want:     []string{"no go test -json events"},
		},
		{
			name:     "plain_text_passed_through",
			input:    "go: downloading example.com/x v1.0.0\n",
			wantCode: 1,
			want:     []string{"go: downloading example.com/x v1.0.0\n", "no go test -json events"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, code := summarize(t, tt.input)
			if code != tt.wantCode {
				t.Errorf("exit status %d, want %d", code, tt.wantCode)
			}
			if tt.wantLast != "" && lastLine(out) != tt.wantLast {
				t.Errorf("last line %q, want %q", lastLine(out), tt.wantLast)
			}
			for _, w := range tt.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q", w)
				}
			}
			for _, w := range tt.wantNot {
				if strings.Contains(out, w) {
					t.Errorf("output has %q", w)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", out)
			}
		})
	}
}

// TestRealOutput feeds what go test -json printed for a small module with a
// passing, a failing, a broken, a test-less and a timed-out package (the
// goroutine dump cut short).
func TestRealOutput(t *testing.T) {
	input, err := os.ReadFile("testdata/mixed.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	out, code := summarize(t, string(input))
	if code != 1 {
		t.Errorf("exit status %d, want 1", code)
	}
	want := []string{
		"=== BUILD FAILED: example.com/fix/broken [example.com/fix/broken.test]\n",
		"broken/x.go:3:23: undefined: y\n",
		"=== FAIL: example.com/fix/bad TestContract/sqlite/login_401 (0.00s)\n    b_test.go:8: some log line\n    b_test.go:9: got 500, want 401\n",
		"FAIL example.com/fix/bad (0.0s)\n",
		"FAIL example.com/fix/broken [build failed]\n",
		"?    example.com/fix/notests [no test files]\n",
		"ok   example.com/fix/good (0.0s)\n",
		"=== FAIL: example.com/fix/timeout TestHang/postgres (did not finish)\n    t_test.go:7: waiting\npanic: test timed out after 3s\n",
		"packages: 1 ok, 3 failed, 1 without tests; build failures: 1\n",
		"postgres: 2 passed, 1 failed, 1 skipped\n",
		"sqlite: 4 passed, 2 failed\n",
	}
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q", w)
		}
	}
	if got, want := lastLine(out), "10 passed, 5 failed, 1 skipped"; got != want {
		t.Errorf("last line %q, want %q", got, want)
	}
	if t.Failed() {
		t.Logf("output:\n%s", out)
	}
}

func TestStoreOf(t *testing.T) {
	tests := map[string]string{
		"TestContract/sqlite/login_200": "sqlite",
		"TestStore/postgres":            "postgres",
		"TestStore/Postgres/create_201": "postgres",
		"TestStore/PostgreSQL/x":        "postgres",
		"TestStore/postgres-15":         "postgres",
		"TestStore/sqlite_memory/x":     "sqlite",
		"TestStore/SQLite":              "sqlite",
		"TestPostgresURL":               "",
		"TestSqlite":                    "",
		"TestX/postgresish":             "",
		"TestX/uses_sqlite":             "",
		"TestX/case/sqlite":             "sqlite",
		"TestX":                         "",
	}
	for name, want := range tests {
		if got := storeOf(name); got != want {
			t.Errorf("storeOf(%q) = %q, want %q", name, got, want)
		}
	}
}
