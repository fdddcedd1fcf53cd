#!/bin/bash
# bench/go/run.sh - build and run the Go peers of gort's benchmarks
# (gosched.go, spawn.go, wake.go, netecho.go, ...), each a standalone
# program printing one line per measured variant:
#
#	<name> ns/op median=<x> min=<x> max=<x> runs=<n>
#
# With GORT_BENCH_QUICK set (bench/run.sh --quick), netecho.go and
# syscall.go do one short run instead of nine.  GORT_GO_PROGRAMS names a
# subset to build and run.
#
# Go's own runtime is the reference gort is modelled on, so these are the
# figures to set gort's beside.  Needs golang-go (Debian's is enough: no
# network, no modules to fetch); without it this says so and exits 0.
set -euo pipefail

if ! command -v go >/dev/null 2>&1; then
	echo "go peers skipped: install golang-go"
	exit 0
fi

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
tmp=$(mktemp -d "${TMPDIR:-/tmp}/gortbench-go.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

# Use the local toolchain as it is; keep the build cache in the temp dir
# when there is no writable home to hold it.
export GOTOOLCHAIN=local
if [ -z "${GOCACHE:-}" ] &&
	{ [ -z "${HOME:-}" ] || [ ! -w "${HOME}" ]; }; then
	export GOCACHE="$tmp/gocache"
fi

programs=(gosched spawn wake chanbuf select mutex sleep preempt preempt_cost netecho
	syscall)
# GORT_GO_PROGRAMS="spawn select": only these (bench/run.sh's paired rounds).
if [ -n "${GORT_GO_PROGRAMS:-}" ]; then
	read -r -a programs <<<"$GORT_GO_PROGRAMS"
fi

cd "$here"
for p in "${programs[@]}"; do
	go build -o "$tmp/$p" "$p.go"
done
for p in "${programs[@]}"; do
	"$tmp/$p"
done
