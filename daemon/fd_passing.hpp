// One packet on a SOCK_SEQPACKET Unix socket, with descriptors passed by SCM_RIGHTS: how
// shoald and its keeper talk (keeper_protocol.hpp).
#pragma once

#include <sys/types.h>

#include <cstddef>
#include <vector>

#include "common/unique_fd.hpp"

namespace shoal {

inline constexpr std::size_t max_passed_fds = 8;

// 0, or the errno. Never raises SIGPIPE.
int send_packet(int sock, const void* head, std::size_t head_len, const void* body,
                std::size_t body_len, const int* fds, std::size_t nfds);

// The packet's length (0: the peer closed), or -1 with errno. Received descriptors are
// close-on-exec; a packet longer than `cap` is an error (EMSGSIZE), not a truncation.
ssize_t recv_packet(int sock, void* buf, std::size_t cap, std::vector<unique_fd>& fds,
                    int flags = 0);

}  // namespace shoal
