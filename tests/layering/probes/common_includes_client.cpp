// A common source reaching into the client: must not compile (tests/CMakeLists.txt).
#include "client/cli.hpp"
