#include "client/cli.hpp"

int main(int argc, char** argv) { return shoal::cli::main_entry(argc, argv); }
