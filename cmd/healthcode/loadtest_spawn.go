package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// healthcodeCommand makes the command that runs `healthcode ARGS…`: this
// same executable. Tests replace it, since their executable is the test
// binary.
var healthcodeCommand = func(args ...string) (*exec.Cmd, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	return exec.Command(exe, args...), nil
}

// spawnedNode is a `healthcode serve --dev` the load tool started.
type spawnedNode struct {
	dir     string // temporary: data directory and the node's log
	cmd     *exec.Cmd
	exited  chan struct{}
	waitErr error
	base    string // http://127.0.0.1:PORT
	token   string // admin
	backend string
	logPath string
}

// spawnNode starts serve --dev on a fresh data directory and a free
// loopback port, waits until it is healthy and makes an admin token with
// `healthcode token create` on its store. db is passed through as --db.
func spawnNode(ctx context.Context, db string, stderr io.Writer) (*spawnedNode, error) {
	dir, err := os.MkdirTemp("", "healthcode-loadtest-")
	if err != nil {
		return nil, err
	}
	n := &spawnedNode{dir: dir, logPath: filepath.Join(dir, "serve.log"), backend: "SQLite", exited: make(chan struct{})}
	if db != "" {
		n.backend = "PostgreSQL"
	}
	ok := false
	defer func() {
		if !ok {
			n.stop()
		}
	}()
	addr, err := freeLoopbackAddr()
	if err != nil {
		return nil, err
	}
	data := filepath.Join(dir, "data")
	store := []string{"--data", data, "--db=" + db}
	args := append([]string{"serve", "--dev", "--demo=false", "--addr", addr, "--log-level", "warn"}, store...)
	cmd, err := healthcodeCommand(args...)
	if err != nil {
		return nil, err
	}
	logFile, err := os.Create(n.logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.Env = spawnEnv(cmd.Env)
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	n.cmd = cmd
	go func() {
		n.waitErr = cmd.Wait()
		close(n.exited)
	}()
	n.base = "http://" + addr
	fmt.Fprintf(stderr, "loadtest: spawned serve --dev on %s, %s in %s (pid %d)\n", addr, n.backend, dir, cmd.Process.Pid)
	if err := n.waitHealthy(ctx); err != nil {
		return nil, err
	}
	tc, err := healthcodeCommand(append([]string{"token", "create", "--role", "admin", "--name", "loadtest"}, store...)...)
	if err != nil {
		return nil, err
	}
	var out, errOut bytes.Buffer
	tc.Stdout, tc.Stderr, tc.Env = &out, &errOut, spawnEnv(tc.Env)
	if err := tc.Run(); err != nil {
		return nil, fmt.Errorf("token create: %v: %s", err, strings.TrimSpace(errOut.String()))
	}
	n.token = strings.TrimSpace(out.String())
	ok = true
	return n, nil
}

// spawnEnv is the environment of a spawned command (this process's when
// base is nil), where HEALTHCODE_LOADTEST_SERVE_CPUPROFILE becomes the
// node's HEALTHCODE_CPUPROFILE (the tool's own profile is not the node's).
func spawnEnv(base []string) []string {
	if base == nil {
		base = os.Environ()
	}
	var env []string
	for _, kv := range base {
		if !strings.HasPrefix(kv, "HEALTHCODE_CPUPROFILE=") {
			env = append(env, kv)
		}
	}
	if p := os.Getenv("HEALTHCODE_LOADTEST_SERVE_CPUPROFILE"); p != "" {
		env = append(env, "HEALTHCODE_CPUPROFILE="+p)
	}
	return env
}

func freeLoopbackAddr() (string, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer ln.Close()
	return ln.Addr().String(), nil
}

func (n *spawnedNode) waitHealthy(ctx context.Context) error {
	client := &http.Client{Timeout: 2 * time.Second}
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-n.exited:
			return fmt.Errorf("serve exited (%v) before it was healthy:\n%s", n.waitErr, n.logTail())
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := client.Get(n.base + "/healthz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	return fmt.Errorf("serve was not healthy after 60 s:\n%s", n.logTail())
}

// logTail is the end of the node's log.
func (n *spawnedNode) logTail() string {
	b, _ := os.ReadFile(n.logPath)
	if len(b) > 4000 {
		b = b[len(b)-4000:]
	}
	return string(b)
}

// stop asks the node to shut down (SIGINT, as Ctrl-C would), kills it if
// it has not within 20 s, and removes its directory.
func (n *spawnedNode) stop() error {
	var err error
	if n.cmd != nil && n.cmd.Process != nil {
		n.cmd.Process.Signal(os.Interrupt)
		select {
		case <-n.exited:
		case <-time.After(20 * time.Second):
			n.cmd.Process.Kill()
			<-n.exited
			err = errors.New("serve did not stop within 20 s after SIGINT: killed")
		}
		var exit *exec.ExitError
		if err == nil && n.waitErr != nil && !(errors.As(n.waitErr, &exit) && exit.ExitCode() == 0) {
			err = fmt.Errorf("serve: %v:\n%s", n.waitErr, n.logTail())
		}
	}
	if rerr := os.RemoveAll(n.dir); err == nil {
		err = rerr
	}
	return err
}
