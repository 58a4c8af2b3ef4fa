#include "daemon/shared_names.hpp"

#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstdio>

namespace shoal {
namespace {

constexpr std::string_view prefix = "/shoal-";
constexpr std::size_t random_hex_digits = 32;

bool all_of(std::string_view s, bool (*pred)(char)) {
  if (s.empty()) return false;
  for (char c : s)
    if (!pred(c)) return false;
  return true;
}

}  // namespace

result<std::string> random_base_name() {
  std::uint8_t bytes[random_hex_digits / 2];
  std::size_t got = 0;
  while (got < sizeof bytes) {
    ssize_t n = ::getrandom(bytes + got, sizeof bytes - got, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0)
      return status::from_errno(errc::internal,
                                "unable to draw a random name for the shared segment", errno);
    got += static_cast<std::size_t>(n);
  }
  std::string name(prefix);
  name += std::to_string(::geteuid());
  name += '-';
  char hex[3];
  for (std::uint8_t b : bytes) {
    std::snprintf(hex, sizeof hex, "%02x", b);
    name += hex;
  }
  return name;
}

bool is_base_name(std::string_view name) {
  if (name.substr(0, prefix.size()) != prefix) return false;
  name.remove_prefix(prefix.size());
  auto dash = name.find('-');
  if (dash == std::string_view::npos) return false;
  std::string_view uid = name.substr(0, dash), digits = name.substr(dash + 1);
  return uid.size() <= 10 && all_of(uid, [](char c) { return c >= '0' && c <= '9'; }) &&
         digits.size() == random_hex_digits &&
         all_of(digits, [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

instance_names names_for_base(const std::string& base) { return {base, base + "-lock"}; }

std::string segment_file(const std::string& shm_name) { return "/dev/shm" + shm_name; }

std::string semaphore_file(const std::string& lock_name) {
  return "/dev/shm/sem." + lock_name.substr(1);
}

result<std::optional<uid_t>> file_owner(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) return std::optional<uid_t>(st.st_uid);
  if (errno == ENOENT) return std::optional<uid_t>();
  return status::from_errno(errc::internal, "unable to inspect '" + path + "'", errno);
}

}  // namespace shoal
