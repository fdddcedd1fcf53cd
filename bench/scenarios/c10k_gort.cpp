/*
 * bench/scenarios/c10k_gort.cpp - the goroutine side of the C10k
 * scenario (see c10k.h): N goroutines, each parked in a receive on its
 * own unbuffered channel, then one token sent down the chain.
 *
 * A goroutine has no kernel stack of its own: the runtime's few threads
 * (one per processor, plus sysmon) are there before the first goroutine
 * and do not grow with N, so they are outside the figure.  If gort::go()
 * cannot get a stack (it throws panic_error saying why), the goroutines
 * made so far are measured and released, as the thread side does.
 */
#include "c10k.h"

#include "scenarios.h"

#include <gort.h>

#include <cstdio>
#include <cstring>
#include <vector>

namespace gort_bench {

void c10k_gort(int n, c10k_result *r)
{
	std::memset(r, 0, sizeof(*r));
	r->n = n;
	r->kstack_meminfo_bytes = -1;
	if (n <= 0)
		return;
	gort::run([&] {
		/* Mailboxes first: box[i] feeds goroutine i; main receives
		 * from box[made]. */
		std::vector<gort::chan<int>> box;
		box.reserve(std::size_t(n) + 1);
		for (int i = 0; i <= n; i++)
			box.emplace_back(0);
		gort::wait_group started, finished;
		r->procs = gort::procs();

		long rss0 = proc_kb_bytes("/proc/self/status", "VmRSS");
		long pte0 = proc_kb_bytes("/proc/self/status", "VmPTE");
		long ks0 = proc_kb_bytes("/proc/meminfo", "KernelStack");
		std::uint64_t t0 = now_ns();
		int made = 0;
		for (; made < n; made++) {
			started.add(1);
			finished.add(1);
			try {
				gort::go(
					[&box, &started, &finished](int i) {
						started.done();
						std::optional<int> v =
							box[std::size_t(i)]
								.recv();
						box[std::size_t(i) + 1].send(
							v ? *v + 1 : -1);
						finished.done();
					},
					made);
			} catch (const gort::panic_error &e) {
				started.add(-1);
				finished.add(-1);
				std::snprintf(r->stopped_by,
					      sizeof(r->stopped_by),
					      "gort::go: %s", e.what());
				break;
			}
		}
		started.wait();
		std::uint64_t t1 = now_ns();
		long rss1 = proc_kb_bytes("/proc/self/status", "VmRSS");
		long pte1 = proc_kb_bytes("/proc/self/status", "VmPTE");
		long ks1 = proc_kb_bytes("/proc/meminfo", "KernelStack");

		std::uint64_t t2 = now_ns();
		if (made > 0) {
			box[0].send(0);
			(void)box[std::size_t(made)].recv();
		}
		std::uint64_t t3 = now_ns();
		finished.wait();

		r->made = made;
		r->start_ns = double(t1 - t0);
		r->message_ns = double(t3 - t2);
		r->rss_bytes = rss1 - rss0;
		r->pte_bytes = pte1 - pte0;
		r->kstack_bytes = 0;
		if (ks0 >= 0 && ks1 >= 0)
			r->kstack_meminfo_bytes = ks1 - ks0;
	});
}

} // namespace gort_bench
