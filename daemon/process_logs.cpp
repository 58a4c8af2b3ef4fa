#include "daemon/process_logs.hpp"

#include "daemon/log.hpp"

namespace shoal {

process_logs::process_logs(asio::io_context& io, const std::string& dir, log_limits defaults)
    : io_(io), defaults_(defaults) {
  auto opened = log_directory::open(dir);
  if (opened)
    dir_ = std::move(*opened);
  else
    opened_ = opened.error();
}

log_limits process_logs::limits_for(const process_spec& spec) const {
  log_limits limits = defaults_;
  if (spec.log_max_bytes) limits.max_bytes = *spec.log_max_bytes;
  if (spec.log_backups) limits.backups = *spec.log_backups;
  return limits;
}

result<std::shared_ptr<process_output>> process_logs::output_for(
    const std::string& name, std::shared_ptr<process_output> previous, const log_limits& limits) {
  if (!dir_)
    return status{errc::spawn_failed, "unable to start '" + name + "': " + opened_.message()};
  if (previous) return previous;
  return opened_for(name, process_output::check(io_, dir_, name, limits));
}

result<std::shared_ptr<process_output>> process_logs::restored_output(const std::string& name,
                                                                      const log_limits& limits) {
  if (!dir_)
    return status{errc::spawn_failed, "unable to start '" + name + "': " + opened_.message()};
  return opened_for(name, process_output::open(io_, dir_, name, limits));
}

result<std::shared_ptr<process_output>> process_logs::opened_for(
    const std::string& name, result<std::shared_ptr<process_output>> opened) {
  if (!opened) {
    status failed{errc::spawn_failed,
                  "unable to start '" + name + "': " + opened.error().message()};
    log::warning("{}", failed.message());
    return failed;
  }
  return std::move(*opened);
}

result<std::shared_ptr<process_output>> process_logs::reopen(const std::string& name,
                                                             const log_limits& limits) {
  auto opened = dir_ ? process_output::open(io_, dir_, name, limits)
                     : result<std::shared_ptr<process_output>>(opened_);
  if (!opened)
    return status{opened.error().code(),
                  "unable to read the logs of '" + name + "': " + opened.error().message()};
  return std::move(*opened);
}

void process_logs::remove_files(const std::string& name, const log_limits& limits) {
  if (!dir_) return;
  rotating_log(dir_, name + ".out", "stdout of '" + name + "'", limits).remove_files();
  rotating_log(dir_, name + ".err", "stderr of '" + name + "'", limits).remove_files();
}

}  // namespace shoal
