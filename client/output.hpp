// Where the CLI's text goes: `out << "started " << name << "\n"`, as with iostreams, to a
// descriptor or, in tests, to a string. shoal keeps off iostreams: their static start-up and
// locale code were a sixth of the CPU of a whole `shoal ping` (docs/performance.md).
//
// Buffered as stdio buffers: the standard output of a terminal is written at each line,
// anything else when flush() is called (or at 64 KiB, or at the end); an unbuffered output
// (the standard error) writes at each <<.
#pragma once

#include <charconv>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

namespace shoal::cli {

class output {
 public:
  enum class mode { buffered, unbuffered };
  // Text for `fd`; line by line when `fd` is a terminal and `m` is buffered.
  output(int fd, mode m);
  // Text kept in memory, for str().
  output() = default;
  ~output();
  output(const output&) = delete;
  output& operator=(const output&) = delete;

  output& operator<<(std::string_view s) {
    append(s);
    return *this;
  }
  output& operator<<(const char* s) { return *this << std::string_view(s); }
  output& operator<<(const std::string& s) { return *this << std::string_view(s); }
  output& operator<<(char c) { return *this << std::string_view(&c, 1); }
  template <class T>
  requires std::integral<T> &&(!std::same_as<T, char>)&&(!std::same_as<T, bool>)output& operator<<(
      T value) {
    char buf[24];
    auto end = std::to_chars(buf, buf + sizeof buf, value).ptr;
    return *this << std::string_view(buf, static_cast<std::size_t>(end - buf));
  }

  // Writes what is buffered. A write that fails (a closed pipe whose SIGPIPE is ignored)
  // drops the text, as a stream in a failed state would.
  void flush();
  // What was written, for an output in memory.
  const std::string& str() const { return text_; }

 private:
  void append(std::string_view s);

  int fd_ = -1;  // -1: in memory
  bool unbuffered_ = false;
  bool line_buffered_ = false;
  bool failed_ = false;
  std::string text_;
};

}  // namespace shoal::cli
