// Driving shoald with raw lines: many requests in one write (how a client that knows its next
// N requests talks to it, and how the benchmarks fill it at scale), and timed round trips.
#pragma once

#include <string>
#include <vector>

#include "bench/line_socket.hpp"
#include "bench/samples.hpp"
#include "common/status.hpp"

namespace shoal::bench {

// Writes every line (each with its '\n') at once, then reads one reply per line. The replies,
// in the order they came; an error naming the first refused request.
result<std::vector<std::string>> send_batch(line_socket& sock,
                                            const std::vector<std::string>& lines);

// send_batch in slices of `window` lines, so that neither side's socket buffer has to hold
// thousands of replies at once.
status send_windowed(line_socket& sock, const std::vector<std::string>& lines, std::size_t window);

// `n` round trips of `line`, one at a time, each timed; fails on a refused one. The last
// reply goes to `last` if given.
status time_round_trips(line_socket& sock, const std::string& line, long n, samples& out,
                        std::string* last = nullptr);

}  // namespace shoal::bench
