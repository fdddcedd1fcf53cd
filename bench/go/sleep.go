//go:build ignore

// bench/go/sleep.go - the Go peer for timer accuracy: how late
// time.Sleep(1 * time.Millisecond) returns on an otherwise idle runtime
// (default GOMAXPROCS, nothing else running).  Lateness is the measured
// duration minus 1 ms, in microseconds.  Standalone (run.sh builds each
// file on its own, hence the ignore tag above); prints
//
//	go_sleep_late/1ms us median=<x> max=<x> runs=200
package main

import (
	"fmt"
	"sort"
	"time"
)

const sleeps = 200

func main() {
	time.Sleep(time.Millisecond) // warm up: the timer machinery starts
	late := make([]float64, 0, sleeps)
	for i := 0; i < sleeps; i++ {
		t0 := time.Now()
		time.Sleep(time.Millisecond)
		d := time.Since(t0) - time.Millisecond
		late = append(late, float64(d.Nanoseconds())/1e3)
	}
	sort.Float64s(late)
	fmt.Printf("go_sleep_late/1ms us median=%.1f max=%.1f runs=%d\n",
		late[len(late)/2], late[len(late)-1], len(late))
}
