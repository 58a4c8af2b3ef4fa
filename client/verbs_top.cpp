// `shoal top`: the live view (client/top_view.hpp draws it). One connection carries the
// watch and every other request; events and replies arrive interleaved, told apart by id.
// The view refreshes what events announce at once and everything else once a second: the
// lock and values send no event for a change, and uptime moves by itself.
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <cstring>
#include <map>
#include <optional>

#include "client/invocation.hpp"
#include "client/key_input.hpp"
#include "client/terminal.hpp"
#include "client/top_view.hpp"
#include "client/verbs.hpp"

namespace shoal::cli {
namespace {

using steady = std::chrono::steady_clock;
constexpr auto refresh_period = std::chrono::seconds(1);

// --- signals ---------------------------------------------------------------------------

int signal_pipe_write = -1;
extern "C" void relay_signal(int signo) {
  int saved = errno;
  unsigned char b = static_cast<unsigned char>(signo);
  [[maybe_unused]] auto n = ::write(signal_pipe_write, &b, 1);
  errno = saved;
}

// Turns SIGWINCH (a resize) and the signals that end the view into bytes on a pipe the
// loop polls, for as long as it lives; the old dispositions come back after.
class signal_relay {
 public:
  static constexpr int signals[] = {SIGWINCH, SIGTERM, SIGHUP, SIGINT, SIGQUIT};

  signal_relay() {
    if (::pipe2(fds_, O_CLOEXEC | O_NONBLOCK) != 0) {
      fds_[0] = fds_[1] = -1;
      return;
    }
    signal_pipe_write = fds_[1];
    struct sigaction sa {};
    sa.sa_handler = relay_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (std::size_t i = 0; i < std::size(signals); ++i) ::sigaction(signals[i], &sa, &old_[i]);
  }
  ~signal_relay() {
    if (fds_[0] < 0) return;
    for (std::size_t i = 0; i < std::size(signals); ++i) ::sigaction(signals[i], &old_[i], nullptr);
    signal_pipe_write = -1;
    ::close(fds_[0]);
    ::close(fds_[1]);
  }
  signal_relay(const signal_relay&) = delete;
  signal_relay& operator=(const signal_relay&) = delete;

  bool ok() const { return fds_[0] >= 0; }
  int read_end() const { return fds_[0]; }

 private:
  int fds_[2] = {-1, -1};
  struct sigaction old_[std::size(signals)]{};
};

std::string text_of(const json& j, const char* key) {
  if (!j.is_object()) return {};
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<long long> integer_of(const json& j, const char* key) {
  if (!j.is_object()) return std::nullopt;
  auto it = j.find(key);
  if (it == j.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<long long>();
}

std::string describe_stop(const json& r) {
  if (r.value("escalated", false)) return "escalated to SIGKILL";
  if (std::string sig = text_of(r, "signal"); !sig.empty()) return sig;
  auto code = integer_of(r, "exitcode");
  return "exited with " + (code ? std::to_string(*code) : std::string("?"));
}

// --- the view ------------------------------------------------------------------------------

class top_session {
 public:
  top_session(invocation& inv, connection conn, std::string daemon)
      : inv_(inv), conn_(std::move(conn)) {
    state_.daemon = std::move(daemon);
  }

  // Runs until `q`, a signal to end, or the daemon goes away; returns the exit code.
  int run(int tty_in, int tty_out) {
    signal_relay signals;
    if (!signals.ok()) return fail_before_screen("cannot set up signal handling");
    auto entered = full_screen::enter(tty_in, tty_out);
    if (!entered) return fail_before_screen(entered.error().message());
    std::optional<full_screen> screen;
    screen.emplace(std::move(*entered));
    auto size = query_terminal_size(tty_out).value_or(terminal_size{});

    refresh_all();
    auto next_tick = steady::now() + refresh_period;
    bool dirty = true;
    while (!quit_) {
      if (dirty) {
        top_style style;
        style.columns = size.columns;
        style.rows = size.rows;
        style.color = inv_.color;
        screen->draw(render_top(state_, style));
        dirty = false;
      }
      auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(next_tick - steady::now());
      int timeout =
          conn_.has_buffered_reply() ? 0 : static_cast<int>(std::max<long long>(0, wait.count()));
      pollfd fds[3] = {
          {tty_in, POLLIN, 0}, {conn_.native_handle(), POLLIN, 0}, {signals.read_end(), POLLIN, 0}};
      if (::poll(fds, 3, timeout) < 0) {
        if (errno == EINTR) continue;
        lost_ = "poll failed: " + std::string(std::strerror(errno));
        break;
      }
      if (fds[2].revents & POLLIN) {
        unsigned char sig[16];
        ssize_t n = ::read(signals.read_end(), sig, sizeof sig);
        for (ssize_t i = 0; i < n; ++i) {
          if (sig[i] == SIGWINCH)
            size = query_terminal_size(tty_out).value_or(size);
          else
            quit_ = true;
        }
        dirty = true;
      }
      if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
        char buf[256];
        ssize_t n = ::read(tty_in, buf, sizeof buf);
        if (n <= 0 && !(n < 0 && errno == EINTR)) quit_ = true;  // the terminal is gone
        for (const auto& k :
             decode_keys(std::string_view(buf, n > 0 ? static_cast<std::size_t>(n) : 0)))
          on_key(k);
        dirty = true;
      }
      if ((fds[1].revents & (POLLIN | POLLHUP | POLLERR)) || conn_.has_buffered_reply()) {
        do {
          auto line = conn_.receive();
          if (!line) {
            lost_ = line.error().message();
            break;
          }
          on_line(*line);
        } while (!quit_ && lost_.empty() && conn_.has_buffered_reply());
        if (!lost_.empty()) break;
        dirty = true;
      }
      if (steady::now() >= next_tick) {
        refresh_all();
        next_tick = steady::now() + refresh_period;
        dirty = true;
      }
    }
    screen.reset();  // restores the terminal before anything is printed on it
    if (!lost_.empty()) {
      report_failure(inv_, outcome{outcome::kind::failed, {}, {}, "top: " + lost_});
      return exit_unreachable;
    }
    return exit_ok;
  }

 private:
  enum class purpose { status, lock, values, logs, stop, restart };
  struct pending {
    purpose what;
    std::string name;
  };

  int fail_before_screen(const std::string& why) {
    report_failure(inv_, outcome{outcome::kind::failed, {}, {}, "top: " + why});
    return exit_unreachable;
  }

  void send(purpose what, json request, std::string name = {}) {
    auto id = conn_.send(std::move(request));
    if (!id) {
      lost_ = id.error().message();
      quit_ = true;
      return;
    }
    in_flight_[id->get<long long>()] = {what, std::move(name)};
  }

  bool asking(purpose what) const {
    for (const auto& [id, p] : in_flight_)
      if (p.what == what) return true;
    return false;
  }

  // One question of each kind at a time: a slow daemon gets no pile of repeats.
  void refresh(purpose what) {
    if (asking(what)) return;
    switch (what) {
      case purpose::status:
        send(what, {{"op", "status"}});
        break;
      case purpose::lock:
        send(what, {{"op", "lock_status"}});
        break;
      case purpose::values:
        send(what, {{"op", "value_list"}});
        break;
      case purpose::logs:
        if (state_.showing_logs)
          send(what, {{"op", "logs"}, {"name", state_.log_name}, {"stream", state_.log_stream}},
               state_.log_name);
        break;
      default:
        break;
    }
  }

  void refresh_all() {
    for (purpose p : {purpose::status, purpose::lock, purpose::values, purpose::logs}) refresh(p);
  }

  void on_line(const json& line) {
    if (auto event = line.find("event"); event != line.end() && event->is_object()) {
      std::string type = text_of(*event, "type");
      add_event(state_, *event);
      if (type.rfind("value_", 0) == 0)
        refresh(purpose::values);
      else if (type == "lock_recovered")
        refresh(purpose::lock);
      else
        refresh(purpose::status);
      return;
    }
    auto id = integer_of(line, "id");
    if (!id) {
      // A refusal of the whole connection (id null): nothing more will be answered.
      auto o = classify(line);
      lost_ = o.code.empty() ? o.message : o.code + ": " + o.message;
      quit_ = true;
      return;
    }
    auto it = in_flight_.find(*id);
    if (it == in_flight_.end()) return;
    pending p = std::move(it->second);
    in_flight_.erase(it);
    on_reply(p, classify(line));
  }

  void on_reply(pending& p, const outcome& o) {
    bool ok = o.what == outcome::kind::ok;
    std::string why = o.what == outcome::kind::refused ? o.code + ": " + o.message : o.message;
    switch (p.what) {
      case purpose::status:
        if (ok) set_processes(state_, o.result.value("processes", json::array()));
        break;
      case purpose::lock:
        if (ok) state_.lock = o.result;
        break;
      case purpose::values:
        if (ok) state_.values = o.result.value("entries", json::array());
        break;
      case purpose::logs:
        if (state_.showing_logs && p.name == state_.log_name) {
          if (ok)
            state_.log_text = text_of(o.result, "data");
          else
            set_message(state_, "cannot read the logs of " + p.name + ": " + why, true);
        }
        break;
      case purpose::stop:
        if (ok)
          set_message(state_, "stopped " + p.name + " (" + describe_stop(o.result) + ")");
        else
          set_message(state_, "cannot stop " + p.name + ": " + why, true);
        refresh(purpose::status);
        break;
      case purpose::restart:
        if (ok)
          set_message(state_, "restarted " + p.name + " (pid " +
                                  std::to_string(integer_of(o.result, "pid").value_or(0)) + ")");
        else
          set_message(state_, "cannot restart " + p.name + ": " + why, true);
        refresh(purpose::status);
        break;
    }
  }

  void on_key(const key_press& k) {
    bool ctrl_c = k.kind == key_kind::character && k.ch == '\x03';
    if (state_.showing_logs) {
      if (ctrl_c)
        quit_ = true;
      else if (k.kind == key_kind::escape ||
               (k.kind == key_kind::character && (k.ch == 'q' || k.ch == 'l')))
        state_.showing_logs = false;
      else if (k.kind == key_kind::character && k.ch == '\t') {
        state_.log_stream = state_.log_stream == "stdout" ? "stderr" : "stdout";
        state_.log_text.clear();
        refresh(purpose::logs);
      }
      return;
    }
    switch (k.kind) {
      case key_kind::up:
        move_selection(state_, -1);
        return;
      case key_kind::down:
        move_selection(state_, 1);
        return;
      case key_kind::page_up:
        move_selection(state_, -10);
        return;
      case key_kind::page_down:
        move_selection(state_, 10);
        return;
      case key_kind::home:
        move_selection(state_, -1000000);
        return;
      case key_kind::end:
        move_selection(state_, 1000000);
        return;
      case key_kind::character:
        break;
      default:
        return;
    }
    switch (k.ch) {
      case 'q':
      case '\x03':
        quit_ = true;
        return;
      case 'k':
        move_selection(state_, -1);
        return;
      case 'j':
        move_selection(state_, 1);
        return;
      case 'g':
        move_selection(state_, -1000000);
        return;
      case 'G':
        move_selection(state_, 1000000);
        return;
      case 's':
        stop_selected();
        return;
      case 'r':
        restart_selected();
        return;
      case 'l':
        show_logs();
        return;
      default:
        return;
    }
  }

  const json* selected_or_say() {
    const json* r = selected_record(state_);
    if (!r) set_message(state_, "no process to act on", true);
    return r;
  }

  void stop_selected() {
    const json* r = selected_or_say();
    if (!r) return;
    std::string name = text_of(*r, "name");
    set_message(state_, "stopping " + name + "...");
    send(purpose::stop, {{"op", "stop"}, {"name", name}}, name);
  }

  // The daemon's `restart`: stopped as `s` does, then started again with the spec it was
  // started with (a declared program's instance as its programs file says now).
  void restart_selected() {
    const json* r = selected_or_say();
    if (!r) return;
    std::string name = text_of(*r, "name");
    set_message(state_, "restarting " + name + "...");
    send(purpose::restart, {{"op", "restart"}, {"name", name}}, name);
  }

  void show_logs() {
    const json* r = selected_or_say();
    if (!r) return;
    state_.showing_logs = true;
    state_.log_name = text_of(*r, "name");
    state_.log_stream = "stdout";
    state_.log_text.clear();
    refresh(purpose::logs);
  }

  invocation& inv_;
  connection conn_;
  top_state state_;
  std::map<long long, pending> in_flight_;
  bool quit_ = false;
  std::string lost_;
};

int run_top(invocation& inv) {
  parsed_args a;
  if (auto done = parse_invocation(inv, {}, a)) return *done;
  if (!a.operands.empty()) return usage_error(inv, "top takes no operands");
  if (inv.json)
    return usage_error(
        inv,
        "top is a view for people; scripts can use 'shoal watch --json' and 'shoal status --json'");
  if (!inv.out_is_tty || ::isatty(STDIN_FILENO) != 1)
    return usage_error(
        inv,
        "top needs a terminal on stdin and stdout; use 'shoal status' or 'shoal watch' instead");
  if (const char* term = std::getenv("TERM"); term && std::string_view(term) == "dumb")
    return usage_error(
        inv, "top needs a terminal that understands ANSI escape sequences, and TERM is 'dumb'");

  auto conn = connect_or_print(inv);
  if (!conn) return exit_unreachable;
  auto hello = classify(conn->call({{"op", "hello"}}));
  if (hello.what != outcome::kind::ok) {
    report_failure(inv, hello);
    return exit_code(hello);
  }
  auto watch = classify(conn->call({{"op", "watch"}}));
  if (watch.what != outcome::kind::ok) {
    report_failure(inv, watch);
    return exit_code(watch);
  }
  std::string daemon = "shoald " + text_of(hello.result, "version") + ", pid " +
                       std::to_string(integer_of(hello.result, "pid").value_or(0)) + ", socket " +
                       text_of(hello.result, "socket");
  inv.out.flush();
  top_session session(inv, std::move(*conn), std::move(daemon));
  return session.run(STDIN_FILENO, STDOUT_FILENO);
}

constexpr verb top_table[] = {
    {"top", "top",
     "A live full-screen view: processes, the lock, shared values and the last events.",
     "Updated as shoald's events arrive, and once a second for uptime, the lock and values.\n"
     "Keys:\n"
     "  up/down, j/k    select a process (PgUp/PgDn, Home/End, g/G move further)\n"
     "  s               stop it (SIGTERM, SIGKILL after the grace period)\n"
     "  r               restart it: stop, then start again as it was started (a declared\n"
     "                  program's instance as its programs file says)\n"
     "  l               show its output; tab switches stdout/stderr; l, q or Esc go back\n"
     "  q, Ctrl-C       quit\n"
     "Needs a terminal of at least 40x8; colour unless NO_COLOR is set. Exit 3 when\n"
     "shoald goes away.\n",
     run_top},
};

}  // namespace

std::span<const verb> top_verbs() { return top_table; }

}  // namespace shoal::cli
