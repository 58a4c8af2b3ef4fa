// What a run that was stopped, escalated to SIGKILL and dumped core leaves in a record: the
// same fields in a live record (process_record) and a saved one (saved_process).
#pragma once

#include <chrono>

namespace shoal::testing {

template <class Record>
void end_killed_after_escalation(Record& r, std::chrono::system_clock::duration ran) {
  r.exitcode = -9;
  r.term_signal = 9;
  r.core_dumped = true;
  r.escalated = true;
  r.ended_at = r.started_at + ran;
}

}  // namespace shoal::testing
