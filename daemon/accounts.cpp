#include "daemon/accounts.hpp"

#include <grp.h>
#include <pwd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <optional>
#include <unordered_map>
#include <vector>

namespace shoal {
namespace {

// Names for people, by id, each looked up again once it is older than `patience`: every start
// records its user's and group's names, and a lookup opens and parses /etc/passwd or
// /etc/group (or asks a network database) each time. A renamed account shows its old name for
// at most that long. The daemon is single-threaded; so is this.
class name_cache {
 public:
  template <typename Lookup>
  const std::string& get(unsigned id, Lookup lookup) {
    auto now = std::chrono::steady_clock::now();
    auto [it, added] = names_.try_emplace(id);
    if (added || now - it->second.looked_up >= patience) {
      it->second.name = lookup();
      it->second.looked_up = now;
    }
    return it->second.name;
  }

 private:
  static constexpr std::chrono::seconds patience{5};
  struct entry {
    std::string name;
    std::chrono::steady_clock::time_point looked_up;
  };
  std::unordered_map<unsigned, entry> names_;  // as many as ids ever named: a handful
};

// Digits only, fitting in T: a numeric id rather than a name.
template <typename T>
std::optional<T> numeric_id(const std::string& s) {
  if (s.empty()) return std::nullopt;
  T value{};
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
  if (ec != std::errc{} || end != s.data() + s.size()) return std::nullopt;
  return value;
}

// Runs `lookup(buffer, size)`, a getpw*_r or getgr*_r call, growing the buffer while it says
// ERANGE. Returns that call's result: 0 also when there is no such entry.
template <typename Lookup>
int with_buffer(std::vector<char>& buffer, Lookup lookup) {
  buffer.resize(4096);
  for (int tries = 0; tries < 8; ++tries) {
    int err = lookup(buffer.data(), buffer.size());
    if (err != ERANGE) return err;
    buffer.resize(buffer.size() * 4);
  }
  return ERANGE;
}

account from_entry(const passwd& entry) {
  return account{entry.pw_uid, entry.pw_gid, entry.pw_name ? entry.pw_name : "",
                 entry.pw_dir ? entry.pw_dir : "", entry.pw_shell ? entry.pw_shell : ""};
}

}  // namespace

result<account> find_user(const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos)
    return status{errc::bad_request, "a user must be given by name or uid"};
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer;
  int err = with_buffer(buffer, [&](char* buf, std::size_t size) {
    return ::getpwnam_r(name.c_str(), &entry, buf, size, &found);
  });
  if (err == 0 && !found) {
    if (auto uid = numeric_id<uid_t>(name))
      err = with_buffer(buffer, [&](char* buf, std::size_t size) {
        return ::getpwuid_r(*uid, &entry, buf, size, &found);
      });
  }
  if (err != 0)
    return status::from_errno(errc::internal, "unable to look up user '" + name + "'", err);
  if (!found) return status{errc::bad_request, "no user named '" + name + "'"};
  return from_entry(*found);
}

result<account> find_account(uid_t uid) {
  passwd entry{};
  passwd* found = nullptr;
  std::vector<char> buffer;
  int err = with_buffer(buffer, [&](char* buf, std::size_t size) {
    return ::getpwuid_r(uid, &entry, buf, size, &found);
  });
  if (err != 0)
    return status::from_errno(errc::internal, "unable to look up uid " + std::to_string(uid), err);
  if (!found)
    return status{errc::not_found,
                  "uid " + std::to_string(uid) + " has no entry in the user database"};
  return from_entry(*found);
}

std::string user_name(uid_t uid) {
  static name_cache users;
  return users.get(uid, [uid] {
    auto who = find_account(uid);
    return who && !who->name.empty() ? who->name : std::to_string(uid);
  });
}

std::string group_name(gid_t gid) {
  static name_cache groups;
  return groups.get(gid, [gid] {
    group entry{};
    group* found = nullptr;
    std::vector<char> buffer;
    int err = with_buffer(buffer, [&](char* buf, std::size_t size) {
      return ::getgrgid_r(gid, &entry, buf, size, &found);
    });
    return err == 0 && found && found->gr_name ? std::string(found->gr_name) : std::to_string(gid);
  });
}

result<gid_t> find_group(const std::string& name) {
  if (name.empty() || name.find('\0') != std::string::npos)
    return status{errc::bad_request, "a group must be given by name or gid"};
  group entry{};
  group* found = nullptr;
  std::vector<char> buffer;
  int err = with_buffer(buffer, [&](char* buf, std::size_t size) {
    return ::getgrnam_r(name.c_str(), &entry, buf, size, &found);
  });
  if (err == 0 && !found) {
    if (auto gid = numeric_id<gid_t>(name))
      err = with_buffer(buffer, [&](char* buf, std::size_t size) {
        return ::getgrgid_r(*gid, &entry, buf, size, &found);
      });
  }
  if (err != 0)
    return status::from_errno(errc::internal, "unable to look up group '" + name + "'", err);
  if (!found) return status{errc::bad_request, "no group named '" + name + "'"};
  return found->gr_gid;
}

bool user_in_group(const account& who, gid_t wanted) {
  if (who.primary_gid == wanted) return true;
  int count = 64;
  std::vector<gid_t> groups(static_cast<std::size_t>(count));
  // getgrouplist reports the size it needs when the buffer is too small; a user in more
  // groups than that between two calls is not worth a loop.
  for (int attempt = 0; attempt < 2; ++attempt) {
    int n = count;
    if (getgrouplist(who.name.c_str(), who.primary_gid, groups.data(), &n) >= 0) {
      groups.resize(static_cast<std::size_t>(n));
      return std::find(groups.begin(), groups.end(), wanted) != groups.end();
    }
    count = n;
    groups.resize(static_cast<std::size_t>(count));
  }
  return false;
}

}  // namespace shoal
