// Where the processes' stdout and stderr go: NAME.out and NAME.err in the daemon's log
// directory (log_directory.hpp), each rotated at the limits its spec sets, else the daemon's.
#pragma once

#include <memory>
#include <string>

#include <asio/io_context.hpp>

#include "common/log_limits.hpp"
#include "common/status.hpp"
#include "daemon/log_directory.hpp"
#include "daemon/process_output.hpp"
#include "daemon/process_spec.hpp"

namespace shoal {

class process_logs {
 public:
  // Opens `dir`; if that fails, opened() says why and every output_for() fails with it.
  process_logs(asio::io_context& io, const std::string& dir, log_limits defaults);

  const status& opened() const { return opened_; }
  log_limits limits_for(const process_spec& spec) const;
  // The logs of a new run of `name`: `previous` when the name ran before (a new run goes on
  // in the same files, at the same offsets), else the files checked afresh, to be opened by
  // process_output::finish_attach(). The caller sets the limits once the run has started,
  // so a refused start changes nothing.
  result<std::shared_ptr<process_output>> output_for(const std::string& name,
                                                     std::shared_ptr<process_output> previous,
                                                     const log_limits& limits);
  // The logs of a record restored from the record file: output_for(), opened at once.
  result<std::shared_ptr<process_output>> restored_output(const std::string& name,
                                                          const log_limits& limits);
  // The logs of `name`, a done process that wrote nothing, opened again from their files.
  result<std::shared_ptr<process_output>> reopen(const std::string& name, const log_limits& limits);
  // Deletes the files of `name`'s logs, as process_output::remove_files() would, without
  // opening them.
  void remove_files(const std::string& name, const log_limits& limits);

 private:
  // `opened`, or why `name` cannot start, logged.
  static result<std::shared_ptr<process_output>> opened_for(
      const std::string& name, result<std::shared_ptr<process_output>> opened);
  asio::io_context& io_;
  log_limits defaults_;
  std::shared_ptr<const log_directory> dir_;  // null when it could not be opened
  status opened_;
};

}  // namespace shoal
