//go:build ignore

// bench/go/chanbuf.go - the Go peer for buffered channel throughput: a
// producer sends `items` ints into a channel of capacity 128 and a
// consumer receives them; one op is one item.  At GOMAXPROCS 1 and 2.
// Standalone (run.sh builds each file on its own); prints
//
//	go_chan_buffered128/procs=1 ns/op median=<x> min=<x> max=<x> runs=9
//	go_chan_buffered128/procs=2 ns/op median=<x> min=<x> max=<x> runs=9
package main

import (
	"fmt"
	"gortbench/stats"
	"runtime"
	"time"
)

const (
	runs  = 9
	items = 1000000
)

func bufferedRun() float64 {
	ch := make(chan int, 128)
	done := make(chan struct{})
	go func() {
		for range ch {
		}
		close(done)
	}()
	t0 := time.Now()
	for i := 0; i < items; i++ {
		ch <- i
	}
	close(ch)
	<-done
	return float64(time.Since(t0).Nanoseconds()) / items
}

func main() {
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		stats.Report(fmt.Sprintf("go_chan_buffered128/procs=%d", procs),
			stats.Measure(runs, bufferedRun))
	}
}
