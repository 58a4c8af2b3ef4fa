#include "daemon/status_text_cache.hpp"

#include <cassert>

#include "daemon/process_json.hpp"
#include "daemon/process_record.hpp"

namespace shoal {
namespace {

status_inputs::stream_counts counts_of(const rotating_log& log) {
  return {log.dropped_bytes(), log.failed_writes(), log.rotations(), log.written_bytes(),
          log.error()};
}

}  // namespace

status_inputs status_inputs::of(const process_record& r, const std::optional<proc_usage>& usage) {
  status_inputs in;
  in.state = static_cast<int>(r.state);
  in.pid = r.pid;
  in.exitcode = r.exitcode;
  in.term_signal = r.term_signal;
  in.core_dumped = r.core_dumped;
  in.escalated = r.escalated;
  in.started_at = r.started_at;
  in.ended_at = r.ended_at;
  in.next_attempt_at = r.next_attempt_at;
  in.restart_count = r.restart_count;
  in.attempt = r.restarts.attempt();
  in.lost_reason = r.lost_reason;
  in.output = r.output.get();
  if (r.output) {
    in.out = counts_of(r.output->stream(output_stream::out));
    in.err = counts_of(r.output->stream(output_stream::err));
    in.limits = r.output->limits();
  } else {
    in.limits = r.quiet_log_limits;
  }
  if (usage) {
    in.has_usage = true;
    in.cpu_seconds = usage->cpu_seconds;
    in.rss_bytes = usage->rss_bytes;
    in.started_after_boot = usage->started_after_boot_seconds;
    in.sampled_after_boot = usage->sampled_after_boot_seconds;
  }
  return in;
}

void status_text_cache::append(std::string& out, const process_record& r,
                               const std::optional<proc_usage>& usage) {
  if (r.done()) {
    kept_.reset();
    append_status_json(out, r, usage);
    return;
  }
  auto inputs = status_inputs::of(r, usage);
  if (!kept_) kept_ = std::make_unique<kept>();
  if (kept_->text.empty() || !(kept_->inputs == inputs)) {
    kept_->text.clear();
    append_status_json(kept_->text, r, usage);
    kept_->text.shrink_to_fit();  // kept for a long time: without the room growth left
    kept_->inputs = std::move(inputs);
  }
#ifndef NDEBUG
  std::string fresh;
  append_status_json(fresh, r, usage);
  assert(fresh == kept_->text && "a record changed in a member status_inputs does not hold");
#endif
  out += kept_->text;
}

}  // namespace shoal
