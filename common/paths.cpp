#include "common/paths.hpp"

#include <unistd.h>

#include <cstdlib>

namespace shoal {

std::string default_runtime_dir() {
  if (geteuid() == 0) return "/run/shoal";
  if (const char* xdg = std::getenv("XDG_RUNTIME_DIR"); xdg && *xdg == '/')
    return std::string(xdg) + "/shoal";
  return "/tmp/shoal-" + std::to_string(geteuid());
}

std::string default_socket_path() { return default_runtime_dir() + "/shoal.sock"; }

std::string default_state_dir() {
  if (geteuid() == 0) return "/var/lib/shoal";
  return default_runtime_dir() + "/state";
}

}  // namespace shoal
