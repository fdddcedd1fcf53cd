//go:build ignore

// bench/go/netecho.go - the Go peer of bench/net_gort.cpp: a goroutine-
// per-connection TCP echo server and its clients over loopback, in one
// process at GOMAXPROCS(2), with 64-byte messages.  The clients and the
// connections are set up once, outside the clock.  One batch: every
// client is sent a number of rounds on its own channel, does that many
// round trips (write 64 bytes, io.ReadFull the 64 echoed back) and marks
// a WaitGroup done; a batch's time runs from the first send to the end
// of the last client's last round trip.  One run is ten batches (one
// with GORT_BENCH_QUICK set, as bench/run.sh --quick does).
//
// Latency, 1 connection: the median and the 99th percentile of the
// single round trips of a run.  Throughput, 100 and 1,000 connections:
// nanoseconds per round trip of all the clients together (the inverse of
// round trips per second).  Standalone (run.sh builds each file on its
// own, hence the ignore tag above); prints
//
//	go_echo_latency/conns=1 ns/op median=<x> min=<x> max=<x> runs=9
//	go_echo_latency_p99/conns=1 ns/op median=<x> min=<x> max=<x> runs=9
//	go_echo/conns=100 ns/op median=<x> min=<x> max=<x> runs=9
//	go_echo/conns=1000 ns/op median=<x> min=<x> max=<x> runs=9
package main

import (
	"fmt"
	"gortbench/stats"
	"io"
	"log"
	"net"
	"os"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

const msgSize = 64

// Round trips per client per batch, as bench/net_gort.cpp.
const (
	latencyRounds = 2000
	rounds100     = 20
	rounds1000    = 5
)

var (
	runs    = 9
	batches = 10
)

// base is the origin of the batch clock (monotonic).
var base = time.Now()

type rig struct {
	starts  []chan int
	done    sync.WaitGroup
	exited  sync.WaitGroup
	lastEnd int64   // nanoseconds since base, the latest client end
	rtt     []int64 // client 0's round trips, when measuring latency
}

// serve is the server side of one connection: echo until EOF.
func serve(c net.Conn, r *rig) {
	buf := make([]byte, 4096)
	for {
		n, err := c.Read(buf)
		if err != nil {
			break
		}
		if _, err := c.Write(buf[:n]); err != nil {
			break
		}
	}
	c.Close()
	r.exited.Done()
}

func acceptLoop(ln net.Listener, r *rig) {
	for {
		c, err := ln.Accept()
		if err != nil {
			break
		}
		r.exited.Add(1)
		go serve(c, r)
	}
	r.exited.Done()
}

func storeMax(p *int64, v int64) {
	for {
		cur := atomic.LoadInt64(p)
		if cur >= v || atomic.CompareAndSwapInt64(p, cur, v) {
			return
		}
	}
}

// client does, for each number of rounds on start, that many round
// trips, then closes; with samples set it keeps each round trip's time.
func client(c net.Conn, start chan int, r *rig, samples bool) {
	msg := make([]byte, msgSize)
	for i := range msg {
		msg[i] = 'x'
	}
	buf := make([]byte, msgSize)
	for rounds := range start {
		t := time.Since(base)
		for i := 0; i < rounds; i++ {
			if _, err := c.Write(msg); err != nil {
				log.Fatal(err)
			}
			if _, err := io.ReadFull(c, buf); err != nil {
				log.Fatal(err)
			}
			if samples {
				now := time.Since(base)
				r.rtt = append(r.rtt, int64(now-t))
				t = now
			}
		}
		if !samples {
			t = time.Since(base)
		}
		storeMax(&r.lastEnd, int64(t))
		r.done.Done()
	}
	c.Close()
	r.exited.Done()
}

func setup(conns int, samples bool) (*rig, net.Listener) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	r := &rig{}
	if samples {
		r.rtt = make([]int64, 0, latencyRounds*batches)
	}
	r.exited.Add(1)
	go acceptLoop(ln, r)
	for i := 0; i < conns; i++ {
		c, err := net.Dial("tcp", ln.Addr().String())
		if err != nil {
			log.Fatal(err)
		}
		start := make(chan int, 1)
		r.starts = append(r.starts, start)
		r.exited.Add(1)
		go client(c, start, r, samples && i == 0)
	}
	return r, ln
}

func teardown(r *rig, ln net.Listener) {
	for _, s := range r.starts {
		close(s)
	}
	ln.Close()
	r.exited.Wait()
}

// batch runs rounds round trips per client and returns its nanoseconds.
func (r *rig) batch(rounds int) float64 {
	atomic.StoreInt64(&r.lastEnd, 0)
	r.done.Add(len(r.starts))
	t0 := int64(time.Since(base))
	for _, s := range r.starts {
		s <- rounds
	}
	r.done.Wait()
	return float64(atomic.LoadInt64(&r.lastEnd) - t0)
}

func latency() {
	r, ln := setup(1, true)
	r.batch(latencyRounds) // warm up
	med := make([]float64, 0, runs)
	p99 := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		r.rtt = r.rtt[:0]
		for b := 0; b < batches; b++ {
			r.batch(latencyRounds)
		}
		sort.Slice(r.rtt, func(a, b int) bool { return r.rtt[a] < r.rtt[b] })
		med = append(med, float64(r.rtt[len(r.rtt)/2]))
		p99 = append(p99, float64(r.rtt[len(r.rtt)*99/100]))
	}
	teardown(r, ln)
	stats.Report("go_echo_latency/conns=1", med)
	stats.Report("go_echo_latency_p99/conns=1", p99)
}

func throughput(conns, rounds int) {
	r, ln := setup(conns, false)
	r.batch(rounds) // warm up
	v := stats.Measure(runs, func() float64 {
		ns := 0.0
		for b := 0; b < batches; b++ {
			ns += r.batch(rounds)
		}
		return ns / float64(batches*conns*rounds)
	})
	teardown(r, ln)
	stats.Report(fmt.Sprintf("go_echo/conns=%d", conns), v)
}

func main() {
	if os.Getenv("GORT_BENCH_QUICK") != "" {
		runs, batches = 1, 1
	}
	runtime.GOMAXPROCS(2)
	latency()
	throughput(100, rounds100)
	throughput(1000, rounds1000)
}
