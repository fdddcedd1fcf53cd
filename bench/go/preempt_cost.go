//go:build ignore

// bench/go/preempt_cost.go - the Go peer for the cost of preemption
// (BM_preempt_cost): at GOMAXPROCS=1 two goroutines run the same xorshift
// loop with no calls, 50,000,000 steps each, with asynchronous preemption
// on (they take turns every 10 ms) and off (GODEBUG=asyncpreemptoff=1:
// one runs to its end, then the other).  Go reads GODEBUG when it
// starts, so each turn is a run of this program in a child process, on
// and off alternating; what counts is each pair's ratio.  Standalone
// (run.sh builds each file on its own, hence the ignore tag above);
// prints
//
//	go_preempt_cost/on_over_off ratio median=<x> min=<x> max=<x> runs=9
package main

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

const steps = 50000000

//go:noinline
func cpuLoop(n uint64) uint64 {
	x := uint64(88172645463325252)
	for i := uint64(0); i < n; i++ {
		x ^= x << 13
		x ^= x >> 7
		x ^= x << 17
	}
	return x
}

// once runs the two goroutines and returns the nanoseconds it took.
func once() int64 {
	runtime.GOMAXPROCS(1)
	var wg sync.WaitGroup
	var r [2]uint64
	t0 := time.Now()
	wg.Add(2)
	for k := 0; k < 2; k++ {
		go func(k int) {
			r[k] = cpuLoop(steps)
			wg.Done()
		}(k)
	}
	wg.Wait()
	if r[0] != r[1] {
		panic("the two loops disagree")
	}
	return time.Since(t0).Nanoseconds()
}

// child runs this program once with @godebug and returns its time.
func child(godebug string) float64 {
	cmd := exec.Command(os.Args[0], "-once")
	cmd.Env = append(os.Environ(), "GODEBUG="+godebug)
	out, err := cmd.Output()
	if err != nil {
		panic(err)
	}
	ns, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		panic(err)
	}
	return ns
}

func main() {
	if len(os.Args) > 1 && os.Args[1] == "-once" {
		fmt.Println(once())
		return
	}
	pairs := 9
	if os.Getenv("GORT_BENCH_QUICK") != "" {
		pairs = 1
	}
	v := make([]float64, 0, pairs)
	for i := 0; i < pairs; i++ {
		off := child("asyncpreemptoff=1")
		on := child("asyncpreemptoff=0")
		v = append(v, on/off)
	}
	sort.Float64s(v)
	fmt.Printf("go_preempt_cost/on_over_off ratio median=%.4f min=%.4f max=%.4f runs=%d\n",
		v[len(v)/2], v[0], v[len(v)-1], len(v))
}
