// `shoal`: argv -> verb -> exit code. The verbs live in the table of client/verbs.hpp.
#pragma once

#include <cstddef>
#include <span>
#include <string>
#include "client/output.hpp"

namespace shoal::cli {

// What the process was started with, beyond its arguments.
struct environment {
  std::string socket_path;  // $SHOAL_SOCKET, else default_socket_path()
  bool out_is_tty = false;
  std::size_t width = 0;  // terminal columns on stdout, 0 when unknown
  bool color = false;
};

// The socket to use when --socket is not given: `shoal_socket_env` ($SHOAL_SOCKET) when set
// and not empty, else the default that shoald also uses.
std::string default_socket(const char* shoal_socket_env);

// Reads stdout's terminal, $SHOAL_SOCKET, $NO_COLOR, $TERM and $COLUMNS.
environment detect_environment();

// Runs one command line (`args` without the program name). Never throws.
int run(std::span<const std::string> args, output& out, output& err, const environment& env);

// main(): the real streams and environment.
int main_entry(int argc, char** argv);

}  // namespace shoal::cli
