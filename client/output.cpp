#include "client/output.hpp"

#include <unistd.h>

#include <cerrno>

namespace shoal::cli {

namespace {
constexpr std::size_t flush_at = 64 * 1024;
}

output::output(int fd, mode m)
    : fd_(fd),
      unbuffered_(m == mode::unbuffered),
      line_buffered_(m == mode::buffered && ::isatty(fd) == 1) {}

output::~output() { flush(); }

void output::append(std::string_view s) {
  text_ += s;
  if (fd_ < 0) return;
  if (unbuffered_ || text_.size() >= flush_at ||
      (line_buffered_ && s.find('\n') != std::string_view::npos))
    flush();
}

void output::flush() {
  if (fd_ < 0) return;
  std::size_t done = 0;
  while (done < text_.size() && !failed_) {
    ssize_t n = ::write(fd_, text_.data() + done, text_.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      failed_ = true;
      break;
    }
    done += static_cast<std::size_t>(n);
  }
  text_.clear();
}

}  // namespace shoal::cli
