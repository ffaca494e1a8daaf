package main

import (
	"slices"
	"time"
)

// result has the shape every load generator of the bench prints (bench/lib/wrk.ts LoadResult):
// answered requests, their rate, latency percentiles in ms, failures.
type result struct {
	Requests int     `json:"requests"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50"`
	P99      float64 `json:"p99"`
	P999     float64 `json:"p999"`
	Errors   int     `json:"errors"`
}

// percentile is the p quantile (0–1) of ascending sorted, the same rank bench/lib/stats.ts takes; 0 when
// empty.
func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

func summarize(m measurement) result {
	ms := make([]float64, len(m.latencies))
	for i, l := range m.latencies {
		ms[i] = float64(l) / float64(time.Millisecond)
	}
	slices.Sort(ms)
	return result{
		Requests: len(ms),
		RPS:      float64(len(ms)) / m.elapsed.Seconds(),
		P50:      percentile(ms, 0.5),
		P99:      percentile(ms, 0.99),
		P999:     percentile(ms, 0.999),
		Errors:   m.errors,
	}
}
