//go:build ignore

// bench/go/select.go - the Go peers for select over 4 channels and for a
// WaitGroup fan-out.  Select: a producer sends `items` ints round-robin
// into 4 channels of capacity 128, a consumer selects over the 4; one op
// is one item.  Fan-out: spawn 1,000 goroutines that each call Done, and
// Wait; one op is one fan-out of 1,000.  Both at GOMAXPROCS(1) and (2).
// Standalone (run.sh builds each file on its own); prints
//
//	go_select4/procs=N ns/op median=<x> min=<x> max=<x> runs=9
//	go_fanout1000/procs=N ns/op median=<x> min=<x> max=<x> runs=9
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
	items = 400000
	fans  = 200
)

func selectRun() float64 {
	var cs [4]chan int
	for i := range cs {
		cs[i] = make(chan int, 128)
	}
	go func() {
		for i := 0; i < items; i++ {
			cs[i%4] <- i
		}
	}()
	t0 := time.Now()
	for n := 0; n < items; n++ {
		select {
		case <-cs[0]:
		case <-cs[1]:
		case <-cs[2]:
		case <-cs[3]:
		}
	}
	return float64(time.Since(t0).Nanoseconds()) / items
}

func fanoutRun() float64 {
	t0 := time.Now()
	for f := 0; f < fans; f++ {
		var wg sync.WaitGroup
		wg.Add(1000)
		for i := 0; i < 1000; i++ {
			go wg.Done()
		}
		wg.Wait()
	}
	return float64(time.Since(t0).Nanoseconds()) / fans
}

func report(name string, procs int, f func() float64) {
	stats.Report(fmt.Sprintf("%s/procs=%d", name, procs), stats.Measure(runs, f))
}

func main() {
	for _, procs := range []int{1, 2} {
		runtime.GOMAXPROCS(procs)
		report("go_select4", procs, selectRun)
		report("go_fanout1000", procs, fanoutRun)
	}
}
