package main

import (
	"testing"
	"time"
)

func TestPercentileTakesTheRankStatsTsTakes(t *testing.T) {
	sorted := make([]float64, 1000)
	for i := range sorted {
		sorted[i] = float64(i + 1)
	}
	for _, c := range []struct{ p, want float64 }{{0.5, 501}, {0.99, 991}, {0.999, 1000}, {1, 1000}, {0, 1}} {
		if got := percentile(sorted, c.p); got != c.want {
			t.Errorf("percentile(%v) = %v, want %v", c.p, got, c.want)
		}
	}
	if got := percentile(nil, 0.99); got != 0 {
		t.Errorf("percentile of nothing = %v, want 0", got)
	}
}

func TestSummarizeSortsAndConvertsToMilliseconds(t *testing.T) {
	got := summarize(measurement{
		latencies: []time.Duration{3 * time.Millisecond, time.Millisecond, 2 * time.Millisecond},
		elapsed:   2 * time.Second,
		errors:    4,
	})
	want := result{Requests: 3, RPS: 1.5, P50: 2, P99: 3, P999: 3, Errors: 4}
	if got != want {
		t.Fatalf("summarize = %+v, want %+v", got, want)
	}
}
