// Package stats is what every Go peer in bench/go prints its figures
// with, so that bench/run.sh reads one format:
//
//	<name> ns/op median=<x> min=<x> max=<x> runs=<n>
package stats

import (
	"fmt"
	"sort"
)

// Measure calls f runs times and returns what it returned.
func Measure(runs int, f func() float64) []float64 {
	v := make([]float64, 0, runs)
	for i := 0; i < runs; i++ {
		v = append(v, f())
	}
	return v
}

// Report prints one line: the median, min and max of v over len(v) runs.
func Report(name string, v []float64) {
	sort.Float64s(v)
	fmt.Printf("%s ns/op median=%.2f min=%.2f max=%.2f runs=%d\n",
		name, v[len(v)/2], v[0], v[len(v)-1], len(v))
}
