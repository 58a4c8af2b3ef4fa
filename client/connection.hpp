// One blocking connection to shoald: newline-delimited JSON over an AF_UNIX stream socket
// (docs/protocol.md). Replies may come out of order; `call` waits for the one it wants and
// keeps the others for later `receive`s.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>

#include "common/protocol.hpp"
#include "common/status.hpp"
#include "common/unique_fd.hpp"

namespace shoal::cli {

// A reply line may exceed the request limit: a `logs` chunk of up to 1 MiB grows when its
// bytes are escaped (\u0000 is 6 bytes) or replaced by U+FFFD (3 bytes).
inline constexpr std::size_t max_reply_bytes = 8 * max_line_bytes;

// Whether `reply` answers the request `id`: it carries that id, or it is a refusal of the
// whole connection (id null, ok false: access refused, a line too long), which answers every
// request on it.
bool answers(const json& reply, const json& id);
bool is_connection_refusal(const json& reply);

class connection {
 public:
  // Connects to the daemon at `path`. On failure the message names the path, the errno text
  // and how to start the daemon.
  static result<connection> open(const std::string& path);
  // Takes over a connected stream socket (a socketpair in tests); `label` names the peer.
  static connection adopt(unique_fd fd, std::string label);

  connection(connection&&) noexcept = default;
  connection& operator=(connection&&) noexcept = default;

  // Sends `request` with a fresh integer "id" (replacing any it had) and returns that id.
  result<json> send(json request);
  // The next reply, in the order the daemon sent them (held-back replies first).
  result<json> receive();
  // send + wait for the reply that carries the same id.
  result<json> call(json request);

  const std::string& path() const { return path_; }

  // For a caller that waits in poll(2): the socket, and whether a whole reply is already
  // here (poll would not say so, its bytes having been read with an earlier one).
  int native_handle() const { return fd_.get(); }
  bool has_buffered_reply() const {
    return !held_.empty() || refusal_ || buffer_.find('\n', scanned_) != std::string::npos;
  }

 private:
  connection(unique_fd fd, std::string path) : fd_(std::move(fd)), path_(std::move(path)) {}
  result<json> read_reply();
  // After a failed write: reads what the daemon sent before it hung up; true when that holds
  // a refusal of the connection (kept in refusal_), false when there is none.
  bool take_waiting_refusal();

  unique_fd fd_;
  std::string path_;
  std::string buffer_;       // bytes received but not yet consumed as lines
  std::size_t scanned_ = 0;  // prefix of buffer_ already known to hold no '\n'
  std::int64_t next_id_ = 1;
  std::deque<json> held_;        // replies that arrived while `call` waited for another id
  std::optional<json> refusal_;  // the daemon refused the connection: every answer is this
};

}  // namespace shoal::cli
