/*
 * bench/net_gort.cpp - gort's network benchmarks: a goroutine-per-
 * connection TCP echo server and its clients over loopback, in one
 * process, at procs 2, with 64-byte messages.  The peer is the same
 * program in Go (bench/go/netecho.go); bench/run.sh prints the ratios.
 *
 *   BM_net_echo_latency_gort     one connection: rtt_median_us and
 *                                rtt_p99_us per round trip, ns_per_op the
 *                                mean
 *   BM_net_echo_gort/conns:N     N connections, each a client goroutine
 *                                doing request/response in a loop:
 *                                rt_per_s, and ns_per_op = 1 / rt_per_s
 *
 * The listener, the connections, the server goroutines and the clients
 * are set up once per benchmark run (one repetition), outside the clock.
 * One iteration is one batch: every client is sent a number of rounds on
 * its own channel, does that many round trips (write 64 bytes, read the
 * 64 echoed back) and marks a wait_group done.  The clock runs from the
 * first send to the moment the last client finished (the clients read
 * it, so the main goroutine's own wake-up is not counted).
 *
 * The main goroutine drives Google Benchmark's loop and may resume on
 * another thread than the one it started on; that only skews the CPU
 * column, which is not a figure to read here (the benchmark reads manual
 * time).  Go raises RLIMIT_NOFILE to its hard limit at start-up; gort
 * does not, so this file does it for 1,000 connections.
 */
#include "scenarios/scenarios.h"

#include <gort.h>
#include <gort/net.h>

#include <algorithm>
#include <atomic>
#include <benchmark/benchmark.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <vector>

using namespace gort_bench;

namespace {

constexpr std::size_t MSG = 64;
constexpr int PROCS = 2;
/* Round trips per client per batch: about 2,000 to 5,000 round trips per
 * batch, so that --quick (one batch after a warm-up) stays a smoke run. */
constexpr int LATENCY_ROUNDS = 2000;
constexpr int ROUNDS_100 = 20;
constexpr int ROUNDS_1000 = 5;

[[noreturn]] void die(const char *what, const std::error_code &err)
{
	std::fprintf(stderr, "net_gort: %s: %s\n", what, err.message().c_str());
	std::exit(1);
}

struct echo_rig {
	gort::wait_group accepted;   /* one done() per server goroutine */
	gort::wait_group batch_done; /* one done() per client per batch */
	gort::wait_group exited;     /* every goroutine of the rig */
	std::atomic<std::uint64_t> last_end{0};
	std::vector<std::uint64_t> *rtt = nullptr; /* client 0's samples */
};

/* The server side of one connection: echo what arrives until EOF. */
void echo_serve(gort::net::conn c, echo_rig *rig)
{
	char buf[4096];

	rig->accepted.done();
	for (;;) {
		auto [n, err] = c.read(buf, sizeof(buf));
		if (err)
			break;
		if (c.write(buf, n).err)
			break;
	}
	c.close();
	rig->exited.done();
}

void accept_loop(gort::net::listener ln, echo_rig *rig)
{
	for (;;) {
		auto [c, err] = ln.accept();
		if (err == gort::net::errc::closed)
			break;
		if (err)
			die("accept", err);
		rig->exited.add(1);
		gort::go(echo_serve, c, rig);
	}
	rig->exited.done();
}

void round_trip(gort::net::conn &c, const char *msg, char *buf)
{
	if (auto r = c.write(msg, MSG); r.err)
		die("client write", r.err);
	for (std::size_t got = 0; got < MSG;) {
		auto [n, err] = c.read(buf + got, MSG - got);
		if (err)
			die("client read", err);
		got += n;
	}
}

void store_max(std::atomic<std::uint64_t> &a, std::uint64_t v)
{
	std::uint64_t cur = a.load(std::memory_order_relaxed);
	while (cur < v &&
	       !a.compare_exchange_weak(cur, v, std::memory_order_relaxed))
		;
}

/* One client: for each number of rounds received on @start, that many
 * round trips; then close.  @rtt, if not nullptr, gets each one's time. */
void echo_client(gort::net::conn c, gort::chan<int> start, echo_rig *rig,
		 std::vector<std::uint64_t> *rtt)
{
	char msg[MSG], buf[MSG];

	std::memset(msg, 'x', sizeof(msg));
	for (int rounds : start) {
		std::uint64_t t = now_ns();
		for (int i = 0; i < rounds; i++) {
			round_trip(c, msg, buf);
			if (rtt != nullptr) {
				std::uint64_t now = now_ns();
				rtt->push_back(now - t);
				t = now;
			}
		}
		if (rtt == nullptr)
			t = now_ns();
		/* Relaxed: batch_done's wait orders it before the read. */
		store_max(rig->last_end, t);
		rig->batch_done.done();
	}
	c.close();
	rig->exited.done();
}

/* One batch of @rounds round trips per client; returns its nanoseconds. */
std::uint64_t echo_batch(echo_rig *rig, std::vector<gort::chan<int>> &starts,
			 int rounds)
{
	rig->last_end.store(0, std::memory_order_relaxed);
	rig->batch_done.add(int(starts.size()));
	std::uint64_t t0 = now_ns();
	for (auto &s : starts)
		s.send(rounds);
	rig->batch_done.wait();
	return rig->last_end.load(std::memory_order_relaxed) - t0;
}

bool raise_fd_limit(rlim_t want)
{
	struct rlimit rl;
	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return false;
	if (rl.rlim_cur >= want)
		return true;
	rl.rlim_cur = std::min(rl.rlim_max, want);
	return setrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur >= want;
}

/* The main goroutine of one benchmark run: set up @conns connections,
 * run one warm-up batch, then Google Benchmark's loop, then tear down. */
void echo_main(benchmark::State &state, int conns, int rounds,
	       std::vector<std::uint64_t> *rtt)
{
	echo_rig rig;
	auto [ln, err] = gort::net::listen("tcp", "127.0.0.1:0");
	if (err) {
		state.SkipWithError(("listen: " + err.message()).c_str());
		return;
	}
	std::string address = ln.address().string();
	rig.rtt = rtt;
	rig.accepted.add(conns);
	rig.exited.add(1);
	gort::go(accept_loop, ln, &rig);

	std::vector<gort::chan<int>> starts;
	for (int i = 0; i < conns; i++) {
		auto [c, derr] = gort::net::dial("tcp", address);
		if (derr)
			die("dial", derr);
		starts.emplace_back(1);
		rig.exited.add(1);
		gort::go(echo_client, c, starts.back(), &rig,
			 i == 0 ? rtt : nullptr);
	}
	rig.accepted.wait();

	(void)echo_batch(&rig, starts, rounds); /* warm-up */
	if (rtt != nullptr)
		rtt->clear();
	for (auto _ : state)
		state.SetIterationTime(
			double(echo_batch(&rig, starts, rounds)) * 1e-9);

	for (auto &s : starts)
		s.close();
	ln.close();
	rig.exited.wait();
}

bool echo_run(benchmark::State &state, int conns, int rounds,
	      std::vector<std::uint64_t> *rtt)
{
	if (!raise_fd_limit(rlim_t(2 * conns + 64))) {
		state.SkipWithError(
			"RLIMIT_NOFILE too low for the connections");
		return false;
	}
	gort::run([&] { echo_main(state, conns, rounds, rtt); },
		  gort::config{.procs = PROCS});
	return !state.error_occurred();
}

void BM_net_echo_latency_gort(benchmark::State &state)
{
	std::vector<std::uint64_t> rtt;
	rtt.reserve(1 << 20);
	if (!echo_run(state, 1, LATENCY_ROUNDS, &rtt) || rtt.empty())
		return;
	std::sort(rtt.begin(), rtt.end());
	state.counters["rtt_median_us"] = double(rtt[rtt.size() / 2]) / 1e3;
	state.counters["rtt_p99_us"] = double(rtt[rtt.size() * 99 / 100]) / 1e3;
	state.counters["ns_per_op"] = benchmark::Counter(
		double(state.iterations()) * LATENCY_ROUNDS,
		benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void BM_net_echo_gort(benchmark::State &state)
{
	int conns = int(state.range(0));
	int rounds = conns >= 1000 ? ROUNDS_1000 : ROUNDS_100;
	if (!echo_run(state, conns, rounds, nullptr))
		return;
	double trips = double(state.iterations()) * conns * rounds;
	state.counters["rt_per_s"] =
		benchmark::Counter(trips, benchmark::Counter::kIsRate);
	state.counters["ns_per_op"] =
		benchmark::Counter(trips, benchmark::Counter::kIsRate |
						  benchmark::Counter::kInvert);
}

} // namespace

BENCHMARK(BM_net_echo_latency_gort)->UseManualTime();
BENCHMARK(BM_net_echo_gort)
	->ArgName("conns")
	->Arg(100)
	->Arg(1000)
	->UseManualTime();
