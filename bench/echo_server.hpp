// The control-path baseline: a thread that accepts one AF_UNIX stream connection and writes
// back every byte it reads, so that a line round trip costs two syscalls and two wake-ups on
// each side and nothing else.
#pragma once

#include <memory>
#include <string>
#include <thread>

#include "common/status.hpp"
#include "common/unique_fd.hpp"

namespace shoal::bench {

class echo_server {
 public:
  // Listens on `path` (which must not exist yet) and serves one connection in a thread.
  static result<std::unique_ptr<echo_server>> start(const std::string& path);
  // Joins the thread; the client must have closed its end first.
  ~echo_server();

 private:
  explicit echo_server(unique_fd listener) : listener_(std::move(listener)) {}
  void serve();
  unique_fd listener_;
  std::thread thread_;
};

}  // namespace shoal::bench
