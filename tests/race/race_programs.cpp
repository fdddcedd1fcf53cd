/*
 * tests/race/race_programs.cpp - the seed notes' data-race and
 * happens-before programs (and a few more), for the race-detector build:
 * `race_programs <name> <procs>` runs one and prints what it computed.
 * tests/race/race_test.cpp runs each and checks ThreadSanitizer's
 * verdict: a report exactly where the Go memory model leaves two
 * accesses unordered.
 */
#include <gort.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>

namespace {

/* Written and read through a pointer the compiler cannot see through,
 * so that every access is a real load or store. */
int *volatile shared = nullptr;

void bump()
{
	(*shared)++;
}

/* The seed's data race: two goroutines, i++ each. */
void seed_data_race()
{
	gort::wait_group wg;
	wg.add(2);
	gort::go([&] {
		bump();
		wg.done();
	});
	gort::go([&] {
		bump();
		wg.done();
	});
	wg.wait();
}

/* "Creating a goroutine happens before the goroutine's execution
 * begins": write, then go() a goroutine that writes: clean. */
void go_statement_orders()
{
	*shared = 0;
	gort::wait_group wg;
	wg.add(1);
	gort::go([&] {
		bump();
		wg.done();
	});
	wg.wait();
}

/* "The exit of a goroutine isn't guaranteed to happen before any event":
 * reading without waiting races. */
void exit_orders_nothing()
{
	std::atomic<bool> finished{false};
	gort::go([&] {
		bump();
		finished = true;
	});
	while (!finished.load(std::memory_order_relaxed))
		gort::yield();
	std::printf("%d\n", *shared); /* no happens-before edge */
}

/* A send happens before the matching receive completes, and a close
 * before a receive that returns because of it: clean either way. */
void ordered_by_the_channel(bool close)
{
	gort::chan<int> ch(0);
	gort::wait_group wg;
	wg.add(1);
	gort::go([&] {
		(void)ch.recv();
		std::printf("%d\n", *shared);
		wg.done();
	});
	bump();
	if (close)
		ch.close();
	else
		ch.send(1);
	wg.wait();
}

/* A receive from an unbuffered channel happens before the send
 * completes: clean.  With capacity 1 it does not: the seed calls that
 * program racy.  The goroutine's end is awaited afterwards, so that both
 * accesses happen whatever the schedule. */
void receive_before_send_completes(unsigned cap)
{
	gort::chan<int> ch(cap);
	gort::wait_group wg;
	wg.add(1);
	gort::go([&] {
		*shared = 1;
		(void)ch.recv();
		wg.done();
	});
	ch.send(1);
	std::printf("%d\n", *shared);
	wg.wait();
}

/* The k-th receive happens before the (k+C)-th send completes (Go's
 * counting-semaphore rule): with capacity 1, the goroutine's write
 * before its first receive happens before main's second send returns.
 * Clean, whether that send blocked on the full buffer or found room. */
void kth_receive_before_send_k_plus_cap()
{
	gort::chan<int> ch(1);
	gort::wait_group wg;
	wg.add(1);
	ch.send(1); /* fills the buffer */
	gort::go([&] {
		*shared = 1;
		(void)ch.recv(); /* receive 1 */
		wg.done();
	});
	ch.send(2); /* send 1 + C */
	std::printf("%d\n", *shared);
	wg.wait();
}

/* The same counter, three correct ways: clean. */
void counter_with_mutex()
{
	gort::mutex mu;
	gort::wait_group wg;
	for (int k = 0; k < 4; k++) {
		wg.add(1);
		gort::go([&] {
			for (int i = 0; i < 100; i++) {
				std::lock_guard<gort::mutex> g(mu);
				bump();
			}
			wg.done();
		});
	}
	wg.wait();
	std::printf("%d\n", *shared);
}

void counter_with_channel()
{
	gort::chan<int> token(1);
	token.send(0);
	gort::wait_group wg;
	for (int k = 0; k < 4; k++) {
		wg.add(1);
		gort::go([&] {
			for (int i = 0; i < 100; i++) {
				(void)token.recv();
				bump();
				token.send(0);
			}
			wg.done();
		});
	}
	wg.wait();
	std::printf("%d\n", *shared);
}

void counter_with_atomic()
{
	std::atomic<int> n{0};
	gort::wait_group wg;
	for (int k = 0; k < 4; k++) {
		wg.add(1);
		gort::go([&] {
			for (int i = 0; i < 100; i++)
				n.fetch_add(1);
			wg.done();
		});
	}
	wg.wait();
	std::printf("%d\n", n.load());
}

/* Results read after wait_group::wait(): clean. */
void join_then_read()
{
	int results[4] = {};
	gort::wait_group wg;
	for (int k = 0; k < 4; k++) {
		wg.add(1);
		gort::go([&, k] {
			results[k] = k * k;
			wg.done();
		});
	}
	wg.wait();
	std::printf("%d\n", results[0] + results[1] + results[2] + results[3]);
}

/* Results read before waiting: reported. */
void read_before_join()
{
	int results[4] = {};
	gort::wait_group wg;
	std::atomic<int> ended{0};
	for (int k = 0; k < 4; k++) {
		wg.add(1);
		gort::go([&, k] {
			results[k] = k * k;
			ended++;
			wg.done();
		});
	}
	while (ended.load(std::memory_order_relaxed) < 4)
		gort::yield();
	std::printf("%d\n", results[0] + results[1] + results[2] + results[3]);
	wg.wait();
}

struct program {
	const char *name;
	void (*run)();
};

const program programs[] = {
	{"seed_data_race", seed_data_race},
	{"go_statement_orders", go_statement_orders},
	{"exit_orders_nothing", exit_orders_nothing},
	{"send_before_receive",
	 [] {
		 ordered_by_the_channel(false);
	 }},
	{"close_before_receive",
	 [] {
		 ordered_by_the_channel(true);
	 }},
	{"unbuffered_receive_before_send_completes",
	 [] {
		 receive_before_send_completes(0);
	 }},
	{"buffered_receive_does_not_order_the_send",
	 [] {
		 receive_before_send_completes(1);
	 }},
	{"kth_receive_before_send_k_plus_cap",
	 kth_receive_before_send_k_plus_cap},
	{"counter_with_mutex", counter_with_mutex},
	{"counter_with_channel", counter_with_channel},
	{"counter_with_atomic", counter_with_atomic},
	{"join_then_read", join_then_read},
	{"read_before_join", read_before_join},
};

} // namespace

int main(int argc, char **argv)
{
	if (argc != 3) {
		std::fprintf(stderr, "usage: race_programs <name> <procs>\n");
		return 2;
	}
	for (const program &p : programs) {
		if (std::strcmp(p.name, argv[1]) != 0)
			continue;
		int value = 0;
		shared = &value;
		gort::run(p.run, gort::config{.procs = std::atoi(argv[2])});
		return 0;
	}
	std::fprintf(stderr, "race_programs: no program '%s'\n", argv[1]);
	return 2;
}
