//go:build !linux

package main

import "time"

// alarm is the runtime's timer where there is no timerfd (the bench pins its processes with Linux's
// taskset; this keeps the package building elsewhere).
type alarm struct {
	t *time.Timer
	C <-chan time.Time
}

func newAlarm() (*alarm, error) {
	t := time.NewTimer(time.Hour)
	return &alarm{t: t, C: t.C}, nil
}

func (a *alarm) set(d time.Duration) error { a.t.Reset(d); return nil }

func (a *alarm) close() { a.t.Stop() }
