package main

import (
	"testing"
	"time"
)

func TestPoolOpensConnectionsOnlyWhileAllAreBusyUpToMax(t *testing.T) {
	p := &pool[int]{max: 2}
	t0 := time.Unix(0, 0)
	for i := range 3 {
		p.wait(t0.Add(time.Duration(i)))
	}
	_, due, fresh, ok := p.next()
	if !ok || !fresh || due != t0 {
		t.Fatalf("first request: ok %v fresh %v due %v; want a new connection for the oldest", ok, fresh, due)
	}
	if _, _, fresh, ok = p.next(); !ok || !fresh {
		t.Fatal("second request while the first is in flight: want a second connection")
	}
	if _, _, _, ok = p.next(); ok {
		t.Fatal("third request with max 2 busy: want it to wait, not a third connection")
	}
	p.release(7)
	c, due, fresh, ok := p.next()
	if !ok || fresh || c != 7 || due != t0.Add(2) {
		t.Fatalf("after a release: got conn %v fresh %v due %v; want the freed one for the waiting request", c, fresh, due)
	}
}

func TestPoolReusesTheMostRecentlyFreedConnection(t *testing.T) {
	p := &pool[int]{max: 3, open: 3}
	p.release(1)
	p.release(2)
	p.release(3)
	if !p.settled() {
		t.Fatal("all released, nothing waiting: want settled")
	}
	p.wait(time.Unix(0, 0))
	if c, _, _, _ := p.next(); c != 3 {
		t.Fatalf("got connection %d, want 3 (the last freed)", c)
	}
	if p.settled() {
		t.Fatal("a request in flight: want not settled")
	}
}
