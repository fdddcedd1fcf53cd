//go:build ignore

// bench/go/wake.go - the Go peer for waking a parked goroutine: goroutine
// A sends on an unbuffered channel to goroutine B, which is blocked
// receiving; B replies on a second unbuffered channel.  One op is one
// one-way hand-off (a round trip / 2).  At GOMAXPROCS(1) the pair shares
// one P.  At GOMAXPROCS(2) B may run on the other P, but Go puts a woken
// goroutine in the waker's runnext slot, and A blocks on the reply right
// away, so B nearly always runs on A's P and thread (more than 99.9% of
// hand-offs on the development VM): the procs=2 figure is Go's wake path
// with an idle P beside it, seldom a cross-CPU wake-up.  Standalone
// (run.sh builds each file on its own, hence the ignore tag above);
// prints
//
//	go_chan_pingpong/procs=1 ns/op median=<x> min=<x> max=<x> runs=9
//	go_chan_pingpong/procs=2 ns/op median=<x> min=<x> max=<x> runs=9
package main

import (
	"fmt"
	"gortbench/stats"
	"runtime"
	"time"
)

const (
	runs   = 9
	rounds = 100000 // round trips in one run
)

// replier is B: it answers every ping until ping is closed.
func replier(ping <-chan struct{}, pong chan<- struct{}) {
	for range ping {
		pong <- struct{}{}
	}
	close(pong)
}

// pingpongRun times @rounds round trips from A (the caller) to B and back
// and returns nanoseconds per one-way hand-off.  B is started and has
// answered once before the clock starts.
func pingpongRun() float64 {
	ping := make(chan struct{})
	pong := make(chan struct{})
	go replier(ping, pong)
	ping <- struct{}{}
	<-pong
	t0 := time.Now()
	for i := 0; i < rounds; i++ {
		ping <- struct{}{}
		<-pong
	}
	elapsed := time.Since(t0)
	close(ping)
	<-pong // B has ended
	return float64(elapsed.Nanoseconds()) / (2 * rounds)
}

func main() {
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		pingpongRun() // warm up
		v := make([]float64, 0, runs)
		for i := 0; i < runs; i++ {
			runtime.GC()
			v = append(v, pingpongRun())
		}
		stats.Report(fmt.Sprintf("go_chan_pingpong/procs=%d", procs), v)
	}
}
