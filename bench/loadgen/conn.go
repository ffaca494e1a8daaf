package main

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"time"
)

// timeout bounds one request, as wrk's --timeout does in the closed-loop rows: an unanswered request
// is an error, not a run that never ends.
const timeout = 10 * time.Second

// target is one prepared request, sent as the same bytes every time.
type target struct {
	addr string
	raw  []byte
}

func newTarget(rawURL string, body []byte) (target, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return target{}, err
	}
	if u.Scheme != "http" || u.Host == "" {
		return target{}, fmt.Errorf("%q: an http:// URL with a host is required", rawURL)
	}
	method, headers := "GET", ""
	if body != nil {
		method = "POST"
		headers = fmt.Sprintf("Content-Type: application/json\r\nContent-Length: %d\r\n", len(body))
	}
	head := fmt.Sprintf("%s %s HTTP/1.1\r\nHost: %s\r\n%s\r\n", method, u.RequestURI(), u.Host, headers)
	return target{addr: u.Host, raw: append([]byte(head), body...)}, nil
}

// answer is what a connection reports back for one request: the time is taken on the connection's
// goroutine as the answer is read, so the dispatcher's own delays do not count.
type answer struct {
	conn *conn
	due  time.Time
	done time.Time
	ok   bool
}

// conn is one keep-alive connection with its own goroutine; it is (re)dialled when it has none.
type conn struct {
	jobs chan time.Time
	c    net.Conn
	r    *bufio.Reader
}

func startConn(t target, answers chan<- answer) *conn {
	k := &conn{jobs: make(chan time.Time, 1)}
	go k.serve(t, answers)
	return k
}

func (k *conn) serve(t target, answers chan<- answer) {
	for due := range k.jobs {
		ok := k.send(t)
		answers <- answer{conn: k, due: due, done: time.Now(), ok: ok}
	}
	k.close()
}

// send writes the request and reads the whole answer; a 2xx is a success, anything else a failure. A
// connection that broke, timed out or was closed by the server is dialled again for the next request.
func (k *conn) send(t target) bool {
	if k.c == nil {
		c, err := net.DialTimeout("tcp", t.addr, timeout)
		if err != nil {
			return false
		}
		k.c, k.r = c, bufio.NewReader(c)
	}
	status, keep, err := k.exchange(t.raw)
	if err != nil || !keep {
		k.close()
	}
	return err == nil && status >= 200 && status < 300
}

func (k *conn) exchange(raw []byte) (status int, keep bool, err error) {
	if err = k.c.SetDeadline(time.Now().Add(timeout)); err != nil {
		return 0, false, err
	}
	if _, err = k.c.Write(raw); err != nil {
		return 0, false, err
	}
	res, err := http.ReadResponse(k.r, nil)
	if err != nil {
		return 0, false, err
	}
	_, err = io.Copy(io.Discard, res.Body)
	res.Body.Close()
	return res.StatusCode, !res.Close, err
}

func (k *conn) close() {
	if k.c != nil {
		k.c.Close()
		k.c, k.r = nil, nil
	}
}
