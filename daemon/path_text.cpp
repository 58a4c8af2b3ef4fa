#include "daemon/path_text.hpp"

#include <unistd.h>

#include <cerrno>
#include <string>
#include <vector>

namespace shoal {

std::string normal_path(std::string_view path) {
  const bool rooted = !path.empty() && path.front() == '/';
  std::vector<std::string_view> parts;
  for (std::size_t at = 0; at <= path.size();) {
    std::size_t end = path.find('/', at);
    if (end == std::string_view::npos) end = path.size();
    std::string_view part = path.substr(at, end - at);
    at = end + 1;
    if (part.empty() || part == ".") continue;
    if (part == "..") {
      if (!parts.empty() && parts.back() != "..") {
        parts.pop_back();
        continue;
      }
      if (rooted) continue;  // "/.." is "/"
    }
    parts.push_back(part);
  }
  std::string out = rooted ? "/" : "";
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += '/';
    out += parts[i];
  }
  return out.empty() ? "." : out;
}

std::string absolute_path(std::string_view path) {
  if (!path.empty() && path.front() == '/') return normal_path(path);
  std::string cwd = current_directory();
  if (cwd.empty()) return std::string(path);
  return normal_path(cwd + "/" + std::string(path));
}

std::string parent_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  if (slash == std::string_view::npos) return ".";
  if (slash == 0) return "/";
  return std::string(path.substr(0, slash));
}

std::string leaf_of(std::string_view path) {
  std::size_t slash = path.rfind('/');
  return std::string(slash == std::string_view::npos ? path : path.substr(slash + 1));
}

std::string current_directory() {
  std::string buf(256, '\0');
  for (int tries = 0; tries < 8; ++tries) {
    // A copy of just the path: records keep it, and the buffer's capacity would stay with it.
    if (::getcwd(buf.data(), buf.size()) != nullptr) return std::string(buf.data());
    if (errno != ERANGE) return {};
    buf.resize(buf.size() * 4);
  }
  return {};
}

}  // namespace shoal
