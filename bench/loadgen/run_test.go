package main

import (
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// server answers status, holding the first request for stall and remembers the connections it saw.
func server(t *testing.T, status int, stall time.Duration) (*httptest.Server, func() int) {
	var mu sync.Mutex
	var first sync.Once
	conns := map[string]bool{}
	s := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		first.Do(func() { time.Sleep(stall) })
		w.WriteHeader(status)
	}))
	s.Config.ConnState = func(c net.Conn, st http.ConnState) {
		if st == http.StateNew {
			mu.Lock()
			conns[c.RemoteAddr().String()] = true
			mu.Unlock()
		}
	}
	s.Start()
	t.Cleanup(s.Close)
	return s, func() int { mu.Lock(); defer mu.Unlock(); return len(conns) }
}

func mustRun(t *testing.T, tg target, s schedule, conns int) measurement {
	t.Helper()
	m, err := run(tg, s, conns)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestRunCountsAnsweredRequestsAfterTheWarmUpOnly(t *testing.T) {
	s, seen := server(t, http.StatusNoContent, 0)
	tg, err := newTarget(s.URL+"/tr/v1/tr/", []byte(`{"ename":"x"}`))
	if err != nil {
		t.Fatal(err)
	}
	sched := schedule{origin: time.Now(), rate: 1000, warmup: 100 * time.Millisecond, measured: 200 * time.Millisecond}
	r := summarize(mustRun(t, tg, sched, 4))
	if r.Requests != 200 || r.Errors != 0 {
		t.Fatalf("requests %d errors %d, want 200 and 0", r.Requests, r.Errors)
	}
	if n := seen(); n < 1 || n > 4 {
		t.Fatalf("server saw %d connections, want 1 to 4", n)
	}
}

func TestRunCountsEveryRefusedRequestAsAnError(t *testing.T) {
	s, _ := server(t, http.StatusServiceUnavailable, 0)
	tg, _ := newTarget(s.URL, nil)
	sched := schedule{origin: time.Now(), rate: 500, warmup: 20 * time.Millisecond, measured: 100 * time.Millisecond}
	r := summarize(mustRun(t, tg, sched, 2))
	if r.Requests != 0 || r.Errors != 60 {
		t.Fatalf("requests %d errors %d, want 0 and 60 (warm-up included)", r.Requests, r.Errors)
	}
}

func TestRunCountsUnreachableServerAsErrors(t *testing.T) {
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	addr := l.Addr().String()
	l.Close()
	tg, _ := newTarget("http://"+addr+"/", nil)
	r := summarize(mustRun(t, tg, schedule{origin: time.Now(), rate: 100, measured: 50 * time.Millisecond}, 1))
	if r.Requests != 0 || r.Errors != 5 {
		t.Fatalf("requests %d errors %d, want 0 and 5", r.Requests, r.Errors)
	}
}

// A generator that sends the next request only when a connection is free, and times it from then, would
// see one slow request behind a stall; the requests that fell due during the stall waited too, and each
// counts from when it was due: of those due in the first 25 ms of a 50 ms stall, every one took 25 ms or
// more.
func TestRunTimesRequestsHeldBehindAStallFromWhenTheyWereDue(t *testing.T) {
	const stall = 50 * time.Millisecond
	s, _ := server(t, http.StatusNoContent, stall)
	tg, _ := newTarget(s.URL, nil)
	m := mustRun(t, tg, schedule{origin: time.Now(), rate: 1000, measured: 100 * time.Millisecond}, 1)
	slow := 0
	for _, l := range m.latencies {
		if l >= stall/2 {
			slow++
		}
	}
	if len(m.latencies) != 100 || slow < 25 {
		t.Fatalf("%d answered, %d of them 25 ms or slower; want 100 and at least 25", len(m.latencies), slow)
	}
}

func TestTargetRefusesWhatItCannotSend(t *testing.T) {
	for _, u := range []string{"https://127.0.0.1:1/", "127.0.0.1:1", "http:///path"} {
		if _, err := newTarget(u, nil); err == nil {
			t.Errorf("%q: want an error", u)
		}
	}
}
