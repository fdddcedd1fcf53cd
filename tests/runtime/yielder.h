/*
 * tests/runtime/yielder.h - work that waits for the P: a goroutine that
 * counts its turns and yields until stopped.  Tests use it to keep a
 * runnable goroutine queued (so that sysmon asks a long runner to yield,
 * or a handed-off P has something to run) and to see when it ran.
 */
#pragma once

#include <gort.h>

#include <atomic>

namespace gort_test {

/* Create inside run(); stop() (or the destructor) waits for it to end,
 * before run()'s function returns. */
class yielder {
public:
	yielder()
	{
		wg_.add(1);
		gort::go([this] {
			while (!stop_.load()) {
				turns_++;
				gort::yield();
			}
			wg_.done();
		});
	}
	~yielder() { stop(); }
	yielder(const yielder &) = delete;
	yielder &operator=(const yielder &) = delete;

	/* How many times it has run so far. */
	long turns() const { return turns_.load(); }
	void stop()
	{
		if (!stop_.exchange(true))
			wg_.wait();
	}

private:
	std::atomic<bool> stop_{false};
	std::atomic<long> turns_{0};
	gort::wait_group wg_;
};

} // namespace gort_test
