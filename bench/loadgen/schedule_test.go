package main

import (
	"testing"
	"time"
)

func TestScheduleDueTimesFollowTheRateWithoutDrift(t *testing.T) {
	origin := time.Unix(1000, 0)
	s := schedule{origin: origin, rate: 3, warmup: time.Second, measured: 2 * time.Second}
	if got, want := s.due(1).Sub(origin), 333333333*time.Nanosecond; got != want {
		t.Fatalf("due(1) = %v, want %v", got, want)
	}
	// a million intervals of 1/3 s add up to exactly the whole seconds they span
	if got, want := s.due(3_000_000).Sub(origin), 1_000_000*time.Second; got != want {
		t.Fatalf("due(3e6) = %v, want %v", got, want)
	}
}

func TestScheduleCountsOnlyWhatIsDueAfterTheWarmUp(t *testing.T) {
	origin := time.Unix(1000, 0)
	s := schedule{origin: origin, rate: 4800, warmup: time.Second, measured: 5 * time.Second}
	if got := s.total(); got != 6*4800 {
		t.Fatalf("total = %d, want %d", got, 6*4800)
	}
	counted := 0
	for i := range s.total() {
		if s.counted(s.due(i)) {
			counted++
		}
	}
	if counted != 5*4800 {
		t.Fatalf("counted = %d, want %d", counted, 5*4800)
	}
	if s.counted(s.due(4799)) || !s.counted(s.due(4800)) {
		t.Fatal("the first counted request is the one due when the warm-up ends")
	}
}

func TestScheduleTotalWithARateThatDoesNotDivideTheRun(t *testing.T) {
	s := schedule{origin: time.Unix(0, 0), rate: 7, measured: 1500 * time.Millisecond}
	// due at 0, 1/7, ..., 10/7 s: eleven before 1.5 s
	if got := s.total(); got != 11 {
		t.Fatalf("total = %d, want 11", got)
	}
}
