//go:build ignore

// bench/go/spawn.go - the Go peer for spawn + join: `go f()` of a function
// that only marks a sync.WaitGroup done, in batches of 100000 goroutines,
// then WaitGroup.Wait; one op is one goroutine created, run and joined.
// Measured at GOMAXPROCS 1 and 2.  Standalone (run.sh builds each file on
// its own, hence the ignore tag above); prints
//
//	go_spawn_join/procs=1 ns/op median=<x> min=<x> max=<x> runs=9
//	go_spawn_join/procs=2 ns/op median=<x> min=<x> max=<x> runs=9
package main

import (
	"fmt"
	"gortbench/stats"
	"runtime"
	"sync"
	"time"
)

const (
	runs  = 9
	batch = 100000 // goroutines spawned and joined in one run
)

// worker is the spawned goroutine: it does nothing but say it is done.
// A named function with a pointer argument, so `go` allocates no closure.
func worker(wg *sync.WaitGroup) {
	wg.Done()
}

// spawnRun times one batch and returns nanoseconds per goroutine.
func spawnRun() float64 {
	var wg sync.WaitGroup
	t0 := time.Now()
	wg.Add(batch)
	for i := 0; i < batch; i++ {
		go worker(&wg)
	}
	wg.Wait()
	return float64(time.Since(t0).Nanoseconds()) / batch
}

func main() {
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		spawnRun() // warm up: the free-G list and stack caches fill
		v := make([]float64, 0, runs)
		for i := 0; i < runs; i++ {
			v = append(v, spawnRun())
		}
		stats.Report(fmt.Sprintf("go_spawn_join/procs=%d", procs), v)
	}
}
