//go:build ignore

// bench/go/syscall.go - the Go peer of bench/syscall_gort.cpp: what the
// system-call hand-off costs.  At GOMAXPROCS(2) the main goroutine calls
// a short system call that never blocks, in a loop, through
// syscall.Syscall (entersyscall / exitsyscall: the P is left for sysmon
// to retake, as gort::blocking() does) and through syscall.RawSyscall
// (no hand-off, as a direct call in gort).  Calls: getppid, and an 8-byte
// read from an EFD_SEMAPHORE eventfd whose count never runs out.
// Standalone (run.sh builds each file on its own); prints
//
//	go_syscall/getppid ns/op median=<x> min=<x> max=<x> runs=9
//	go_rawsyscall/getppid ns/op median=<x> min=<x> max=<x> runs=9
//	go_syscall/eventfd_read ns/op median=<x> min=<x> max=<x> runs=9
//	go_rawsyscall/eventfd_read ns/op median=<x> min=<x> max=<x> runs=9
package main

import (
	"gortbench/stats"
	"log"
	"os"
	"runtime"
	"syscall"
	"time"
	"unsafe"
)

const (
	calls         = 1 << 16 // calls in one run, as bench/syscall_gort.cpp
	efdSemaphore  = 1       // EFD_SEMAPHORE
	efdCloexec    = 0x80000 // EFD_CLOEXEC
	efdInitialMax = 0xfffffffe
)

var runs = 9

type call func(raw bool) uintptr

func getppid(raw bool) uintptr {
	if raw {
		r, _, _ := syscall.RawSyscall(syscall.SYS_GETPPID, 0, 0, 0)
		return r
	}
	r, _, _ := syscall.Syscall(syscall.SYS_GETPPID, 0, 0, 0)
	return r
}

var efd uintptr
var efdBuf [8]byte

func eventfdRead(raw bool) uintptr {
	p := uintptr(unsafe.Pointer(&efdBuf[0]))
	if raw {
		r, _, _ := syscall.RawSyscall(syscall.SYS_READ, efd, p, 8)
		return r
	}
	r, _, _ := syscall.Syscall(syscall.SYS_READ, efd, p, 8)
	return r
}

var sink uintptr

func callsRun(f call, raw bool) float64 {
	t0 := time.Now()
	for i := 0; i < calls; i++ {
		sink += f(raw)
	}
	return float64(time.Since(t0).Nanoseconds()) / calls
}

func main() {
	if os.Getenv("GORT_BENCH_QUICK") != "" {
		runs = 1
	}
	runtime.GOMAXPROCS(2)
	fd, _, errno := syscall.RawSyscall(syscall.SYS_EVENTFD2, efdInitialMax,
		efdSemaphore|efdCloexec, 0)
	if errno != 0 {
		log.Fatal("eventfd: ", errno)
	}
	efd = fd
	for _, c := range []struct {
		name string
		f    call
	}{{"getppid", getppid}, {"eventfd_read", eventfdRead}} {
		for _, raw := range []bool{false, true} {
			name := "go_syscall/" + c.name
			if raw {
				name = "go_rawsyscall/" + c.name
			}
			callsRun(c.f, raw) // warm up
			stats.Report(name, stats.Measure(runs, func() float64 {
				return callsRun(c.f, raw)
			}))
		}
	}
}
