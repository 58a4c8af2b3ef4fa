// A client source reaching into the daemon: must not compile (tests/CMakeLists.txt).
#include "daemon/supervisor.hpp"
