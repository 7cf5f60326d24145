package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strconv"
	"time"
)

// The load tool's HTTP client: one keep-alive HTTP/1.1 connection that
// sends pre-built request bytes and reads the answer with a bufio.Reader,
// so that the hot loop costs the node's two cores as little as possible.
// net/http's client would cost a request object, header maps and a
// goroutine hand-off per request. It understands what the node answers:
// a status line, headers, and a body with Content-Length or chunked.

// maxResponseBody bounds a body the client keeps or discards, so that a
// misbehaving server cannot make the tool read forever.
const maxResponseBody = 64 << 20

var (
	errMalformed = errors.New("malformed HTTP response")
	errTooLarge  = errors.New("HTTP response body too large")
)

// rawConn is one keep-alive HTTP/1.1 connection to addr, redialled when the
// server closes it. It is not safe for concurrent use: one per goroutine.
type rawConn struct {
	addr    string
	timeout time.Duration // of one whole request, 0 for none
	dial    func(addr string, timeout time.Duration) (net.Conn, error)

	c    net.Conn
	br   *bufio.Reader
	body []byte // the last kept body; reused
	// Dials counts the connections made, for tests and the report.
	Dials int
}

func newRawConn(addr string, timeout time.Duration) *rawConn {
	return &rawConn{addr: addr, timeout: timeout, dial: dialTCP}
}

func dialTCP(addr string, timeout time.Duration) (net.Conn, error) {
	return net.DialTimeout("tcp", addr, timeout)
}

// Close closes the connection; the next Do dials again.
func (c *rawConn) Close() {
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
}

// buildRequest returns the bytes of one HTTP/1.1 request to host. Header
// lines in extra are "Name: value" without line ends.
func buildRequest(method, host, path, token string, body []byte, extra ...string) []byte {
	var b bytes.Buffer
	b.Grow(256 + len(body))
	b.WriteString(method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nUser-Agent: healthcode-loadtest\r\n")
	if token != "" {
		b.WriteString("Authorization: Bearer " + token + "\r\n")
	}
	for _, h := range extra {
		b.WriteString(h + "\r\n")
	}
	if body != nil || method == "POST" || method == "PUT" {
		b.WriteString("Content-Type: application/json\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n")
	}
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes()
}

// Do sends req, a whole request as buildRequest makes it, and reads the
// answer. With keepBody the body is returned; it is valid until the next
// Do. On any error the connection is closed and the next Do dials again.
// Do makes no allocation once the connection is up and the kept body
// buffer has grown to the size of the answers.
func (c *rawConn) Do(req []byte, keepBody bool) (status int, body []byte, err error) {
	if c.c == nil {
		conn, err := c.dial(c.addr, c.timeout)
		if err != nil {
			return 0, nil, err
		}
		c.Dials++
		c.c = conn
		if c.br == nil {
			c.br = bufio.NewReaderSize(conn, 16<<10)
		} else {
			c.br.Reset(conn)
		}
	}
	if c.timeout > 0 {
		c.c.SetDeadline(time.Now().Add(c.timeout))
	}
	if _, err := c.c.Write(req); err != nil {
		c.Close()
		return 0, nil, err
	}
	status, body, closeAfter, err := c.readResponse(keepBody)
	if err != nil || closeAfter {
		c.Close()
	}
	return status, body, err
}

// readResponse reads one response: its status, its body when keep, and
// whether the server closes the connection after it.
func (c *rawConn) readResponse(keep bool) (status int, body []byte, closeAfter bool, err error) {
	for {
		line, err := c.readLine()
		if err != nil {
			return 0, nil, true, err
		}
		// "HTTP/1.1 200 OK"
		if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.")) || line[8] != ' ' {
			return 0, nil, true, errMalformed
		}
		status = 0
		for _, d := range line[9:12] {
			if d < '0' || d > '9' {
				return 0, nil, true, errMalformed
			}
			status = status*10 + int(d-'0')
		}
		closeAfter = line[7] == '0' // HTTP/1.0 closes unless told otherwise
		length, chunked, hclose, keepAlive, err := c.readHeaders()
		if err != nil {
			return 0, nil, true, err
		}
		closeAfter = hclose || closeAfter && !keepAlive
		if status >= 100 && status < 200 {
			continue // 100 Continue and the like: the real answer follows
		}
		switch {
		case status == 204 || status == 304:
			return status, c.body[:0], closeAfter, nil
		case chunked:
			body, err = c.readChunked(keep)
		case length >= 0:
			body, err = c.readBody(length, keep)
		default: // no length: the body runs to the end of the connection
			body, err = c.readToEOF(keep)
			closeAfter = true
		}
		if err != nil {
			return 0, nil, true, err
		}
		return status, body, closeAfter, nil
	}
}

// readLine reads one line without its line end. It is a view into the
// reader's buffer, valid until the next read.
func (c *rawConn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		if err == bufio.ErrBufferFull {
			err = errMalformed
		}
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readHeaders reads the header lines up to the empty line and picks the
// ones that frame the body. Other headers may be longer than the buffer;
// they are skipped.
func (c *rawConn) readHeaders() (length int64, chunked, closeConn, keepAlive bool, err error) {
	length = -1
	for {
		line, err := c.br.ReadSlice('\n')
		if err == bufio.ErrBufferFull {
			for err == bufio.ErrBufferFull {
				_, err = c.br.ReadSlice('\n')
			}
			if err != nil {
				return 0, false, false, false, unexpected(err)
			}
			continue
		}
		if err != nil {
			return 0, false, false, false, unexpected(err)
		}
		line = bytes.TrimRight(line, "\r\n")
		if len(line) == 0 {
			return length, chunked, closeConn, keepAlive, nil
		}
		colon := bytes.IndexByte(line, ':')
		if colon <= 0 {
			return 0, false, false, false, errMalformed
		}
		name, value := line[:colon], bytes.TrimSpace(line[colon+1:])
		switch {
		case asciiEqualFold(name, "Content-Length"):
			n, ok := parseDecimal(value)
			if !ok || length >= 0 && n != length {
				return 0, false, false, false, errMalformed
			}
			length = n
		case asciiEqualFold(name, "Transfer-Encoding"):
			if !asciiHasTokenFold(value, "chunked") {
				return 0, false, false, false, fmt.Errorf("unsupported Transfer-Encoding %q", value)
			}
			chunked = true
		case asciiEqualFold(name, "Connection"):
			closeConn = closeConn || asciiHasTokenFold(value, "close")
			keepAlive = keepAlive || asciiHasTokenFold(value, "keep-alive")
		}
	}
}

func unexpected(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readBody reads or discards a body of n bytes.
func (c *rawConn) readBody(n int64, keep bool) ([]byte, error) {
	if n > maxResponseBody {
		return nil, errTooLarge
	}
	if !keep {
		_, err := c.br.Discard(int(n))
		return nil, unexpected(err)
	}
	if int64(cap(c.body)) < n {
		c.body = make([]byte, n)
	}
	c.body = c.body[:n]
	_, err := io.ReadFull(c.br, c.body)
	return c.body, unexpected(err)
}

// readChunked reads a chunked body and its trailer.
func (c *rawConn) readChunked(keep bool) ([]byte, error) {
	c.body = c.body[:0]
	var total int64
	for {
		line, err := c.readLine()
		if err != nil {
			return nil, err
		}
		if i := bytes.IndexByte(line, ';'); i >= 0 {
			line = line[:i] // chunk extensions
		}
		size, ok := parseHex(bytes.TrimSpace(line))
		if !ok {
			return nil, errMalformed
		}
		if size == 0 {
			break
		}
		if total += size; total > maxResponseBody {
			return nil, errTooLarge
		}
		if keep {
			start := len(c.body)
			c.body = slices.Grow(c.body, int(size))[:start+int(size)]
			if _, err := io.ReadFull(c.br, c.body[start:]); err != nil {
				return nil, unexpected(err)
			}
		} else if _, err := c.br.Discard(int(size)); err != nil {
			return nil, unexpected(err)
		}
		if line, err := c.readLine(); err != nil || len(line) != 0 {
			return nil, errMalformed // the CRLF after the chunk data
		}
	}
	for { // trailer
		line, err := c.readLine()
		if err != nil {
			return nil, err
		}
		if len(line) == 0 {
			break
		}
	}
	if !keep {
		return nil, nil
	}
	return c.body, nil
}

// readToEOF reads a body that ends with the connection.
func (c *rawConn) readToEOF(keep bool) ([]byte, error) {
	c.body = c.body[:0]
	var buf [4096]byte
	for {
		n, err := c.br.Read(buf[:])
		if keep {
			c.body = append(c.body, buf[:n]...)
		}
		if len(c.body) > maxResponseBody {
			return nil, errTooLarge
		}
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if !keep {
		return nil, nil
	}
	return c.body, nil
}

// asciiEqualFold reports whether b equals s, ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := 0; i < len(b); i++ {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

// asciiHasTokenFold reports whether the comma-separated list v holds token.
func asciiHasTokenFold(v []byte, token string) bool {
	for len(v) > 0 {
		item := v
		if i := bytes.IndexByte(v, ','); i >= 0 {
			item, v = v[:i], v[i+1:]
		} else {
			v = nil
		}
		if asciiEqualFold(bytes.TrimSpace(item), token) {
			return true
		}
	}
	return false
}

func lower(b byte) byte {
	if b >= 'A' && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

func parseHex(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 15 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		switch {
		case d >= '0' && d <= '9':
			n = n<<4 + int64(d-'0')
		case d >= 'a' && d <= 'f':
			n = n<<4 + int64(d-'a'+10)
		case d >= 'A' && d <= 'F':
			n = n<<4 + int64(d-'A'+10)
		default:
			return 0, false
		}
	}
	return n, true
}
