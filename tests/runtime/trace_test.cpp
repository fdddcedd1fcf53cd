/*
 * tests/runtime/trace_test.cpp - the execution tracer (runtime/trace.h):
 * the seed's two-goroutine program traced at procs 1 and 2, its spans
 * checked event by event; the API's errors; syscalls, timers; the memory
 * cap; GORT_TRACE.  tests/tools/trace_html_test.cpp draws such a trace.
 */
#include "runtime/proc.h"

#include <gort.h>

#include "proc_util.h"
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

namespace {

/* One trace event, the fields the tests look at. */
struct ev {
	std::string ph, name, cat, end, reason, kept_p;
	long tid = -1, m = -2;
	double ts = 0, dur = 0;
	long long id = 0, goid = 0;
};

std::string field(const std::string &line, const std::string &key)
{
	std::string k = "\"" + key + "\":";
	size_t at = line.find(k);
	if (at == std::string::npos)
		return "";
	at += k.size();
	if (line[at] == '"')
		return line.substr(at + 1, line.find('"', at + 1) - at - 1);
	size_t e = line.find_first_of(",}", at);
	return line.substr(at, e - at);
}

struct trace_file {
	std::string text, first, last;
	std::vector<ev> events;
};

/* The runtime writes one event per line (trace_json.cpp). */
trace_file load(const std::string &path)
{
	trace_file t;
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	t.text = ss.str();
	std::istringstream lines(t.text);
	std::string line;
	while (std::getline(lines, line)) {
		if (t.first.empty())
			t.first = line;
		t.last = line;
		if (line.rfind("{\"ph\":", 0) != 0)
			continue;
		ev e;
		e.ph = field(line, "ph");
		e.name = field(line, "name");
		e.cat = field(line, "cat");
		e.end = field(line, "end");
		e.reason = field(line, "reason");
		e.kept_p = field(line, "kept_p");
		std::string v = field(line, "tid");
		e.tid = v.empty() ? -1 : std::stol(v);
		v = field(line, "ts");
		e.ts = v.empty() ? 0 : std::stod(v);
		v = field(line, "dur");
		e.dur = v.empty() ? 0 : std::stod(v);
		v = field(line, "id");
		e.id = v.empty() ? 0 : std::stoll(v);
		v = field(line, "m");
		e.m = v.empty() ? -2 : std::stol(v);
		v = field(line, "goid");
		e.goid = v.empty() ? 0 : std::stoll(v);
		t.events.push_back(e);
	}
	return t;
}

std::string temp_path(const char *name)
{
	return "/tmp/gort_trace_test_" + std::to_string(::getpid()) + "_" +
	       name + ".json";
}

/* Spans of one lane never overlap (times are printed to the ns). */
void expect_lanes_disjoint(const trace_file &t)
{
	std::map<long, std::vector<const ev *>> lanes;
	for (const ev &e : t.events)
		if (e.ph == "X" && e.cat == "goroutine")
			lanes[e.tid].push_back(&e);
	for (auto &[tid, v] : lanes) {
		/* By start, then by end: with a coarse clock (qemu's) a span
		 * may last 0 ns and start where the next one starts. */
		std::sort(v.begin(), v.end(), [](const ev *a, const ev *b) {
			if (a->ts != b->ts)
				return a->ts < b->ts;
			return a->dur < b->dur;
		});
		for (size_t i = 1; i < v.size(); i++)
			EXPECT_LE(v[i - 1]->ts + v[i - 1]->dur,
				  v[i]->ts + 0.002)
				<< "lane P" << tid << ": " << v[i - 1]->name
				<< " [" << v[i - 1]->ts << " +" << v[i - 1]->dur
				<< ", end " << v[i - 1]->end << "] overlaps "
				<< v[i]->name << " [" << v[i]->ts << " +"
				<< v[i]->dur << ", end " << v[i]->end
				<< "], span " << i << " of " << v.size();
	}
}

/* The seed's program: two goroutines print the alphabet three times
 * each while main waits on a wait_group. */
void letters(long long *goids)
{
	gort::wait_group wg;
	wg.add(2);
	std::string out[2];
	for (int k = 0; k < 2; k++)
		gort::go([&, k] {
			goids[k] = (long long)gort::goid();
			for (int count = 0; count < 3; count++)
				for (char c = 'a'; c < 'a' + 26; c++)
					out[k] += char(k == 0 ? c - 32 : c);
			wg.done();
		});
	wg.wait();
	EXPECT_EQ(out[0].size(), 78u);
}

} // namespace

TEST(trace, the_seeds_two_goroutines_at_procs_1_and_2)
{
	for (int procs : {1, 2}) {
		SCOPED_TRACE("procs " + std::to_string(procs));
		std::string path = temp_path("letters");
		long long goids[2] = {0, 0}, main_goid = 0;
		gort::run(
			[&] {
				main_goid = (long long)gort::goid();
				ASSERT_TRUE(gort::trace_start(path.c_str()));
				letters(goids);
				/* wg.wait() returns once both called done(),
				 * maybe before the last one's exit record
				 * (another P): wait until both have ended. */
				while (gort::num_goroutine() > 1)
					gort::yield();
				ASSERT_TRUE(gort::trace_stop());
			},
			gort::config{.procs = procs});
		trace_file t = load(path);
		std::remove(path.c_str());
		ASSERT_EQ(t.first.rfind("{\"otherData\":", 0), 0u) << t.first;
		EXPECT_EQ(t.last, "]}");
		EXPECT_NE(t.text.find("\"procs\":" + std::to_string(procs)),
			  std::string::npos);

		std::map<long long, std::vector<const ev *>> spans;
		for (const ev &e : t.events) {
			if (e.ph != "X" || e.cat != "goroutine")
				continue;
			EXPECT_GE(e.tid, 0);
			EXPECT_LT(e.tid, procs) << "one lane per P";
			EXPECT_GE(e.dur, 0);
			EXPECT_EQ(e.name, "G" + std::to_string(e.goid));
			EXPECT_GE(e.m, 0) << "the thread is known: " << e.name;
			spans[e.goid].push_back(&e);
		}
		/* Each goroutine ran and ended; main waited on the group. */
		for (long long id : goids) {
			ASSERT_FALSE(spans[id].empty()) << "G" << id;
			EXPECT_EQ(spans[id].back()->end, "exit") << "G" << id;
		}
		bool waited = false;
		for (const ev *e : spans[main_goid])
			waited |= e->end == "block" &&
				  e->reason == "sync.WaitGroup.Wait";
		EXPECT_TRUE(waited) << t.text;
		expect_lanes_disjoint(t);

		/* Every arrow has both ends; main was woken by one. */
		std::set<long long> starts, ends;
		for (const ev &e : t.events) {
			if (e.ph == "s")
				starts.insert(e.id);
			if (e.ph == "f")
				ends.insert(e.id);
		}
		for (long long id : ends)
			EXPECT_EQ(starts.count(id), 1u) << "flow " << id;
		EXPECT_GE(ends.size(), 1u);
		/* Both goroutines were created inside the trace. */
		size_t creates = 0;
		for (const ev &e : t.events)
			creates += e.cat == "create" ? 1 : 0;
		EXPECT_EQ(creates, 2u);
	}
}

TEST(trace, start_and_stop_report_misuse)
{
	EXPECT_FALSE(gort::trace_stop()) << "nothing to stop";
	gort::run([] {
		EXPECT_FALSE(gort::trace_start("/nonexistent/dir/t.json"));
		EXPECT_FALSE(gort::trace_start(""));
		std::string path = temp_path("misuse");
		EXPECT_TRUE(gort::trace_start(path.c_str()));
		EXPECT_FALSE(gort::trace_start(path.c_str()))
			<< "one at a time";
		EXPECT_TRUE(gort::trace_stop());
		EXPECT_FALSE(gort::trace_stop());
		std::remove(path.c_str());
	});
}

/* A goroutine that blocks in read() on @fd until a byte comes, stores it
 * at @c, and marks @wg done.  The read runs inside gort::blocking(), or
 * gort::blocking_long() if @long_call; *@inside, if given, is set just
 * before it. */
static void go_blocking_read(int fd, char *c, gort::wait_group &wg,
			     bool long_call = false,
			     std::atomic<bool> *inside = nullptr)
{
	wg.add(1);
	gort::go([fd, c, &wg, long_call, inside] {
		auto call = [&] {
			if (inside != nullptr)
				*inside = true;
			return ::read(fd, c, 1);
		};
		if (long_call)
			gort::blocking_long(call);
		else
			gort::blocking(call);
		wg.done();
	});
}

TEST(trace, records_syscalls_and_timers)
{
	std::string path = temp_path("syscall");
	gort::run([&] {
		ASSERT_TRUE(gort::trace_start(path.c_str()));
		int fds[2];
		ASSERT_EQ(::pipe(fds), 0);
		gort::wait_group wg;
		char c = 0;
		go_blocking_read(fds[0], &c, wg);
		gort::sleep(std::chrono::milliseconds(2));
		ASSERT_EQ(::write(fds[1], "x", 1), 1);
		wg.wait();
		EXPECT_EQ(c, 'x');
		::close(fds[0]);
		::close(fds[1]);
		ASSERT_TRUE(gort::trace_stop());
	});
	trace_file t = load(path);
	std::remove(path.c_str());
	size_t sys = 0, timers = 0;
	for (const ev &e : t.events) {
		if (e.ph == "X" && e.cat == "syscall") {
			sys++;
			EXPECT_EQ(e.tid, 1024) << "the no-P lane";
		}
		timers += e.cat == "timer" ? 1 : 0;
	}
	EXPECT_GE(sys, 1u) << t.text;
	EXPECT_GE(timers, 1u) << t.text;
}

/* How many events of category @cat (and phase @ph, if given). */
size_t count_cat(const trace_file &t, const std::string &cat,
		 const std::string &ph = "")
{
	size_t n = 0;
	for (const ev &e : t.events)
		n += e.cat == cat && (ph.empty() || e.ph == ph) ? 1 : 0;
	return n;
}

TEST(trace, records_handoffs_netpoll_wakeups_steals_and_preemptions)
{
	/* procs 1: a goroutine blocks in read() with main runnable behind
	 * it, so sysmon hands the P off; a goroutine parked on a socket is
	 * woken by the poller; a goroutine that never calls the runtime is
	 * preempted (asynchronously where the build can). */
	std::string path = temp_path("events");
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			int fds[2];
			ASSERT_EQ(::pipe(fds), 0);
			gort::wait_group wg;
			char byte = 0;
			go_blocking_read(fds[0], &byte, wg);
			gort::yield(); /* the reader is in read() now */
			ASSERT_EQ(::write(fds[1], "x", 1), 1);
			wg.wait();
			::close(fds[0]);
			::close(fds[1]);

			/* Not a structured binding: clang 14 cannot
			 * capture one in a lambda. */
			auto lr = gort::net::listen("tcp", "127.0.0.1:0");
			ASSERT_FALSE(lr.err);
			gort::net::listener ln = lr.value;
			wg.add(1);
			gort::go([&] {
				auto [c, aerr] = ln.accept();
				ASSERT_FALSE(aerr);
				char buf[1];
				(void)c.read(buf, 1); /* parks on the poller */
				wg.done();
			});
			auto [c, derr] =
				gort::net::dial("tcp", ln.address().string());
			ASSERT_FALSE(derr);
			gort::sleep(std::chrono::milliseconds(1));
			ASSERT_FALSE(c.write("x").err);
			wg.wait();

			if (gort::async_preemption()) {
				std::atomic<bool> stop{false};
				wg.add(1);
				gort::go([&] {
					while (!stop.load(
						std::memory_order_relaxed)) {
					}
					wg.done();
				});
				/* Main runs again only once the spinner was
				 * preempted. */
				gort::sleep(std::chrono::milliseconds(1));
				stop = true;
				wg.wait();
			}
			gort_test::join_goroutines(); /* the accepted conn */
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 1});
	trace_file t = load(path);
	std::remove(path.c_str());
	EXPECT_GE(count_cat(t, "handoff"), 1u) << "sysmon took the P";
	EXPECT_GE(count_cat(t, "netpoll"), 1u) << "the poller woke the reader";
	EXPECT_GE(count_cat(t, "proc"), 1u) << "the P changed threads";
	if (gort::async_preemption()) {
		EXPECT_GE(count_cat(t, "preempt"), 1u) << "sysmon's request";
		bool preempted = false;
		for (const ev &e : t.events)
			preempted |= e.ph == "X" && e.end == "preempt";
		EXPECT_TRUE(preempted) << "a span ended by preemption";
	}

	/* procs 2: goroutines made faster than one P runs them are stolen
	 * by the other (200 of 1 ms each: 200 ms of work for one P).  Fewer
	 * than a run queue holds, so none overflow to the global queue,
	 * where the other P would take them without stealing. */
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			gort::wait_group wg;
			wg.add(200);
			for (int i = 0; i < 200; i++)
				gort::go([&] {
					auto t0 = std::chrono::steady_clock::
						now();
					while (std::chrono::steady_clock::
							       now() -
						       t0 <
					       std::chrono::milliseconds(1)) {
					}
					wg.done();
				});
			wg.wait();
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 2});
	t = load(path);
	std::remove(path.c_str());
	EXPECT_GE(count_cat(t, "steal", "s"), 1u) << "the other P stole";
	EXPECT_EQ(count_cat(t, "steal", "s"), count_cat(t, "steal", "f"))
		<< "each steal arrow has both ends";
	expect_lanes_disjoint(t);
}

/* gort::blocking_long() hands its P off on entry (Go's entersyscallblock):
 * at procs 1, main runs while the call blocks without sysmon taking the
 * P.  With blocking() main could only run once sysmon took it, which the
 * trace shows as a "handoff". */
TEST(trace, blocking_long_hands_its_p_off_at_once)
{
	std::string path = temp_path("blocking_long");
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			int fds[2];
			ASSERT_EQ(::pipe(fds), 0);
			std::atomic<bool> inside{false};
			char c = 0;
			gort::wait_group wg;
			go_blocking_read(fds[0], &c, wg, true, &inside);
			while (!inside.load())
				gort::yield();
			ASSERT_EQ(::write(fds[1], "x", 1), 1);
			wg.wait();
			EXPECT_EQ(c, 'x');
			::close(fds[0]);
			::close(fds[1]);
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 1});
	trace_file t = load(path);
	std::remove(path.c_str());
	EXPECT_EQ(count_cat(t, "syscall", "X"), 1u) << t.text;
	EXPECT_EQ(count_cat(t, "handoff"), 0u) << "sysmon took the P:\n"
					       << t.text;
}

/* Name resolution goes through the hand-off (getaddrinfo may wait on
 * the network): resolving a name shows as a syscall span. */
TEST(trace, resolving_a_name_is_a_blocking_call)
{
	std::string path = temp_path("resolve");
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			auto r = gort::net::resolve("tcp", "localhost:80");
			ASSERT_TRUE(gort::trace_stop());
			EXPECT_FALSE(r.err) << r.err.message();
		},
		gort::config{.procs = 1});
	trace_file t = load(path);
	std::remove(path.c_str());
	EXPECT_GE(count_cat(t, "syscall", "X"), 1u) << t.text;
}

/* A call whose P was handed off, returning while a P is idle, takes that
 * P and goes on (exitsyscall's second case): its syscall span says
 * kept_p.  Without that case it would queue itself and wait (kept_p
 * false).  The write comes from a plain thread once both Ps are idle. */
TEST(trace, a_call_that_returns_while_a_p_is_idle_takes_it)
{
	std::string path = temp_path("idle_p");
	int fds[2];
	ASSERT_EQ(::pipe(fds), 0);
	std::atomic<bool> inside{false}, both_idle{false};
	std::thread writer([&] {
		auto give_up = std::chrono::steady_clock::now() +
			       std::chrono::seconds(20);
		while (!(inside.load() &&
			 gort::rt::sched.npidle.load() ==
				 gort::rt::sched.procs.load())) {
			if (std::chrono::steady_clock::now() > give_up)
				break;
			std::this_thread::yield();
		}
		both_idle = inside.load();
		(void)!::write(fds[1], "x", 1);
	});
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			char c = 0;
			gort::wait_group wg;
			go_blocking_read(fds[0], &c, wg, true, &inside);
			wg.wait();
			EXPECT_EQ(c, 'x');
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 2});
	writer.join();
	::close(fds[0]);
	::close(fds[1]);
	ASSERT_TRUE(both_idle.load()) << "the Ps never went idle";
	trace_file t = load(path);
	std::remove(path.c_str());
	size_t spans = 0;
	for (const ev &e : t.events)
		if (e.ph == "X" && e.cat == "syscall") {
			spans++;
			EXPECT_EQ(e.kept_p, "true") << t.text;
		}
	EXPECT_EQ(spans, 1u) << t.text;
}

/* A short call takes its own P back when it returns (exitsyscall's first
 * case): at procs 1 every one of many getppid() calls says kept_p.  The
 * old P stays in the syscall state, not idle, so without the first case
 * none of them could keep a P: each would queue itself and wait for
 * sysmon to take the P back (kept_p false). */
TEST(trace, a_short_call_takes_its_own_p_back)
{
	constexpr int CALLS = 100;
	std::string path = temp_path("own_p");
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			for (int i = 0; i < CALLS; i++)
				EXPECT_GT(gort::blocking(
						  [] { return ::getppid(); }),
					  0);
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 1});
	trace_file t = load(path);
	std::remove(path.c_str());
	size_t spans = 0, kept = 0;
	for (const ev &e : t.events)
		if (e.ph == "X" && e.cat == "syscall") {
			spans++;
			kept += e.kept_p == "true" ? 1 : 0;
		}
	EXPECT_EQ(spans, size_t(CALLS)) << t.text;
	EXPECT_EQ(kept, spans) << t.text;
}

/* A P that runs out of goroutines asks the poller, without blocking,
 * before it gives itself up: at procs 1, main writes a byte to a Unix
 * socket and waits on a channel; the reader parked on the other end is
 * ready by then, and the same P runs it at once.  Were that poll missing,
 * the P would spin, stop ("P stop") and only then find the reader from a
 * blocking poll: one P stop per round. */
TEST(trace, a_p_out_of_work_takes_ready_goroutines_from_the_poller)
{
	constexpr int ROUNDS = 200;
	std::string path = temp_path("poll_nb");
	std::string sock = temp_path("poll_nb_sock");
	std::remove(sock.c_str());
	size_t bytes = 0;
	gort::run(
		[&] {
			auto lr = gort::net::listen("unix", sock);
			ASSERT_FALSE(lr.err);
			gort::net::listener ln = lr.value;
			auto dr = gort::net::dial("unix", sock);
			ASSERT_FALSE(dr.err);
			gort::net::conn c = dr.value;
			auto ar = ln.accept();
			ASSERT_FALSE(ar.err);
			gort::net::conn s = ar.value;
			gort::chan<int> got(0);
			gort::go([&] {
				char buf[1];
				for (int i = 0; i < ROUNDS; i++) {
					auto r = s.read(buf, 1);
					if (r.err)
						break;
					bytes += r.value;
					got.send(i);
				}
				got.close();
			});
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			for (int i = 0; i < ROUNDS; i++) {
				ASSERT_FALSE(c.write("x").err);
				ASSERT_EQ(got.recv(), i);
			}
			ASSERT_TRUE(gort::trace_stop());
			EXPECT_FALSE(got.recv().has_value());
			c.close();
			s.close();
			ln.close();
		},
		gort::config{.procs = 1});
	std::remove(sock.c_str());
	EXPECT_EQ(bytes, size_t(ROUNDS));
	trace_file t = load(path);
	std::remove(path.c_str());
	size_t stops = 0, ready = 0;
	for (const ev &e : t.events) {
		stops += e.cat == "proc" && e.name == "P stop" ? 1 : 0;
		ready +=
			e.cat == "netpoll" && e.name == "netpoll ready" ? 1 : 0;
	}
	/* Each round's reader is woken by the poller; the P rarely stops
	 * (a byte not yet readable when the P looked, a slow sanitizer
	 * build): at most a quarter of the rounds, against all of them
	 * without the poll. */
	EXPECT_GE(ready, size_t(ROUNDS / 2)) << t.text;
	EXPECT_LT(stops, size_t(ROUNDS / 4)) << t.text;
}

TEST(trace, the_memory_cap_drops_events_and_the_file_stays_valid)
{
	::setenv("GORT_TRACE_MAX_MB", "1", 1);
	std::string path = temp_path("cap");
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			gort::wait_group wg;
			wg.add(2);
			for (int k = 0; k < 2; k++)
				gort::go([&] {
					/* ~2 events a yield, 24 bytes each:
					 * far beyond 1 MiB. */
					for (int i = 0; i < 100000; i++)
						gort::yield();
					wg.done();
				});
			wg.wait();
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 1});
	::unsetenv("GORT_TRACE_MAX_MB");
	trace_file t = load(path);
	std::remove(path.c_str());
	std::string dropped = field(t.first, "dropped");
	ASSERT_FALSE(dropped.empty()) << t.first;
	EXPECT_GT(std::stoll(dropped), 0) << t.first;
	EXPECT_EQ(t.last, "]}");
	expect_lanes_disjoint(t);
}

TEST(trace, gort_trace_traces_a_whole_run)
{
	std::string path = temp_path("env");
	::setenv("GORT_TRACE", path.c_str(), 1);
	long long goids[2] = {0, 0};
	gort::run([&] { letters(goids); });
	::unsetenv("GORT_TRACE");
	trace_file t = load(path);
	std::remove(path.c_str());
	EXPECT_EQ(t.last, "]}");
	size_t exits = 0;
	for (const ev &e : t.events)
		exits += e.ph == "X" && e.end == "exit" ? 1 : 0;
	/* The two goroutines and, at the end of run(), main. */
	EXPECT_EQ(exits, 3u) << t.text;
}

TEST(trace, a_goroutine_that_runs_long_after_a_switch_gets_its_time)
{
	/* main blocks in wait() and switches straight to the spinner: a
	 * one-word, unstamped record; the next stamp may come only when the
	 * spinner is preempted or ends, 30 ms later.  The switch must still
	 * be placed at its time, not spread into the gap: the spinner's
	 * spans add up to its 30 ms (however preemption splits them). */
	std::string path = temp_path("gap");
	long long spinner = 0;
	gort::run(
		[&] {
			ASSERT_TRUE(gort::trace_start(path.c_str()));
			gort::wait_group wg;
			wg.add(1);
			gort::go([&] {
				spinner = (long long)gort::goid();
				auto until = std::chrono::steady_clock::now() +
					     std::chrono::milliseconds(30);
				while (std::chrono::steady_clock::now() <
				       until) {
				}
				wg.done();
			});
			wg.wait();
			ASSERT_TRUE(gort::trace_stop());
		},
		gort::config{.procs = 1});
	trace_file t = load(path);
	std::remove(path.c_str());
	double ran = 0;
	for (const ev &e : t.events)
		if (e.ph == "X" && e.cat == "goroutine" && e.goid == spinner)
			ran += e.dur;
	EXPECT_GE(ran, 20000.0) << "G" << spinner << "\n" << t.text;
}
