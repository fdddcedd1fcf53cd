//go:build ignore

// bench/go/preempt.go - the Go peer for preemption latency: at
// GOMAXPROCS=1 one goroutine spins with no calls while main sleeps 1 ms,
// 100 times; how late main wakes (only a preemption of the spinner lets
// it run).  Standalone (run.sh builds each file on its own, hence the
// ignore tag above); prints
//
//	go_preempt_late/1ms us median=<x> max=<x> runs=100
package main

import (
	"fmt"
	"os"
	"runtime"
	"sort"
	"sync/atomic"
	"time"
)

func main() {
	runtime.GOMAXPROCS(1)
	sleeps := 100
	if os.Getenv("GORT_BENCH_QUICK") != "" {
		sleeps = 10
	}
	var stop atomic.Bool
	done := make(chan struct{})
	go func() {
		for !stop.Load() {
		}
		close(done)
	}()
	runtime.Gosched() // the spinner is spinning
	late := make([]float64, 0, sleeps)
	for i := 0; i < sleeps; i++ {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		d := time.Since(t0) - time.Millisecond
		late = append(late, float64(d.Nanoseconds())/1e3)
	}
	stop.Store(true)
	<-done
	sort.Float64s(late)
	fmt.Printf("go_preempt_late/1ms us median=%.1f max=%.1f runs=%d\n",
		late[len(late)/2], late[len(late)-1], len(late))
}
