#include "daemon/lock_exit_file.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "common/protocol.hpp"
#include "common/unique_fd.hpp"

namespace shoal {
namespace {

constexpr const char* file_name = "lock-exits.json";

}  // namespace

result<exit_release_holds> read_lock_exit_file(const std::string& state_dir) {
  std::string path = state_dir + "/" + file_name;
  exit_release_holds out;
  unique_fd fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW));
  if (!fd) {
    if (errno == ENOENT) return out;
    return status::from_errno(errc::internal, "unable to read '" + path + "'", errno);
  }
  std::string text;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd.get(), buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return status::from_errno(errc::internal, "unable to read '" + path + "'", errno);
    if (n == 0) break;
    text.append(buf, static_cast<std::size_t>(n));
  }
  json j = json::parse(text, nullptr, false);
  auto holds = j.is_object() ? j.find("holds") : j.end();
  if (j.is_discarded() || !j.is_object() || holds == j.end() || !holds->is_array())
    return status{errc::internal, "'" + path + "' is not a valid lock-exits file"};
  for (const auto& h : *holds) {
    if (!h.is_object() || !h.contains("lock") || !h["lock"].is_string() || !h.contains("owner") ||
        !h["owner"].is_number_integer() || !h.contains("sequence") ||
        !h["sequence"].is_number_unsigned())
      return status{errc::internal, "'" + path + "' is not a valid lock-exits file"};
    out[h["lock"].get<std::string>()] = {h["owner"].get<pid_t>(),
                                         h["sequence"].get<std::uint64_t>()};
  }
  return out;
}

status write_lock_exit_file(const std::string& state_dir, const exit_release_holds& holds) {
  std::string path = state_dir + "/" + file_name;
  std::string tmp = path + ".tmp";
  json list = json::array();
  for (const auto& [name, h] : holds)
    list.push_back({{"lock", name}, {"owner", h.owner}, {"sequence", h.sequence}});
  std::string text = json{{"holds", std::move(list)}}.dump() + "\n";
  auto fail = [&](const std::string& what) {
    int err = errno;
    ::unlink(tmp.c_str());
    return status::from_errno(errc::internal, "unable to " + what + " '" + tmp + "'", err);
  };
  unique_fd fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600));
  if (!fd) return fail("create");
  for (std::size_t off = 0; off < text.size();) {
    ssize_t n = ::write(fd.get(), text.data() + off, text.size() - off);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return fail("write");
    off += static_cast<std::size_t>(n);
  }
  if (::fsync(fd.get()) != 0) return fail("sync");
  fd.reset();
  if (::rename(tmp.c_str(), path.c_str()) != 0) return fail("rename");
  return {};
}

}  // namespace shoal
