#include "bench/report.hpp"

#include <cstdio>

namespace shoal::bench {

void print_title(const std::string& title) { std::printf("\n%s\n", title.c_str()); }

void print_latency_header() {
  std::printf("%-30s %11s %11s %11s %9s  %s\n", "figure", "median_us", "p99_us", "ops/s", "x_base",
              "what");
}

void print_latency(const std::string& key, samples& s, double ratio, const std::string& note) {
  char ratio_text[32] = "-";
  if (ratio > 0) std::snprintf(ratio_text, sizeof ratio_text, "%.2f", ratio);
  // Samples taken inside a larger loop have no wall time of their own: no ops/s.
  char rate_text[32] = "-";
  if (s.ops_per_s() > 0) std::snprintf(rate_text, sizeof rate_text, "%.0f", s.ops_per_s());
  std::printf("%-30s %11.1f %11.1f %11s %9s  %s\n", key.c_str(), s.median_us(), s.p99_us(),
              rate_text, ratio_text, note.c_str());
  std::fflush(stdout);
}

void print_rate_header() {
  std::printf("%-30s %11s %11s %9s  %s\n", "figure", "ops/s", "ns/op", "x_base", "what");
}

void print_rate(const std::string& key, double ops_per_s, double slowdown,
                const std::string& note) {
  char ratio_text[32] = "-";
  if (slowdown > 0) std::snprintf(ratio_text, sizeof ratio_text, "%.2f", slowdown);
  std::printf("%-30s %11.0f %11.1f %9s  %s\n", key.c_str(), ops_per_s,
              ops_per_s > 0 ? 1e9 / ops_per_s : 0.0, ratio_text, note.c_str());
  std::fflush(stdout);
}

void print_quantity_header() {
  std::printf("%-30s %14s %-6s %s\n", "figure", "value", "unit", "what");
}

void print_quantity(const std::string& key, double value, const std::string& unit,
                    const std::string& note) {
  std::printf("%-30s %14.1f %-6s %s\n", key.c_str(), value, unit.c_str(), note.c_str());
  std::fflush(stdout);
}

}  // namespace shoal::bench
