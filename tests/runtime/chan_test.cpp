/*
 * tests/runtime/chan_test.cpp - channels: Go's semantics (FIFO, direct
 * hand-off, close, nil channels, the panics), the seed's memory-model
 * examples, classic Go programs (prime sieve, daisy chain, fan-in/out,
 * producer/consumer), move-only elements, and plain threads.
 */
#include <gort.h>

#include <atomic>
#include <cstdint>
#include <gtest/gtest.h>

#include "../race_build.h"
#include "proc_util.h"
#include <memory>
#include <string>
#include <thread>
#include <vector>

namespace {

std::string panic_of(void (*f)())
{
	try {
		f();
	} catch (const gort::panic_error &e) {
		return e.what();
	}
	return "";
}

} // namespace

TEST(chan, unbuffered_ping_pong_at_procs_1_and_2)
{
	for (int procs : {1, 2}) {
		long sum = 0;
		gort::run(
			[&] {
				gort::chan<int> ping(0), pong(0);
				gort::go([=] {
					for (auto v = ping.recv(); v;
					     v = ping.recv())
						pong.send(*v + 1);
					pong.close();
				});
				for (int i = 0; i < 10000; i++) {
					ping.send(i);
					sum += *pong.recv();
				}
				ping.close();
				EXPECT_FALSE(pong.recv().has_value());
				gort_test::join_goroutines();
			},
			gort::config{.procs = procs});
		EXPECT_EQ(sum, 10000L * 9999 / 2 + 10000);
	}
}

TEST(chan, buffered_is_fifo_and_reports_len_and_cap)
{
	gort::run([] {
		gort::chan<int> ch(3);
		EXPECT_EQ(ch.cap(), 3u);
		ch.send(1);
		ch.send(2);
		EXPECT_EQ(ch.len(), 2u);
		EXPECT_TRUE(ch.try_send(3));
		EXPECT_FALSE(ch.try_send(4)) << "full";
		EXPECT_EQ(*ch.recv(), 1);
		EXPECT_EQ(*ch.try_recv(), 2);
		EXPECT_EQ(*ch.recv(), 3);
		EXPECT_FALSE(ch.try_recv().has_value()) << "empty";
	});
}

TEST(chan, blocked_senders_are_served_in_order)
{
	std::vector<int> got;
	gort::run(
		[&] {
			gort::chan<int> ch(1);
			ch.send(0); /* full: the next senders block, in order */
			/* By reference: a sender whose value was taken may not
			 * have finished when main returns, and run() discards
			 * it without running destructors (a copy would leak). */
			for (int i = 1; i <= 5; i++) {
				gort::go([&ch, i] { ch.send(i); });
				gort::yield(); /* let it block before the next */
			}
			for (int i = 0; i <= 5; i++)
				got.push_back(*ch.recv());
		},
		gort::config{.procs = 1});
	EXPECT_EQ(got, (std::vector<int>{0, 1, 2, 3, 4, 5}));
}

/* Word-sized plain elements take chan.cpp's buffered fast path, others
 * the general one; both must keep FIFO through the ring's wrap-around,
 * full and empty buffers (blocked senders and receivers) and a close. */
template <typename T>
std::vector<long> through_a_small_ring(int procs)
{
	std::vector<long> got;
	gort::run(
		[&] {
			gort::chan<T> ch(7);
			gort::go([&ch] { /* by reference: see above */
					 for (long i = 0; i < 10000; i++)
						 ch.send(T(i));
					 ch.close();
			});
			for (T v : ch)
				got.push_back(long(v));
		},
		gort::config{.procs = procs});
	return got;
}

struct wide { /* 16 bytes: the general path */
	long v, check;
	explicit wide(long i) : v(i), check(~i) {}
	explicit operator long() const { return check == ~v ? v : -1; }
};

TEST(chan, every_element_size_keeps_fifo_through_a_small_ring)
{
	std::vector<long> want(10000);
	for (long i = 0; i < 10000; i++)
		want[i] = i;
	for (int procs : {1, 2}) {
		EXPECT_EQ(through_a_small_ring<std::int32_t>(procs), want);
		EXPECT_EQ(through_a_small_ring<std::int64_t>(procs), want);
		EXPECT_EQ(through_a_small_ring<std::int16_t>(procs), want);
		EXPECT_EQ(through_a_small_ring<wide>(procs), want);
	}
}

TEST(chan, close_drains_then_ends_a_range)
{
	std::vector<int> got;
	gort::run([&] {
		gort::chan<int> ch(10);
		gort::go([&ch] { /* by reference: see above */
				 for (int i = 0; i < 25; i++)
					 ch.send(i);
				 ch.close();
		});
		for (int v : ch)
			got.push_back(v);
		EXPECT_FALSE(ch.recv().has_value());
		EXPECT_FALSE(ch.try_recv().has_value());
	});
	ASSERT_EQ(got.size(), 25u);
	for (int i = 0; i < 25; i++)
		EXPECT_EQ(got[i], i);
}

TEST(chan, misuse_panics_with_gos_messages)
{
	EXPECT_EQ(panic_of([] {
			  gort::chan<int> ch(1);
			  ch.close();
			  ch.send(1);
		  }),
		  "send on closed channel");
	EXPECT_EQ(panic_of([] {
			  gort::chan<int> ch(0);
			  ch.close();
			  ch.close();
		  }),
		  "close of closed channel");
	EXPECT_EQ(panic_of([] { gort::chan<int>().close(); }),
		  "close of nil channel");
	EXPECT_EQ(panic_of([] {
			  gort::chan<int> ch(1);
			  ch.close();
			  (void)ch.try_send(1);
		  }),
		  "send on closed channel");
}

TEST(chan, a_sender_blocked_when_the_channel_closes_panics)
{
	std::string msg;
	gort::run([&] {
		gort::chan<int> ch(0);
		gort::wait_group wg;
		wg.add(1);
		gort::go([&] {
			try {
				ch.send(1);
			} catch (const gort::panic_error &e) {
				msg = e.what();
			}
			wg.done();
		});
		gort::yield(); /* the sender blocks */
		ch.close();
		wg.wait();
	});
	EXPECT_EQ(msg, "send on closed channel");
}

TEST(chan, nil_channel_try_operations_fail)
{
	gort::chan<int> nil;
	EXPECT_FALSE(nil);
	EXPECT_FALSE(nil.try_send(1));
	EXPECT_FALSE(nil.try_recv().has_value());
	EXPECT_EQ(nil.len(), 0u);
}

TEST(chan_death, receive_on_a_nil_channel_blocks_for_ever)
{
	if (GORT_TEST_EMULATOR[0] != '\0')
		GTEST_SKIP() << "the deadlock report needs a real /proc";
	EXPECT_EXIT(gort::run([] { (void)gort::chan<int>().recv(); }),
		    testing::ExitedWithCode(2),
		    "fatal error: all goroutines are asleep - deadlock!\n\n"
		    "goroutine 1 \\[chan receive \\(nil chan\\)\\]:");
}

TEST(chan, move_only_values)
{
	gort::run([] {
		gort::chan<std::unique_ptr<int>> ch(2);
		ch.send(std::make_unique<int>(7));
		auto p = std::make_unique<int>(8);
		EXPECT_TRUE(ch.try_send(std::move(p)));
		EXPECT_EQ(p, nullptr);
		auto q = std::make_unique<int>(9);
		EXPECT_FALSE(ch.try_send(std::move(q))) << "full";
		EXPECT_NE(q, nullptr) << "not moved from when not sent";
		EXPECT_EQ(**ch.recv(), 7);
		EXPECT_EQ(**ch.recv(), 8);
	});
}

TEST(chan, buffered_values_are_destroyed_with_the_channel)
{
	auto counter = std::make_shared<int>(0);
	{
		gort::chan<std::shared_ptr<int>> ch(4);
		ch.try_send(counter);
		ch.try_send(counter);
		EXPECT_EQ(counter.use_count(), 3);
	}
	EXPECT_EQ(counter.use_count(), 1);
}

/* The seed's happens-before examples: each prints 1, always. */
TEST(chan, seed_memory_model_examples)
{
	for (int round = 0; round < 200; round++) {
		int seen_send = 0, seen_close = 0, seen_unbuffered = 0;
		gort::run(
			[&] {
				int i = 0;
				gort::chan<int> ch(0);
				gort::wait_group wg;
				wg.add(1);
				gort::go([&] {
					(void)ch.recv();
					seen_send = i;
					wg.done();
				});
				i++;
				ch.send(0); /* send happens before the receive */
				wg.wait();

				int j = 0;
				gort::chan<int> done(0);
				wg.add(1);
				gort::go([&] {
					(void)done.recv();
					seen_close = j;
					wg.done();
				});
				j++;
				done.close(); /* close happens before the receive */
				wg.wait();

				int k = 0;
				gort::chan<int> u(0);
				gort::go([&] {
					k = 1;
					(void)u.recv();
				});
				u.send(0); /* unbuffered: receive before send ends */
				seen_unbuffered = k;
			},
			gort::config{.procs = 1 + round % 2});
		ASSERT_EQ(seen_send, 1);
		ASSERT_EQ(seen_close, 1);
		ASSERT_EQ(seen_unbuffered, 1);
	}
}

/* Go's concurrent prime sieve: the first 1,000 primes.  Unlike Go's
 * version it shuts its goroutines down (through done), so that nothing
 * they own outlives the test: run() discards live goroutines without
 * running destructors. */
TEST(chan, concurrent_prime_sieve)
{
	std::vector<int> primes;
	gort::run([&] {
		gort::chan<int> done(0), ch(0);
		gort::wait_group wg;
		wg.add(1);
		gort::go([=, &wg] {
			bool stop = false;
			for (int i = 2; !stop; i++)
				gort::select(gort::send_case(ch, i, [] {}),
					     gort::recv_case(done, [&](auto) {
						     stop = true;
					     }));
			wg.done();
		});
		for (int n = 0; n < 1000; n++) {
			int prime = *ch.recv();
			primes.push_back(prime);
			gort::chan<int> next(0);
			wg.add(1);
			gort::go([in = ch, out = next, done, prime, &wg] {
				bool stop = false;
				while (!stop) {
					std::optional<int> v;
					gort::select(
						gort::recv_case(
							in,
							[&](std::optional<int>
								    x) {
								v = x;
							}),
						gort::recv_case(
							done, [&](auto) {
								stop = true;
							}));
					if (stop || v.value() % prime == 0)
						continue;
					gort::select(
						gort::send_case(out, *v, [] {}),
						gort::recv_case(
							done, [&](auto) {
								stop = true;
							}));
				}
				wg.done();
			});
			ch = next;
		}
		done.close();
		wg.wait();
		gort_test::join_goroutines();
	});
	ASSERT_EQ(primes.size(), 1000u);
	EXPECT_EQ(primes.front(), 2);
	EXPECT_EQ(primes[9], 29);
	EXPECT_EQ(primes.back(), 7919);
}

/* A daisy chain of 100,000 goroutines passing a token along. */
TEST(chan, daisy_chain_of_a_hundred_thousand_goroutines)
{
	/* All alive at once: under qemu-user (mprotect guards, a mapping
	 * limit shared with qemu) the chain is 10,000 long, under the race
	 * detector RACE_LIVE_MAX. */
	const int N = gort_test::RACE_BUILD	      ? gort_test::RACE_LIVE_MAX
		      : GORT_TEST_EMULATOR[0] != '\0' ? 10000
						      : 100000;
	int got = 0;
	gort::run([&] {
		gort::chan<int> leftmost(0);
		gort::chan<int> left = leftmost;
		for (int i = 0; i < N; i++) {
			gort::chan<int> right(0);
			gort::go_with(
				gort::spawn_options{.stack_size = 16 * 1024},
				[left, right] {
					left.send(1 + *right.recv());
				});
			left = right;
		}
		gort::go([left] { left.send(1); });
		got = *leftmost.recv();
		/* Each link still holds its two channels after its send. */
		gort_test::join_goroutines();
	});
	EXPECT_EQ(got, N + 1);
}

/* Fan-out to workers, fan-in of results: nothing lost or duplicated. */
namespace {

void fan_out_fan_in(int procs, int items, int workers)
{
	std::vector<std::atomic<int>> seen(items);
	long total = 0;
	gort::run(
		[&] {
			gort::chan<int> jobs(64), results(64);
			gort::wait_group wg;
			for (int w = 0; w < workers; w++) {
				wg.add(1);
				gort::go([=, &wg] {
					for (int j : jobs)
						results.send(j);
					wg.done();
				});
			}
			gort::go([=, &wg] {
				wg.wait();
				results.close();
			});
			gort::go([=] {
				for (int i = 0; i < items; i++)
					jobs.send(i);
				jobs.close();
			});
			for (int r : results) {
				seen[r]++;
				total++;
			}
			gort_test::join_goroutines();
		},
		gort::config{.procs = procs});
	EXPECT_EQ(total, items);
	for (auto &s : seen)
		ASSERT_EQ(s.load(), 1);
}

} // namespace

TEST(chan, fan_out_fan_in_at_procs_1_2_8)
{
	for (int procs : {1, 2, 8})
		fan_out_fan_in(procs, 20000, 8);
}

TEST(chan_stress, fan_out_fan_in_repeated)
{
	for (int round = 0; round < 10; round++)
		for (int procs : {1, 2, 8})
			fan_out_fan_in(procs, 200000, 16);
}

TEST(chan, plain_threads_and_goroutines_share_channels)
{
	long sum = 0;
	gort::run([&] {
		gort::chan<int> to_thread(0), to_goroutines(4);
		std::thread t([=] {
			/* A plain thread: blocks its thread on the channel. */
			for (int v : to_thread)
				to_goroutines.send(v * 2);
			to_goroutines.close();
		});
		gort::go([=] {
			for (int i = 1; i <= 100; i++)
				to_thread.send(i);
			to_thread.close();
		});
		for (int v : to_goroutines)
			sum += v;
		t.join();
		gort_test::join_goroutines();
	});
	EXPECT_EQ(sum, 2L * 5050);
}
