// Readiness and status for a service manager, spoken over the datagram protocol that
// sd_notify(3) documents, without libsystemd: NOTIFY_SOCKET names an AF_UNIX datagram socket
// (a path, or "@name" for the abstract namespace) and each message is one datagram of
// newline-separated KEY=VALUE assignments ("READY=1", "STATUS=3 running", "STOPPING=1").
#pragma once

#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>

#include <string>
#include <string_view>

#include "common/status.hpp"

namespace shoal {

class sd_notifier {
 public:
  // Not connected to any manager: every send is a successful no-op.
  sd_notifier() = default;

  // Takes NOTIFY_SOCKET from the environment and unsets it, so that supervised children never
  // inherit it and talk to our manager in our name. Unset or empty: a no-op notifier.
  // An address that cannot be used (relative, too long) is an error; the variable is unset
  // either way.
  static result<sd_notifier> from_environment();

  // For a known address, in the NOTIFY_SOCKET syntax.
  static result<sd_notifier> for_address(std::string_view address);

  bool enabled() const { return address_length_ != 0; }
  const std::string& address() const { return address_text_; }

  // One datagram carrying `assignments` as they are ("READY=1\nSTATUS=serving").
  status send(std::string_view assignments) const;

  status ready() const { return send("READY=1"); }
  status stopping() const { return send("STOPPING=1"); }
  // One line of free text for `systemctl status`; newlines would end the assignment, so they
  // are replaced by spaces.
  status set_status(std::string_view text) const;
  status main_pid(pid_t pid) const;

 private:
  std::string address_text_;
  sockaddr_un address_{};
  socklen_t address_length_ = 0;
};

}  // namespace shoal
