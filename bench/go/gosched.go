//go:build ignore

// bench/go/gosched.go - the Go peer for a goroutine yielding to another:
// two goroutines ping-ponging with runtime.Gosched() at GOMAXPROCS(1), so
// each Gosched is one switch through Go's scheduler on one P.  Standalone
// (run.sh builds each file on its own, hence the ignore tag above); prints
//
//	go_yield/procs=1 ns/op median=<x> min=<x> max=<x> runs=9
//
// where each figure is nanoseconds per Gosched switch in one run.
package main

import (
	"gortbench/stats"
	"runtime"
	"sync"
	"time"
)

const (
	runs   = 9
	rounds = 500000 // Gosched calls by each goroutine in one run
)

// yielder waits for the start signal, then yields @rounds times.
func yielder(start <-chan struct{}, wg *sync.WaitGroup) {
	defer wg.Done()
	<-start
	for i := 0; i < rounds; i++ {
		runtime.Gosched()
	}
}

// yieldRun times one run: 2*rounds switches between the two yielders.
// Both are created, and normally parked on @start, before the clock
// starts, so their creation is not measured.
func yieldRun() float64 {
	var wg sync.WaitGroup
	start := make(chan struct{})
	wg.Add(2)
	go yielder(start, &wg)
	go yielder(start, &wg)
	runtime.Gosched() // let both run up to <-start
	t0 := time.Now()
	close(start)
	wg.Wait()
	return float64(time.Since(t0).Nanoseconds()) / (2 * rounds)
}

func main() {
	runtime.GOMAXPROCS(1)
	yieldRun() // warm up
	v := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		runtime.GC()
		v = append(v, yieldRun())
	}
	stats.Report("go_yield/procs=1", v)
}
