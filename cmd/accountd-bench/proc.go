package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// child is a server the bench started: accountd or a ceiling server. Its CPU time and
// memory are read from /proc, which is why it runs as a process of its own.
type child struct {
	name string
	cmd  *exec.Cmd
	addr string
	// metricsAddr is where accountd serves its metrics (ACCOUNTD_METRICS_ADDR), never
	// on the API's address; "" when unknown.
	metricsAddr string
	log         *os.File
	done        chan struct{}
	err         error
	// db reads the CPU time of its database's backends (nil: not known).
	db *dbCPU
}

// startChild starts path with args and env (added to the bench's own environment),
// listening on addr; its stdout goes to stdout (nil: /dev/null) and its stderr to a log
// file in dir.
func startChild(name, dir, addr, path string, args, env []string, stdout io.Writer) (*child, error) {
	logf, err := os.CreateTemp(dir, name+"-*.log")
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(path, args...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdout = stdout
	cmd.Stderr = logf
	// The kernel kills the child if the bench dies, so no server outlives it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	c := &child{name: name, cmd: cmd, addr: addr, log: logf, done: make(chan struct{})}
	if err := cmd.Start(); err != nil {
		_ = logf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	go func() {
		c.err = cmd.Wait()
		close(c.done)
	}()
	return c, nil
}

// pid is the child's process ID.
func (c *child) pid() int { return c.cmd.Process.Pid }

// exited reports whether the process has ended.
func (c *child) exited() bool {
	select {
	case <-c.done:
		return true
	default:
		return false
	}
}

// stop asks the child to shut down (SIGTERM), and kills it if it has not after 20s.
func (c *child) stop() {
	if c.exited() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.done:
	case <-time.After(20 * time.Second):
		_ = c.cmd.Process.Kill()
		<-c.done
	}
	_ = c.log.Close()
	if c.db != nil {
		c.db.close()
		c.db = nil
	}
}

// logTail returns the end of the child's log, for error messages.
func (c *child) logTail() string {
	b, err := os.ReadFile(c.log.Name())
	if err != nil {
		return ""
	}
	const keep = 2000
	if len(b) > keep {
		b = b[len(b)-keep:]
	}
	return string(b)
}

// waitHTTP polls url until it answers 200, the child exits or the timeout passes.
func (c *child) waitHTTP(ctx context.Context, url string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		cl := newClient(c.addr)
		status, _, err := cl.Do("GET", url, nil, nil)
		cl.Close()
		if err == nil && status == 200 {
			return nil
		}
		if c.exited() {
			return fmt.Errorf("%s exited: %v\n%s", c.name, c.err, c.logTail())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready after %s (last: %d %v)\n%s", c.name, timeout, status, err, c.logTail())
		}
		if !sleepCtx(ctx, 50*time.Millisecond) {
			return ctx.Err()
		}
	}
}

// clockTicks is USER_HZ, the unit of CPU times in /proc/<pid>/stat: 100 on every Linux
// architecture Go supports.
const clockTicks = 100

// cpuTime returns the process's user+system CPU time from /proc/<pid>/stat.
func cpuTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseStatCPU(b)
}

// parseStatCPU reads utime and stime (fields 14 and 15) of a /proc/<pid>/stat line. The
// command name (field 2) is in parentheses and may hold spaces and parentheses, so
// fields are counted from the last ')'.
func parseStatCPU(b []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, errors.New("malformed /proc stat")
	}
	f := strings.Fields(string(b[i+1:]))
	// f[0] is field 3 (state), so field n is f[n-3].
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		return 0, fmt.Errorf("malformed /proc stat: %w", err)
	}
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// Memory is a process's resident memory, in bytes.
type Memory struct {
	RSS, Peak int64
}

// memory reads VmRSS and VmHWM (the peak) from /proc/<pid>/status.
func memory(pid int) (Memory, error) {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return Memory{}, err
	}
	defer f.Close()
	return parseStatusMemory(f)
}

func parseStatusMemory(r io.Reader) (Memory, error) {
	var m Memory
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), ":")
		if !ok || (name != "VmRSS" && name != "VmHWM") {
			continue
		}
		kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(value), " kB"), 10, 64)
		if err != nil {
			return Memory{}, fmt.Errorf("malformed %s: %q", name, value)
		}
		if name == "VmRSS" {
			m.RSS = kb << 10
		} else {
			m.Peak = kb << 10
		}
	}
	if m.RSS == 0 {
		return Memory{}, errors.New("no VmRSS in /proc status")
	}
	return m, sc.Err()
}

// freeAddr returns a 127.0.0.1 address nobody listens on right now.
func freeAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

// machineBusy returns the CPU time all processes have used so far, from the first line
// of /proc/stat (everything but idle and iowait), and the number of CPUs it covers.
func machineBusy() (time.Duration, error) {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0, err
	}
	return parseMachineBusy(b)
}

func parseMachineBusy(b []byte) (time.Duration, error) {
	line, _, _ := bytes.Cut(b, []byte("\n"))
	f := strings.Fields(string(line))
	if len(f) < 5 || f[0] != "cpu" {
		return 0, errors.New("malformed /proc/stat")
	}
	var busy int64
	for i, v := range f[1:] {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc/stat: %w", err)
		}
		// Fields: user nice system idle iowait irq softirq steal guest guest_nice. Guest
		// time is counted in user already.
		if i == 3 || i == 4 || i >= 8 {
			continue
		}
		busy += n
	}
	return time.Duration(busy) * time.Second / clockTicks, nil
}
