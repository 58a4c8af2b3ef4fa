// Runs a program in the foreground on behalf of a verb that must outlive it and act on it
// before it runs (`lock run` takes the lock for the program's pid, then releases after it):
// the program is forked at once but held before its exec until run() lets it go; signals
// meant for it reach it; its status comes back in the shell's terms.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>
#include "client/output.hpp"

#include "common/status.hpp"

namespace shoal::cli {

class held_command {
 public:
  // Forks the child for `argv` (searched in PATH, this process's environment), which waits.
  static result<held_command> start(const std::vector<std::string>& argv);
  held_command(held_command&& other) noexcept;
  held_command& operator=(held_command&&) = delete;
  held_command(const held_command&) = delete;
  // A child never let go exits without running anything, and is reaped.
  ~held_command();

  pid_t pid() const { return pid_; }
  // Lets the program run and waits until it has ended. SIGINT, SIGTERM, SIGHUP and SIGQUIT
  // sent to us meanwhile are forwarded to it; it starts with their default dispositions.
  // The child is left a zombie, so its pid names nobody else while the caller acts on its
  // end; reap() collects it. Returns its exit status, 128+N when signal N killed it, 127 when
  // it was not found and 126 when it could not be run (the reason printed on `err`).
  int run(output& err);
  void reap();

 private:
  held_command(pid_t pid, int go, int exec_failed, std::string program)
      : pid_(pid), go_(go), exec_failed_(exec_failed), program_(std::move(program)) {}
  pid_t pid_ = 0;
  int go_ = -1;           // write end: one byte lets the child exec, EOF makes it give up
  int exec_failed_ = -1;  // read end: the errno of a failed exec, or EOF once it succeeded
  std::string program_;
  bool reaped_ = false;
};

}  // namespace shoal::cli
