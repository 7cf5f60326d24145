package main

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestRawConn drives the load tool's client against net/http's server:
// keep-alive over one connection, bodies kept and discarded, chunked
// answers, a header longer than the read buffer, the server closing the
// connection, and a 204.
func TestRawConn(t *testing.T) {
	var conns atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("POST /echo", func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"len":%d,"auth":%q,"body":%q}`, len(b), r.Header.Get("Authorization"), b)
	})
	mux.HandleFunc("GET /chunked", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "part%d;", i)
			w.(http.Flusher).Flush()
		}
	})
	mux.HandleFunc("GET /big", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("X-Long", strings.Repeat("x", 40<<10))
		w.Write(bytes.Repeat([]byte("y"), 100<<10))
	})
	mux.HandleFunc("GET /close", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Connection", "close")
		w.Write([]byte("bye"))
	})
	mux.HandleFunc("GET /empty", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("GET /missing", func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `{"error":{"code":"not_found"}}`, 404)
	})
	srv := httptest.NewUnstartedServer(mux)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	c := newRawConn(host, 5*time.Second)
	defer c.Close()

	echo := buildRequest("POST", host, "/echo", "tok", []byte(`{"a":1}`))
	for i := 0; i < 5; i++ {
		status, body, err := c.Do(echo, true)
		if err != nil || status != 200 || string(body) != `{"len":7,"auth":"Bearer tok","body":"{\"a\":1}"}` {
			t.Fatalf("echo %d: %d %q %v", i, status, body, err)
		}
	}
	if status, body, err := c.Do(echo, false); err != nil || status != 200 || body != nil {
		t.Fatalf("echo, body discarded: %d %q %v", status, body, err)
	}
	if status, body, err := c.Do(buildRequest("GET", host, "/chunked", "", nil), true); err != nil || status != 200 || string(body) != "part0;part1;part2;" {
		t.Fatalf("chunked: %d %q %v", status, body, err)
	}
	if status, _, err := c.Do(buildRequest("GET", host, "/chunked", "", nil), false); err != nil || status != 200 {
		t.Fatalf("chunked, discarded: %d %v", status, err)
	}
	if status, body, err := c.Do(buildRequest("GET", host, "/big", "", nil), true); err != nil || status != 200 || len(body) != 100<<10 {
		t.Fatalf("long header and body: %d %d bytes %v", status, len(body), err)
	}
	if status, body, err := c.Do(buildRequest("GET", host, "/missing", "", nil), true); err != nil || status != 404 || !bytes.Contains(body, []byte("not_found")) {
		t.Fatalf("404: %d %q %v", status, body, err)
	}
	if status, body, err := c.Do(buildRequest("GET", host, "/empty", "", nil), true); err != nil || status != 204 || len(body) != 0 {
		t.Fatalf("204: %d %q %v", status, body, err)
	}
	if n := conns.Load(); n != 1 || c.Dials != 1 {
		t.Fatalf("%d connections (%d dials) for keep-alive requests, want 1", n, c.Dials)
	}

	if status, body, err := c.Do(buildRequest("GET", host, "/close", "", nil), true); err != nil || status != 200 || string(body) != "bye" {
		t.Fatalf("close: %d %q %v", status, body, err)
	}
	if c.c != nil {
		t.Fatal("connection kept after Connection: close")
	}
	if status, _, err := c.Do(echo, false); err != nil || status != 200 || c.Dials != 2 {
		t.Fatalf("after close: %d %v, %d dials", status, err, c.Dials)
	}

	// The server going away is an error, and the next request redials.
	srv.CloseClientConnections()
	if _, _, err := c.Do(echo, false); err == nil {
		t.Fatal("no error from a connection the server closed")
	}
	if status, _, err := c.Do(echo, false); err != nil || status != 200 || c.Dials != 3 {
		t.Fatalf("after the server closed: %d %v, %d dials", status, err, c.Dials)
	}
}

// TestRawConnResponses parses answers the node does not send but a server
// may: chunk extensions and trailers, HTTP/1.0, bodies up to the end of
// the connection, 100 Continue, and malformed ones.
func TestRawConnResponses(t *testing.T) {
	for _, tc := range []struct {
		name, resp string
		status     int
		body       string
		closed     bool
		err        string
	}{
		{"length", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", 200, "ok", false, ""},
		{"lower-case header", "HTTP/1.1 201 Created\r\ncontent-length: 3\r\n\r\nabc", 201, "abc", false, ""},
		{"chunked with extension and trailer", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3;x=1\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n", 200, "abcde", false, ""},
		{"http/1.0", "HTTP/1.0 200 OK\r\nContent-Length: 1\r\n\r\nz", 200, "z", true, ""},
		{"http/1.0 keep-alive", "HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 1\r\n\r\nz", 200, "z", false, ""},
		{"to end of connection", "HTTP/1.1 200 OK\r\n\r\nuntil eof", 200, "until eof", true, ""},
		{"100 continue", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nq", 200, "q", false, ""},
		{"gzip transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", 0, "", true, "unsupported Transfer-Encoding"},
		{"not http", "SSH-2.0-OpenSSH\r\n", 0, "", true, "malformed"},
		{"bad status", "HTTP/1.1 2x0 OK\r\n\r\n", 0, "", true, "malformed"},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 0, "", true, "malformed"},
		{"short body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", 0, "", true, "unexpected EOF"},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 0, "", true, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			fc := &fakeConn{resp: []byte(tc.resp)}
			c := &rawConn{addr: "x", dial: func(string, time.Duration) (net.Conn, error) { return fc, nil }}
			status, body, err := c.Do([]byte("GET / HTTP/1.1\r\n\r\n"), true)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("err = %v, want %q", err, tc.err)
				}
			} else if err != nil || status != tc.status || string(body) != tc.body {
				t.Fatalf("= %d %q %v, want %d %q", status, body, err, tc.status, tc.body)
			}
			if closed := c.c == nil; closed != tc.closed {
				t.Fatalf("closed = %v, want %v", closed, tc.closed)
			}
		})
	}
}

// TestRawConnAllocs: the hot path allocates nothing per request.
func TestRawConnAllocs(t *testing.T) {
	resp := []byte("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: Thu, 26 Nov 2026 19:00:00 GMT\r\nContent-Length: 27\r\n\r\n{\"scan_id\":1,\"verdict\":\"ok\"}")
	resp = bytes.Replace(resp, []byte("27"), []byte(fmt.Sprint(len(`{"scan_id":1,"verdict":"ok"}`))), 1)
	fc := &fakeConn{resp: resp, repeat: true}
	c := &rawConn{addr: "x", timeout: time.Second, dial: func(string, time.Duration) (net.Conn, error) { return fc, nil }}
	req := buildRequest("POST", "x", "/api/v1/scans", "t", []byte(`{"code":"CNHC1:X","direction":"in"}`))
	for _, keep := range []bool{true, false} {
		c.Do(req, keep) // dial and grow the body buffer
		allocs := testing.AllocsPerRun(1000, func() {
			if status, _, err := c.Do(req, keep); err != nil || status != 200 {
				t.Fatalf("%d %v", status, err)
			}
		})
		if allocs != 0 {
			t.Errorf("keep body %v: %.1f allocations a request, want 0", keep, allocs)
		}
	}
}

// fakeConn answers every request with resp; with repeat a new copy is
// readable after each write.
type fakeConn struct {
	resp   []byte
	repeat bool
	r      bytes.Reader
	served bool
}

func (f *fakeConn) Read(p []byte) (int, error) { return f.r.Read(p) }
func (f *fakeConn) Write(p []byte) (int, error) {
	if !f.served || f.repeat {
		f.r.Reset(f.resp)
		f.served = true
	}
	return len(p), nil
}
func (f *fakeConn) Close() error                     { return nil }
func (f *fakeConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (f *fakeConn) RemoteAddr() net.Addr             { return &net.TCPAddr{} }
func (f *fakeConn) SetDeadline(time.Time) error      { return nil }
func (f *fakeConn) SetReadDeadline(time.Time) error  { return nil }
func (f *fakeConn) SetWriteDeadline(time.Time) error { return nil }
