// Command loadgen is the bench's open-loop HTTP load generator: requests due every 1/rate s on a fixed
// schedule, whether or not earlier ones were answered, each latency measured from when the request was
// due, through a pool of up to N keep-alive connections. The first second is sent at the same rate and
// not counted (connections opening). It prints one JSON line in the shape of bench/lib/wrk.ts's
// LoadResult.
//
//	loadgen <url> <rate/s> <seconds> <max connections> [body file]   (POST the body; GET without one)
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"strconv"
	"time"
)

const warmup = time.Second

func main() {
	if err := cli(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
}

func cli(args []string) error {
	if len(args) < 4 || len(args) > 5 {
		return fmt.Errorf("usage: loadgen <url> <rate/s> <seconds> <max connections> [body file]")
	}
	rate, err1 := strconv.ParseFloat(args[1], 64)
	seconds, err2 := strconv.ParseFloat(args[2], 64)
	conns, err3 := strconv.Atoi(args[3])
	if err1 != nil || err2 != nil || err3 != nil || rate <= 0 || seconds <= 0 || conns < 1 {
		return fmt.Errorf("rate, seconds and connections must be positive numbers: %q", args[1:4])
	}
	var body []byte
	if len(args) == 5 {
		b, err := os.ReadFile(args[4])
		if err != nil {
			return err
		}
		body = b
	}
	t, err := newTarget(args[0], body)
	if err != nil {
		return err
	}
	measured := time.Duration(seconds * float64(time.Second))
	s := schedule{origin: time.Now(), rate: rate, warmup: warmup, measured: measured}
	m, err := run(t, s, conns)
	if err != nil {
		return err
	}
	return json.NewEncoder(os.Stdout).Encode(summarize(m))
}
