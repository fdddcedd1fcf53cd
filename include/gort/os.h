/*
 * gort/os.h - blocking calls the runtime offers ready-made: files and
 * child processes.  Each runs inside gort::blocking(), so a slow disk or
 * a long-lived child holds only its own goroutine, never a processor.
 *
 *   auto [text, err] = gort::os::read_file("/etc/hostname");
 *   auto [status, werr] = gort::os::wait_pid(pid);   // Go's cmd.Wait
 *
 * Errors are values (std::error_code from errno), as in gort/net.h.
 */
#pragma once

#include <string>
#include <string_view>
#include <sys/types.h>
#include <system_error>

namespace gort::os {

template <typename T>
struct result {
	T value{};
	std::error_code err;
};

/* The whole content of the file at @path. */
result<std::string> read_file(const std::string &path);

/* Replace the file at @path with @data (created with mode 0644). */
std::error_code write_file(const std::string &path, std::string_view data);

/* Wait for child @pid to end; its wait status (WIFEXITED() and friends
 * apply). */
result<int> wait_pid(pid_t pid);

} // namespace gort::os
