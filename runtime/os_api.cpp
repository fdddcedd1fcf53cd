/*
 * runtime/os_api.cpp - gort/os.h: file and child-process calls, each
 * wrapped in blocking() so that its goroutine's P is handed off if the
 * call takes a while.  Regular files are always "ready" to epoll, so the
 * poller cannot help here; a thread per blocked call is the only way.
 */
#include <gort/blocking.h>
#include <gort/os.h>

#include <cerrno>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

namespace gort::os {

static std::error_code errno_code()
{
	return {errno, std::system_category()};
}

result<std::string> read_file(const std::string &path)
{
	result<std::string> r;
	r.err = blocking([&]() -> std::error_code {
		int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return errno_code();
		/* Straight into the string, not through a buffer on the
		 * goroutine's stack, which is only 128 KiB by default. */
		constexpr std::size_t chunk = 65536;
		for (;;) {
			std::size_t len = r.value.size();
			r.value.resize(len + chunk);
			ssize_t n = ::read(fd, r.value.data() + len, chunk);
			r.value.resize(len + (n > 0 ? std::size_t(n) : 0));
			if (n > 0)
				continue;
			if (n < 0 && errno == EINTR)
				continue;
			std::error_code e =
				n < 0 ? errno_code() : std::error_code{};
			::close(fd);
			return e;
		}
	});
	return r;
}

std::error_code write_file(const std::string &path, std::string_view data)
{
	return blocking([&]() -> std::error_code {
		int fd = ::open(path.c_str(),
				O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0)
			return errno_code();
		std::size_t done = 0;
		while (done < data.size()) {
			ssize_t n = ::write(fd, data.data() + done,
					    data.size() - done);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				std::error_code e = errno_code();
				::close(fd);
				return e;
			}
			done += std::size_t(n);
		}
		if (::close(fd) != 0)
			return errno_code();
		return {};
	});
}

result<int> wait_pid(pid_t pid)
{
	result<int> r;
	/* A child may live for ever: hand the P off at once. */
	r.err = blocking_long([&]() -> std::error_code {
		for (;;) {
			if (::waitpid(pid, &r.value, 0) == pid)
				return {};
			if (errno != EINTR)
				return errno_code();
		}
	});
	return r;
}

} // namespace gort::os
