#include "daemon/process_output.hpp"

#include <algorithm>

namespace shoal {
namespace {

json describe_stream(const rotating_log& log) {
  return {{"written_bytes", log.written_bytes()},
          {"rotations", log.rotations()},
          {"failed_writes", log.failed_writes()},
          {"dropped_bytes", log.dropped_bytes()},
          {"error", log.error().empty() ? json(nullptr) : json(log.error())}};
}

}  // namespace

process_output::process_output(token, asio::io_context& io) : io_(io) {}

result<std::shared_ptr<process_output>> process_output::open(
    asio::io_context& io, std::shared_ptr<const log_directory> dir, const std::string& name,
    log_limits limits) {
  return open_streams(io, std::move(dir), name, limits, &rotating_log::open);
}

result<std::shared_ptr<process_output>> process_output::check(
    asio::io_context& io, std::shared_ptr<const log_directory> dir, const std::string& name,
    log_limits limits) {
  return open_streams(io, std::move(dir), name, limits, &rotating_log::check);
}

result<std::shared_ptr<process_output>> process_output::open_streams(
    asio::io_context& io, std::shared_ptr<const log_directory> dir, const std::string& name,
    log_limits limits, status (rotating_log::*open_one)()) {
  auto out = std::make_shared<process_output>(token{}, io);
  const char* suffixes[] = {".out", ".err"};
  const char* labels[] = {"stdout", "stderr"};
  for (std::size_t i = 0; i < 2; ++i) {
    out->streams_[i] = std::make_shared<rotating_log>(
        dir, name + suffixes[i], std::string(labels[i]) + " of '" + name + "'", limits);
    if (auto st = ((*out->streams_[i]).*open_one)(); !st) return st;
    out->journaled_end_[i] = out->streams_[i]->end();
  }
  return out;
}

void process_output::finish_attach() {
  for (std::size_t i = 0; i < 2; ++i) {
    streams_[i]->open_checked();
    // What a file checked only now holds is known only now.
    journaled_end_[i] = streams_[i]->end();
  }
  for (int i = 0; i < 2; ++i)
    if (auto& fd = unread_[static_cast<std::size_t>(i)]) start_pipe(i, std::move(fd));
}

process_output::~process_output() {
  close();
  for (auto& [id, w] : waiters_) w.timer->cancel();
}

void process_output::set_limits(log_limits limits) {
  for (auto& s : streams_) s->set_limits(limits);
}

result<process_output::run_pipes> process_output::attach_run() {
  std::erase_if(pipes_, [](const auto& p) { return !p->is_open(); });
  run_pipes run;
  for (std::size_t i = 0; i < 2; ++i) {
    auto ends = make_output_pipe();
    if (!ends) {
      unread_ = {};
      return ends.error();
    }
    run.read[i] = ends->read.get();
    unread_[i] = std::move(ends->read);
    run.write[i] = std::move(ends->write);
  }
  return run;
}

void process_output::adopt_run(std::array<unique_fd, 2> read_ends) {
  for (int i = 0; i < 2; ++i)
    if (read_ends[static_cast<std::size_t>(i)])
      start_pipe(i, std::move(read_ends[static_cast<std::size_t>(i)]));
}

void process_output::start_pipe(int i, unique_fd read_end) {
  std::weak_ptr<process_output> weak = weak_from_this();
  pipes_.push_back(output_pipe::start(
      io_, std::move(read_end), streams_[static_cast<std::size_t>(i)],
      [weak, i] {
        if (auto self = weak.lock()) self->received(i);
      },
      [weak] {
        if (auto self = weak.lock()) self->pipe_closed();
      }));
}

void process_output::drain() {
  auto pipes = pipes_;  // a pipe that ends during the drain calls back into this object
  for (auto& p : pipes) p->drain();
}

void process_output::close() {
  unread_ = {};
  for (auto& p : pipes_) p->close();
  pipes_.clear();
  for (auto& s : streams_)
    if (s) s->release();  // null only in an output whose open() failed
}

void process_output::remove_files() {
  for (auto& s : streams_) s->remove_files();
}

bool process_output::reading() const {
  return std::any_of(pipes_.begin(), pipes_.end(), [](const auto& p) { return p->is_open(); });
}

bool process_output::holds_nothing() const {
  return !reading() && waiters_.empty() && journal_.size() == 0 &&
         std::all_of(streams_.begin(), streams_.end(), [](const auto& s) {
           return s && s->end() == 0 && s->written_bytes() == 0 && s->rotations() == 0 &&
                  s->failed_writes() == 0 && s->dropped_bytes() == 0 && s->error().empty();
         });
}

void process_output::received(int index) {
  const rotating_log& log = *streams_[static_cast<std::size_t>(index)];
  auto& known = journaled_end_[static_cast<std::size_t>(index)];
  std::uint64_t end = log.end();
  // A write that failed (a full disk) adds no offsets, and so nothing to remember.
  if (end > known) journal_.record(index, known, end, std::chrono::system_clock::now());
  known = end;
  journal_.forget_before(index, log.begin());
  wake();
}

void process_output::pipe_closed() {
  if (reading()) return;
  // The pipe calling back holds itself alive until it returns.
  pipes_.clear();
  for (auto& s : streams_) s->release();
}

json process_output::describe() const {
  return {{"stdout", describe_stream(*streams_[0])}, {"stderr", describe_stream(*streams_[1])}};
}

void process_output::wait(std::uint64_t session, double timeout, std::function<void()> wake) {
  std::uint64_t id = next_waiter_++;
  auto timer = std::make_unique<asio::steady_timer>(io_);
  timer->expires_after(std::chrono::duration_cast<asio::steady_timer::duration>(
      std::chrono::duration<double>(timeout)));
  timer->async_wait([weak = weak_from_this(), id](const std::error_code& ec) {
    if (ec) return;
    auto self = weak.lock();
    if (!self) return;
    auto it = self->waiters_.find(id);
    if (it == self->waiters_.end()) return;
    auto fn = std::move(it->second.wake);
    self->waiters_.erase(it);
    fn();
  });
  waiters_.emplace(id, waiter{session, std::move(wake), std::move(timer)});
}

void process_output::wake() {
  if (waiters_.empty()) return;
  auto woken = std::move(waiters_);
  waiters_.clear();
  for (auto& [id, w] : woken) {
    w.timer->cancel();
    w.wake();
  }
}

void process_output::session_closed(std::uint64_t session) {
  std::erase_if(waiters_, [&](auto& entry) {
    if (entry.second.session != session) return false;
    entry.second.timer->cancel();
    return true;
  });
}

}  // namespace shoal
