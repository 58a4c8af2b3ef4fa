#include "daemon/server.hpp"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/unique_fd.hpp"
#include "daemon/log.hpp"

namespace shoal {
namespace {

void set_cloexec(int fd) {
  int flags = ::fcntl(fd, F_GETFD);
  if (flags >= 0) ::fcntl(fd, F_SETFD, flags | FD_CLOEXEC);
}

// 0: nobody listens (stale); 1: a live daemon answered; -1: could not tell (errno set).
int probe(const std::string& path) {
  unique_fd fd(::socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (!fd) return -1;
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  if (::connect(fd.get(), reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0) return 1;
  return errno == ECONNREFUSED ? 0 : -1;
}

}  // namespace

server::server(asio::io_context& io, dispatcher& d, std::size_t max_queued_bytes)
    : dispatcher_(d), acceptor_(io), retry_timer_(io), budget_(max_queued_bytes) {
  budget_.on_over_cap([this] { relieve_budget(); });
}

server::~server() {
  stop_accepting();
  close_sessions();
}

status server::listen(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (!S_ISSOCK(st.st_mode))
      return {errc::internal, "'" + path + "' exists and is not a socket; refusing to replace it"};
    int live = probe(path);
    if (live == 1)
      return {errc::already_exists, "another shoald is already serving '" + path +
                                        "'; stop it first or choose another --socket"};
    if (live < 0 && errno != ENOENT)
      return status::from_errno(errc::internal, "unable to probe existing socket '" + path + "'",
                                errno);
    log::info("replacing stale socket '{}' left by a daemon that is gone", path);
    ::unlink(path.c_str());
  }

  std::error_code ec;
  acceptor_.open(asio::local::stream_protocol(), ec);
  if (ec) return {errc::internal, "unable to create socket: " + ec.message()};
  set_cloexec(acceptor_.native_handle());
  // Created 0600 from the start: no window in which another user could connect.
  mode_t old_mask = ::umask(0177);
  acceptor_.bind(asio::local::stream_protocol::endpoint(path), ec);
  ::umask(old_mask);
  if (ec) {
    acceptor_.close();
    return {errc::internal, "unable to bind '" + path + "': " + ec.message()};
  }
  owns_path_ = true;
  path_ = path;
  acceptor_.listen(asio::socket_base::max_listen_connections, ec);
  if (ec) return {errc::internal, "unable to listen on '" + path + "': " + ec.message()};
  return {};
}

status server::adopt(int fd, const std::string& path) {
  std::error_code ec;
  acceptor_.assign(asio::local::stream_protocol(), fd, ec);
  if (ec) return {errc::internal, "unable to use the inherited socket: " + ec.message()};
  set_cloexec(fd);
  path_ = path;
  owns_path_ = false;
  return {};
}

void server::start_accepting() { accept_next(); }

void server::accept_next() {
  if (!acceptor_.is_open()) return;
  acceptor_.async_accept([this](const std::error_code& ec,
                                asio::local::stream_protocol::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      accept_failed(ec);
      return;
    }
    if (std::uint64_t failures = accept_failures_.end_episode(); failures > 0)
      log::info("accepting connections on '{}' again, after {} failed attempt(s)", path_, failures);
    set_cloexec(socket.native_handle());
    std::uint64_t id = next_session_++;
    auto credentials = read_peer_credentials(socket.native_handle());
    peer who;
    who.session = id;
    // A peer whose credentials cannot be read is nobody in particular: it gets uid -1, which
    // no rule allows, rather than the zeroes of root.
    who.uid = static_cast<uid_t>(-1);
    who.gid = static_cast<gid_t>(-1);
    if (credentials) {
      who.pid = credentials->pid;
      who.uid = credentials->uid;
      who.gid = credentials->gid;
    }
    std::weak_ptr<server*> alive = self_;
    auto s = std::make_shared<session>(std::move(socket), dispatcher_, budget_, who,
                                       [alive](std::uint64_t gone) {
                                         if (auto self = alive.lock())
                                           (*self)->sessions_.erase(gone);
                                       });
    sessions_.emplace(id, s);
    status verdict =
        credentials ? status{} : status{errc::permission_denied, credentials.error().message()};
    if (verdict && access_check_) verdict = access_check_(*credentials);
    if (!verdict) {
      log::warning("refused connection from pid {} uid {}: {}", who.pid, who.uid,
                   verdict.message());
      s->refuse(verdict);
      accept_next();
      return;
    }
    s->start();
    accept_next();
  });
}

// Out of descriptors, most likely: the pending connection stays in the backlog, so back off
// instead of spinning on the error, and say so once a second, not on every retry.
void server::accept_failed(const std::error_code& ec) {
  constexpr auto retry = std::chrono::milliseconds(100);
  if (auto held_back = accept_failures_.occurred(log_throttle::clock::now())) {
    std::string why = ec.message();
    if (ec.value() == EMFILE || ec.value() == ENFILE) {
      rlimit lim{};
      if (::getrlimit(RLIMIT_NOFILE, &lim) == 0)
        why += " (RLIMIT_NOFILE is " + std::to_string(lim.rlim_cur) +
               "; connections wait until clients disconnect or the limit is raised)";
    }
    log::warning("unable to accept a connection on '{}': {}; retrying every {} ms{}", path_, why,
                 retry.count(),
                 *held_back
                     ? " (" + std::to_string(*held_back) + " more failure(s) since the last report)"
                     : std::string());
  }
  retry_timer_.expires_after(retry);
  retry_timer_.async_wait([this](const std::error_code& e) {
    if (!e) accept_next();
  });
}

void server::relieve_budget() {
  while (budget_.over()) {
    session* largest = nullptr;
    for (auto& [id, s] : sessions_)
      if (!s->closed() && (!largest || s->held() > largest->held())) largest = s.get();
    if (!largest || largest->held() == 0) return;
    largest->cut_off();
  }
}

void server::stop_accepting() {
  std::error_code ignored;
  retry_timer_.cancel();
  if (acceptor_.is_open()) acceptor_.close(ignored);
  if (owns_path_) {
    ::unlink(path_.c_str());
    owns_path_ = false;
  }
}

int server::session_fd(std::uint64_t id) const {
  auto it = sessions_.find(id);
  return it == sessions_.end() || it->second->closed() ? -1 : it->second->native_handle();
}

void server::close_sessions() {
  auto all = std::move(sessions_);
  sessions_.clear();
  for (auto& [id, s] : all) s->close();
}

}  // namespace shoal
