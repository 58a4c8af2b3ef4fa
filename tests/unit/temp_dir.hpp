// A directory of its own for one test, under /tmp, removed with everything in it at the end.
#pragma once

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace shoal::testing {

struct temp_dir {
  std::string path;
  temp_dir() {
    char tmpl[] = "/tmp/shoal-unit-XXXXXX";
    path = ::mkdtemp(tmpl);
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  temp_dir(const temp_dir&) = delete;
  temp_dir& operator=(const temp_dir&) = delete;
};

}  // namespace shoal::testing
