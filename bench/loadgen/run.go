package main

import "time"

// measurement is what a run saw: the latencies of the counted requests that succeeded, the requests that
// failed (warm-up included) and the time from the warm-up's end to the last answer.
type measurement struct {
	latencies []time.Duration
	errors    int
	elapsed   time.Duration
}

// record counts a failure (warm-up included) or a counted request's latency from its due time.
func (m *measurement) record(a answer, s schedule) {
	switch {
	case !a.ok:
		m.errors++
	case s.counted(a.due):
		m.latencies = append(m.latencies, a.done.Sub(a.due))
	}
}

// run sends the schedule's requests through at most maxConns connections and measures each one from
// when it was due, not from when a connection was free to send it: a server that stalls makes the
// requests due meanwhile wait, and that wait is counted (no coordinated omission). The dispatcher alone
// owns the pool; connections report back on one channel.
func run(t target, s schedule, maxConns int) (measurement, error) {
	p := &pool[*conn]{max: maxConns}
	answers := make(chan answer, maxConns)
	var m measurement
	wake, err := newAlarm()
	if err != nil {
		return m, err
	}
	defer wake.close()
	total, next := s.total(), int64(0)
	for {
		for now := time.Now(); next < total && !s.due(next).After(now); next++ {
			p.wait(s.due(next))
		}
		dispatch(p, t, answers)
		if next == total && p.settled() {
			break
		}
		if next < total {
			if err := wake.set(time.Until(s.due(next))); err != nil {
				return m, err
			}
		}
		select {
		case <-wake.C:
		case a := <-answers:
			p.release(a.conn)
			m.record(a, s)
		}
	}
	m.elapsed = time.Since(s.start())
	for _, k := range p.idle {
		close(k.jobs)
	}
	return m, nil
}

// dispatch starts every waiting request a connection is free for.
func dispatch(p *pool[*conn], t target, answers chan<- answer) {
	for {
		k, due, fresh, ok := p.next()
		if !ok {
			return
		}
		if fresh {
			k = startConn(t, answers)
		}
		k.jobs <- due
	}
}
