module tracker.local/loadgen

go 1.26
