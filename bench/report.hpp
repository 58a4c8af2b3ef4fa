// The benchmarks' output: one table per benchmark, one row per figure. Every row starts with
// a stable key (`spawn.sequential`, `memory.per_client`, ...) so that bench/smoke.sh and
// readers of bench/run.sh can find a figure without parsing prose.
#pragma once

#include <string>

#include "bench/samples.hpp"

namespace shoal::bench {

void print_title(const std::string& title);
void print_latency_header();
// median, p99, ops/s and `ratio` (shoal / baseline; 0 prints "-" for the baseline itself).
void print_latency(const std::string& key, samples& s, double ratio, const std::string& note);
// Throughput rows for operations too short to time one by one: ops/s, the mean ns per op,
// and `slowdown` (this row's ns per op / the baseline's; 0 prints "-").
void print_rate_header();
void print_rate(const std::string& key, double ops_per_s, double slowdown, const std::string& note);
void print_quantity_header();
void print_quantity(const std::string& key, double value, const std::string& unit,
                    const std::string& note);

}  // namespace shoal::bench
