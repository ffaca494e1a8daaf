package main

import "time"

// pool decides which connection sends which due request. Requests wait in due order; an idle connection
// takes the oldest, and a new one is opened only while fewer than max are, so the run opens as many
// connections as the load needs, up to max. The most recently freed connection is reused first (as
// Node's HTTP agent does), which keeps the others idle rather than spreading requests over all of them.
type pool[C any] struct {
	max     int
	open    int
	idle    []C
	pending []time.Time
}

// next hands out the oldest waiting due time with an idle connection, or with fresh = true when a new
// connection is to be opened for it; ok is false when nothing waits or every connection is busy.
func (p *pool[C]) next() (c C, due time.Time, fresh bool, ok bool) {
	if len(p.pending) == 0 {
		return c, due, false, false
	}
	switch {
	case len(p.idle) > 0:
		c = p.idle[len(p.idle)-1]
		p.idle = p.idle[:len(p.idle)-1]
	case p.open < p.max:
		p.open++
		fresh = true
	default:
		return c, due, false, false
	}
	due = p.pending[0]
	p.pending = p.pending[1:]
	return c, due, fresh, true
}

func (p *pool[C]) wait(due time.Time) { p.pending = append(p.pending, due) }

// release returns a connection whose request was answered (or failed).
func (p *pool[C]) release(c C) { p.idle = append(p.idle, c) }

// settled says nothing waits and no connection has a request in flight.
func (p *pool[C]) settled() bool { return len(p.pending) == 0 && len(p.idle) == p.open }
