package main

import "time"

// schedule says when each request is due: request i at origin + i/rate, whatever happened to the ones
// before it (open loop). Requests due during the warm-up are sent but not counted.
type schedule struct {
	origin   time.Time
	rate     float64
	warmup   time.Duration
	measured time.Duration
}

// due is computed from i, not by adding intervals, so rounding does not drift over a run.
func (s schedule) due(i int64) time.Time {
	return s.origin.Add(time.Duration(float64(i) * float64(time.Second) / s.rate))
}

// start is when counting begins: the end of the warm-up.
func (s schedule) start() time.Time { return s.origin.Add(s.warmup) }

func (s schedule) end() time.Time { return s.start().Add(s.measured) }

// counted says whether a request due at `due` belongs to the measurement.
func (s schedule) counted(due time.Time) bool { return !due.Before(s.start()) }

// total is how many requests are due before the end.
func (s schedule) total() int64 {
	n := int64(float64(s.warmup+s.measured) / float64(time.Second) * s.rate)
	for n > 0 && !s.due(n-1).Before(s.end()) {
		n--
	}
	for s.due(n).Before(s.end()) {
		n++
	}
	return n
}
