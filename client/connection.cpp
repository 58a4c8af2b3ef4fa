#include "client/connection.hpp"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace shoal::cli {
namespace {

status unreachable(const std::string& path, const std::string& why) {
  // root runs the system instance; anyone else their own (systemd/user/shoald.service).
  std::string unit = ::geteuid() == 0 ? "systemctl start shoald" : "systemctl --user start shoald";
  return status{errc::internal, "cannot connect to shoald at " + path + ": " + why +
                                    "\nstart it with 'shoald --socket " + path + "' (or '" + unit +
                                    "'), or point --socket / SHOAL_SOCKET at it"};
}

// Not "start shoald": it runs, but this user may not open its socket.
status forbidden(const std::string& path) {
  return status{errc::internal,
                "cannot connect to shoald at " + path +
                    ": permission denied on that socket (or a directory above it)\n"
                    "its administrator can let your group in with 'shoald --allow-group GROUP' "
                    "and a socket file of that group (see docs/service.md)"};
}

}  // namespace

bool answers(const json& reply, const json& id) {
  auto it = reply.find("id");
  if (it == reply.end()) return false;
  return *it == id || is_connection_refusal(reply);
}

bool is_connection_refusal(const json& reply) {
  auto id = reply.find("id");
  auto ok = reply.find("ok");
  return id != reply.end() && id->is_null() && ok != reply.end() && *ok == false;
}

result<connection> connection::open(const std::string& path) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  if (path.empty()) return unreachable(path, "the socket path is empty");
  if (path.size() >= sizeof addr.sun_path)
    return unreachable(path, "the socket path is longer than " +
                                 std::to_string(sizeof addr.sun_path - 1) + " bytes");
  std::memcpy(addr.sun_path, path.data(), path.size());

  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return unreachable(path, std::string("socket: ") + std::strerror(errno));
  int rc;
  do {
    rc = ::connect(fd.get(), reinterpret_cast<const sockaddr*>(&addr), sizeof addr);
  } while (rc != 0 && errno == EINTR);
  if (rc != 0 && (errno == EACCES || errno == EPERM)) return forbidden(path);
  if (rc != 0) return unreachable(path, std::strerror(errno));
  return connection(std::move(fd), path);
}

connection connection::adopt(unique_fd fd, std::string label) {
  return connection(std::move(fd), std::move(label));
}

result<json> connection::send(json request) {
  json id = next_id_++;
  // Once the daemon has refused the connection, that refusal is the answer to everything.
  if (refusal_) return id;
  request["id"] = id;
  std::string line = to_line(request);
  std::size_t done = 0;
  while (done < line.size()) {
    // MSG_NOSIGNAL: a daemon that went away is an error to report, not a SIGPIPE death.
    ssize_t n = ::send(fd_.get(), line.data() + done, line.size() - done, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      // A daemon that refused us may have hung up before we wrote; its reply saying why is
      // then already waiting to be read, and is worth more than "Broken pipe".
      if ((err == EPIPE || err == ECONNRESET) && take_waiting_refusal()) return id;
      return status{errc::internal,
                    "cannot send a request to shoald at " + path_ + ": " + std::strerror(err)};
    }
    done += static_cast<std::size_t>(n);
  }
  return id;
}

bool connection::take_waiting_refusal() {
  // The peer has closed: this read ends at once, with its last replies or EOF.
  for (;;) {
    auto reply = read_reply();
    if (!reply) return false;
    if (is_connection_refusal(*reply)) {
      refusal_ = std::move(*reply);
      return true;
    }
    held_.push_back(std::move(*reply));
  }
}

result<json> connection::read_reply() {
  for (;;) {
    auto newline = buffer_.find('\n', scanned_);
    std::size_t line_length = newline == std::string::npos ? buffer_.size() : newline;
    if (line_length > max_reply_bytes)
      return status{errc::internal, "shoald at " + path_ + " sent a reply longer than " +
                                        std::to_string(max_reply_bytes) + " bytes"};
    if (newline != std::string::npos) {
      std::string line = buffer_.substr(0, newline);
      buffer_.erase(0, newline + 1);
      scanned_ = 0;
      if (line.empty()) continue;
      json reply = json::parse(line, nullptr, /*allow_exceptions=*/false);
      if (reply.is_discarded() || !reply.is_object())
        return status{errc::internal,
                      "shoald at " + path_ + " sent a reply that is not a JSON object"};
      return reply;
    }
    scanned_ = buffer_.size();
    char chunk[64 * 1024];
    ssize_t n = ::recv(fd_.get(), chunk, sizeof chunk, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return status{errc::internal,
                    "cannot read from shoald at " + path_ + ": " + std::strerror(errno)};
    if (n == 0)
      return status{errc::internal,
                    "shoald at " + path_ + " closed the connection before answering"};
    buffer_.append(chunk, static_cast<std::size_t>(n));
  }
}

result<json> connection::receive() {
  if (!held_.empty()) {
    json reply = std::move(held_.front());
    held_.pop_front();
    return reply;
  }
  if (refusal_) return *refusal_;
  auto reply = read_reply();
  if (reply && is_connection_refusal(*reply)) refusal_ = *reply;
  return reply;
}

result<json> connection::call(json request) {
  auto id = send(std::move(request));
  if (!id) return id.error();
  if (refusal_) return *refusal_;
  for (;;) {
    auto reply = read_reply();
    if (!reply) return reply;
    if (is_connection_refusal(*reply)) refusal_ = *reply;
    if (answers(*reply, *id)) return reply;
    held_.push_back(std::move(*reply));
  }
}

}  // namespace shoal::cli
