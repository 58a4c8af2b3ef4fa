// A daemon source reaching into the client: must not compile (tests/CMakeLists.txt).
#include "client/connection.hpp"
