// A stand-in for shoald in the CLI's unit tests: accepts one connection on a private socket
// and answers each request line as the test says (in any order, or not at all); after that
// connection it is gone.
// Every blocking call is bounded by a receive/send timeout, so a broken client cannot hang
// the test run.
#pragma once

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "common/protocol.hpp"

namespace shoal::test {

// What the fake says after each request: lines to write back now (maybe none yet), and
// whether to hang up afterwards.
struct fake_answer {
  std::vector<std::string> lines;
  bool hang_up = false;
};

class fake_daemon {
 public:
  // Called after every request with all requests so far.
  using answer_fn = std::function<fake_answer(const std::vector<json>&)>;

  explicit fake_daemon(answer_fn answer) {
    char tmpl[] = "/tmp/shoal-cli-test.XXXXXX";
    dir_ = ::mkdtemp(tmpl) ? tmpl : "";
    path_ = dir_ + "/s.sock";
    listener_ = ::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    std::strncpy(addr.sun_path, path_.c_str(), sizeof addr.sun_path - 1);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listener_, 4);
    server_ = std::thread([this, answer = std::move(answer)] { serve(answer); });
  }

  // Answers nothing until `n` requests have come, then all at once with `lines`.
  static answer_fn batch(std::size_t n,
                         std::function<std::vector<std::string>(const std::vector<json>&)> lines) {
    return [n, lines = std::move(lines)](const std::vector<json>& req) {
      if (req.size() < n) return fake_answer{};
      return fake_answer{lines(req), true};
    };
  }

  // For verbs that take TARGETs: answers the first request (the CLI's `status` that expands
  // them) with a record per name in `expanded`, then behaves as batch(n, lines) over the
  // requests that follow it.
  static answer_fn expanding(
      std::vector<std::string> expanded, std::size_t n,
      std::function<std::vector<std::string>(const std::vector<json>&)> lines) {
    return [expanded = std::move(expanded), n,
            lines = std::move(lines)](const std::vector<json>& req) {
      if (req.size() == 1) {
        json processes = json::array();
        for (const auto& name : expanded)
          processes.push_back({{"name", name}, {"state", "running"}});
        return fake_answer{{to_line(make_ok_reply(req[0].at("id"), {{"processes", processes}}))},
                           false};
      }
      std::vector<json> rest(req.begin() + 1, req.end());
      if (rest.size() < n) return fake_answer{};
      return fake_answer{lines(rest), true};
    };
  }

  ~fake_daemon() {
    // Unblocks accept() when the client never came.
    ::shutdown(listener_, SHUT_RDWR);
    server_.join();
    ::close(listener_);
    ::unlink(path_.c_str());
    ::rmdir(dir_.c_str());
  }

  fake_daemon(const fake_daemon&) = delete;
  fake_daemon& operator=(const fake_daemon&) = delete;

  const std::string& path() const { return path_; }
  std::vector<json> requests() const {
    std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void serve(const answer_fn& answer) {
    int fd = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) return;
    timeval tv{5, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
    std::string buffer;
    // Bounded: every pass consumes a line or receives bytes, and a silent client times out.
    for (bool open = true; open;) {
      auto nl = buffer.find('\n');
      if (nl == std::string::npos) {
        char chunk[4096];
        ssize_t n = ::recv(fd, chunk, sizeof chunk, 0);
        if (n <= 0) break;
        buffer.append(chunk, static_cast<std::size_t>(n));
        continue;
      }
      std::vector<json> so_far;
      {
        std::lock_guard lock(mutex_);
        requests_.push_back(json::parse(buffer.substr(0, nl), nullptr, false));
        so_far = requests_;
      }
      buffer.erase(0, nl + 1);
      fake_answer a;
      try {
        a = answer(so_far);
      } catch (...) {
        a.hang_up = true;
      }
      for (const auto& line : a.lines)
        if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) < 0) break;
      open = !a.hang_up;
    }
    ::close(fd);
    // Gone, as a daemon that hung up is: a client that connects again is refused, not queued
    // for an accept that never comes.
    ::unlink(path_.c_str());
  }

  std::string dir_;
  std::string path_;
  int listener_ = -1;
  mutable std::mutex mutex_;
  std::vector<json> requests_;
  std::thread server_;
};

inline std::string reply_line(const json& request, json result) {
  return to_line(make_ok_reply(request.at("id"), std::move(result)));
}

inline std::string error_line(const json& request, errc code, std::string message) {
  return to_line(make_error_reply(request.at("id"), status{code, std::move(message)}));
}

}  // namespace shoal::test
