//go:build ignore

// bench/go/mutex.go - the Go peers for sync.Mutex under contention and
// for parked goroutines' memory.  Mutex: at GOMAXPROCS(2), 2 and 8
// goroutines each lock and unlock one mutex; one op is one lock+unlock.
// Memory: 1,000,000 goroutines parked on a channel receive; bytes per
// goroutine is the growth of VmRSS plus VmPTE divided by the count.
// Standalone (run.sh builds each file on its own); prints
//
//	go_mutex/goroutines=2 ns/op median=<x> min=<x> max=<x> runs=9
//	go_mutex/goroutines=8 ns/op median=<x> min=<x> max=<x> runs=9
//	go_park_memory/1000000 bytes=<x>
package main

import (
	"bufio"
	"fmt"
	"gortbench/stats"
	"os"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"
)

const (
	runs = 9
	ops  = 1000000 // lock+unlock pairs in one run, all goroutines together
)

func mutexRun(gs int) float64 {
	var mu sync.Mutex
	var wg sync.WaitGroup
	counter := 0
	t0 := time.Now()
	for g := 0; g < gs; g++ {
		wg.Add(1)
		go func() {
			for i := 0; i < ops/gs; i++ {
				mu.Lock()
				counter++
				mu.Unlock()
			}
			wg.Done()
		}()
	}
	wg.Wait()
	return float64(time.Since(t0).Nanoseconds()) / ops
}

// statusKB reads one "Name: N kB" line of /proc/self/status.
func statusKB(name string) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), name+":") {
			fields := strings.Fields(s.Text())
			v, _ := strconv.ParseInt(fields[1], 10, 64)
			return v
		}
	}
	return 0
}

func main() {
	runtime.GOMAXPROCS(2)
	for _, gs := range []int{2, 8} {
		stats.Report(fmt.Sprintf("go_mutex/goroutines=%d", gs),
			stats.Measure(runs, func() float64 { return mutexRun(gs) }))
	}

	const n = 1000000
	runtime.GC()
	before := statusKB("VmRSS") + statusKB("VmPTE")
	ch := make(chan int)
	var started sync.WaitGroup
	started.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			started.Done()
			<-ch
		}()
	}
	started.Wait()
	after := statusKB("VmRSS") + statusKB("VmPTE")
	fmt.Printf("go_park_memory/1000000 bytes=%.0f\n", float64((after-before)*1024)/n)
	close(ch)
}
