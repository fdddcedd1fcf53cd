/*
 * bench/scenarios/sched_gort.cpp - see sched_gort.h.
 */
#include "sched_gort.h"

#include "scenarios.h"

#include <gort.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <linux/futex.h>
#include <mutex>
#include <pthread.h>
#include <sys/syscall.h>
#include <thread>
#include <unistd.h>
#include <vector>

namespace gort_bench {

std::uint64_t yield_gort(std::uint64_t rounds, const char *trace_path)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::wait_group wg;
			wg.add(2);
			auto body = [&] {
				for (std::uint64_t i = 0; i < rounds; i++)
					gort::yield();
				wg.done();
			};
			if (trace_path != nullptr)
				gort::trace_start(trace_path);
			std::uint64_t t0 = now_ns();
			gort::go(body);
			gort::go(body);
			wg.wait();
			ns = now_ns() - t0;
			if (trace_path != nullptr)
				gort::trace_stop();
		},
		gort::config{.procs = 1});
	return ns;
}

std::uint64_t spawn_join_gort(std::uint64_t n, int procs)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::wait_group wg;
			std::uint64_t t0 = now_ns();
			wg.add(int(n));
			for (std::uint64_t i = 0; i < n; i++)
				gort::go([&] { wg.done(); });
			wg.wait();
			ns = now_ns() - t0;
		},
		gort::config{.procs = procs});
	return ns;
}

std::uint64_t wake_gort(std::uint64_t rounds, int procs)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::wait_group a, b, done;
			a.add(1);
			b.add(1);
			done.add(2);
			std::uint64_t t0 = now_ns();
			gort::go([&] {
				for (std::uint64_t i = 0; i < rounds; i++) {
					b.done(); /* wake the other */
					a.wait(); /* park until woken */
					a.add(1);
				}
				done.done();
			});
			gort::go([&] {
				for (std::uint64_t i = 0; i < rounds; i++) {
					b.wait();
					b.add(1);
					a.done();
				}
				done.done();
			});
			done.wait();
			ns = now_ns() - t0;
		},
		gort::config{.procs = procs});
	return ns;
}

std::uint64_t chan_pingpong_gort(std::uint64_t rounds, int procs,
				 const char *trace_path)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::chan<int> ping(0), pong(0);
			gort::go([=] {
				for (int v : ping)
					pong.send(v);
				pong.close();
			});
			ping.send(
				0); /* the replier runs before the clock starts */
			(void)pong.recv();
			if (trace_path != nullptr)
				gort::trace_start(trace_path);
			std::uint64_t t0 = now_ns();
			for (std::uint64_t i = 0; i < rounds; i++) {
				ping.send(1);
				(void)pong.recv();
			}
			ns = now_ns() - t0;
			if (trace_path != nullptr)
				gort::trace_stop();
			ping.close();
			(void)pong.recv();
		},
		gort::config{.procs = procs});
	return ns;
}

std::uint64_t chan_buffered_gort(std::uint64_t items, int procs)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::chan<int> ch(128), done(0);
			gort::go([=] {
				for (int v : ch)
					(void)v;
				done.close();
			});
			std::uint64_t t0 = now_ns();
			for (std::uint64_t i = 0; i < items; i++)
				ch.send(int(i));
			ch.close();
			(void)done.recv();
			ns = now_ns() - t0;
		},
		gort::config{.procs = procs});
	return ns;
}

std::uint64_t select4_gort(std::uint64_t items, int procs)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::chan<int> c0(128), c1(128), c2(128), c3(128);
			gort::go([=] {
				const gort::chan<int> *cs[4] = {&c0, &c1, &c2,
								&c3};
				for (std::uint64_t i = 0; i < items; i++)
					cs[i % 4]->send(int(i));
			});
			auto any = [](std::optional<int>) {
			};
			std::uint64_t t0 = now_ns();
			for (std::uint64_t n = 0; n < items; n++)
				gort::select(gort::recv_case(c0, any),
					     gort::recv_case(c1, any),
					     gort::recv_case(c2, any),
					     gort::recv_case(c3, any));
			ns = now_ns() - t0;
		},
		gort::config{.procs = procs});
	return ns;
}

std::uint64_t fanout1000_gort(int fans, int procs)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			std::uint64_t t0 = now_ns();
			for (int f = 0; f < fans; f++) {
				gort::wait_group wg;
				wg.add(1000);
				for (int i = 0; i < 1000; i++)
					gort::go([&] { wg.done(); });
				wg.wait();
			}
			ns = now_ns() - t0;
		},
		gort::config{.procs = procs});
	return ns;
}

std::uint64_t mutex_contended_gort(std::uint64_t ops, int gs)
{
	std::uint64_t ns = 0;
	gort::run(
		[&] {
			gort::mutex mu;
			gort::wait_group wg;
			long counter = 0;
			std::uint64_t t0 = now_ns();
			for (int g = 0; g < gs; g++) {
				wg.add(1);
				gort::go([&] {
					for (std::uint64_t i = 0; i < ops / gs;
					     i++) {
						mu.lock();
						counter++;
						mu.unlock();
					}
					wg.done();
				});
			}
			wg.wait();
			ns = now_ns() - t0;
		},
		gort::config{.procs = 2});
	return ns;
}

std::uint64_t mutex_contended_std(std::uint64_t ops, int threads)
{
	std::mutex mu;
	long counter = 0;
	std::vector<std::thread> ts;
	std::uint64_t t0 = now_ns();
	for (int t = 0; t < threads; t++)
		ts.emplace_back([&] {
			for (std::uint64_t i = 0; i < ops / threads; i++) {
				mu.lock();
				counter++;
				mu.unlock();
			}
		});
	for (auto &t : ts)
		t.join();
	return now_ns() - t0;
}

static long status_kb(const char *name)
{
	FILE *f = std::fopen("/proc/self/status", "r");
	char line[256];
	long v = 0;
	size_t len = std::strlen(name);
	while (f != nullptr && std::fgets(line, sizeof(line), f) != nullptr)
		if (std::strncmp(line, name, len) == 0 && line[len] == ':')
			v = std::strtol(line + len + 1, nullptr, 10);
	if (f != nullptr)
		std::fclose(f);
	return v;
}

double park_memory_gort(int n)
{
	double per = 0;
	gort::run([&] {
		gort::chan<int> ch(0);
		gort::wait_group started;
		started.add(n);
		long before = status_kb("VmRSS") + status_kb("VmPTE");
		for (int i = 0; i < n; i++)
			gort::go([&] {
				started.done();
				(void)ch.recv();
			});
		started.wait();
		long after = status_kb("VmRSS") + status_kb("VmPTE");
		per = double(after - before) * 1024.0 / n;
		ch.close();
	});
	return per;
}

lateness_gort sleep_lateness_gort(int sleeps)
{
	std::vector<double> late;
	gort::run([&] {
		for (int i = 0; i < sleeps; i++) {
			std::uint64_t t0 = now_ns();
			gort::sleep(std::chrono::milliseconds(1));
			late.push_back(double(now_ns() - t0) / 1000.0 - 1000.0);
		}
	});
	std::sort(late.begin(), late.end());
	return {late[late.size() / 2], late.back()};
}

static long rss_bytes()
{
	long total = 0, rss = 0;
	FILE *f = std::fopen("/proc/self/statm", "r");
	if (f == nullptr)
		return 0;
	if (std::fscanf(f, "%ld %ld", &total, &rss) != 2)
		rss = 0;
	std::fclose(f);
	return rss * sysconf(_SC_PAGESIZE);
}

double idle_goroutine_bytes(int n)
{
	double per = 0;
	gort::run([&] {
		gort::wait_group release, started;
		release.add(1);
		started.add(n);
		long before = rss_bytes();
		for (int i = 0; i < n; i++)
			gort::go([&] {
				started.done();
				release.wait(); /* idle until told */
			});
		started.wait();
		per = double(rss_bytes() - before) / n;
		release.done();
	});
	return per;
}

namespace {

std::atomic<std::uint32_t> g_release{0};

void *idle_thread(void *)
{
	while (g_release.load() == 0)
		syscall(SYS_futex,
			reinterpret_cast<std::uint32_t *>(&g_release),
			FUTEX_WAIT_PRIVATE, 0, nullptr, nullptr, 0);
	return nullptr;
}

} // namespace

double idle_pthread_bytes(int n, int *created)
{
	g_release.store(0);
	std::vector<pthread_t> ts;
	ts.reserve(n);
	long before = rss_bytes();
	for (int i = 0; i < n; i++) {
		pthread_t t;
		if (pthread_create(&t, nullptr, idle_thread, nullptr) != 0)
			break;
		ts.push_back(t);
	}
	long after = rss_bytes();
	*created = int(ts.size());
	g_release.store(1);
	syscall(SYS_futex, reinterpret_cast<std::uint32_t *>(&g_release),
		FUTEX_WAKE_PRIVATE, 1 << 30, nullptr, nullptr, 0);
	for (pthread_t t : ts)
		pthread_join(t, nullptr);
	return ts.empty() ? 0 : double(after - before) / double(ts.size());
}

} // namespace gort_bench
