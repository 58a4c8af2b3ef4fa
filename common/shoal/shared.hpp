// Shoal's shared values, arrays and lock, for programs that map the daemon's segment
// directly (header-only; link nothing but -lrt on old glibc). A child started by shoald has
// SHOAL_SHM and SHOAL_LOCK in its environment:
//
//   auto shm = shoal::shared_memory::attach();
//   auto count = shm.value<std::int32_t>("salmonCount");   // created by `shoal value create`
//   {
//     shoal::lock_guard hold(shm.lock());                  // records our pid in the segment
//     count.store(count.load() + 1);
//   }
//   auto jobs = shm.lock("jobs");                          // a named lock, same protocol
//
// Values and arrays are created and deleted through the daemon only; this library reads and
// writes their elements, each access atomic. Read-modify-write needs the lock, as in Python.
// Failures to attach or to find an entry throw shoal::shared_error.
#pragma once

#include <fcntl.h>
#include <pthread.h>
#include <semaphore.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>

#include "lock_names.hpp"
#include "lock_record.hpp"
#include "segment_layout.hpp"

namespace shoal {

namespace detail {
// getpid() is a system call in glibc >= 2.25 and costs more than the whole locked increment;
// the cached value is forgotten in a fork child, so it always names the calling process.
inline pid_t current_pid() {
  static std::atomic<pid_t> cached{0};
  static const bool forget_on_fork = [] {
    ::pthread_atfork(nullptr, nullptr, [] { cached.store(0, std::memory_order_relaxed); });
    return true;
  }();
  (void)forget_on_fork;
  pid_t pid = cached.load(std::memory_order_relaxed);
  if (pid == 0) {
    pid = ::getpid();
    cached.store(pid, std::memory_order_relaxed);
  }
  return pid;
}
}  // namespace detail

class shared_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Whether C++ type T stores elements of typecode `code` (same size and signedness).
template <class T>
constexpr bool holds_typecode(char code) {
  if constexpr (std::is_same_v<T, char>)
    return code == 'c';
  else if constexpr (std::is_same_v<T, float>)
    return code == 'f';
  else if constexpr (std::is_same_v<T, double>)
    return code == 'd';
  else if constexpr (std::is_integral_v<T>) {
    constexpr bool s = std::is_signed_v<T>;
    switch (sizeof(T)) {
      case 1:
        return code == (s ? 'b' : 'B');
      case 2:
        return code == (s ? 'h' : 'H');
      case 4:
        return code == (s ? 'i' : 'I');
      case 8:
        return s ? (code == 'l' || code == 'q') : (code == 'L' || code == 'Q');
    }
  }
  return false;
}

// One shared scalar. Copyable; valid while its shared_memory is and the entry is not deleted.
template <class T>
class shared_value {
 public:
  explicit shared_value(T* at) : at_(at) {}
  T load() const { return std::atomic_ref<T>(*at_).load(); }
  void store(T v) { std::atomic_ref<T>(*at_).store(v); }

 private:
  T* at_;
};

template <class T>
class shared_array {
 public:
  shared_array(T* at, std::size_t length) : at_(at), length_(length) {}
  std::size_t size() const { return length_; }
  T load(std::size_t i) const { return std::atomic_ref<T>(at_[check(i)]).load(); }
  void store(std::size_t i, T v) { std::atomic_ref<T>(at_[check(i)]).store(v); }

 private:
  std::size_t check(std::size_t i) const {
    if (i >= length_)
      throw shared_error("index " + std::to_string(i) + " is past the end (length " +
                         std::to_string(length_) + ")");
    return i;
  }
  T* at_;
  std::size_t length_;
};

// The daemon's lock, or a named one. acquire() blocks on the semaphore (we are not the daemon)
// and records this process as the holder, so that the lock is released if we die holding it.
// A wait that lasts looks at the holder every lock_record::waiter_slice_ns and takes the lock
// back from one that is gone: waiters find dead holders, so the daemon need not poll.
class shared_lock {
 public:
  // `owned`: the semaphore is closed with this object (a named lock's); the daemon's own lock
  // is closed by its shared_memory.
  shared_lock(sem_t* sem, layout::lock_state* state, bool owned = false)
      : sem_(sem), state_(state), owned_(owned) {}
  shared_lock(shared_lock&& o) noexcept
      : sem_(std::exchange(o.sem_, nullptr)),
        state_(o.state_),
        owned_(std::exchange(o.owned_, false)) {}
  shared_lock& operator=(shared_lock&&) = delete;
  shared_lock(const shared_lock&) = delete;
  ~shared_lock() {
    if (owned_ && sem_) ::sem_close(sem_);
  }

  // Returns true when the previous holder died holding the lock (like EOWNERDEAD): what it
  // protected may be half-updated.
  bool acquire() {
    if (::sem_trywait(sem_) != 0) wait();
    return lock_record::note_acquired(*state_, detail::current_pid());
  }
  // Non-blocking; `died` as for acquire.
  bool try_acquire(bool* died = nullptr) {
    while (::sem_trywait(sem_) != 0) {
      if (errno != EINTR) return false;
    }
    bool d = lock_record::note_acquired(*state_, detail::current_pid());
    if (died) *died = d;
    return true;
  }
  // False when the lock was no longer ours (forced or recovered by the daemon): then it is
  // not posted again, so nobody else's hold is broken.
  bool release() {
    if (!lock_record::clear_owner(*state_, detail::current_pid())) return false;
    ::sem_post(sem_);
    return true;
  }

 private:
  void wait() {
    lock_record::unowned_sighting seen;
    for (;;) {
      timespec until{};
      clock_gettime(CLOCK_MONOTONIC, &until);
      until.tv_nsec += static_cast<long>(lock_record::waiter_slice_ns);
      if (until.tv_nsec >= 1000000000L) {
        until.tv_sec += 1;
        until.tv_nsec -= 1000000000L;
      }
      if (::sem_clockwait(sem_, CLOCK_MONOTONIC, &until) == 0) return;
      if (errno == EINTR) continue;
      if (errno != ETIMEDOUT)
        throw shared_error(std::string("unable to wait for the lock: ") + std::strerror(errno));
      int value = 1;
      ::sem_getvalue(sem_, &value);
      if (lock_record::take_back_abandoned(*state_, value <= 0, seen, detail::current_pid()))
        ::sem_post(sem_);
    }
  }

  sem_t* sem_;
  layout::lock_state* state_;
  bool owned_;
};

class lock_guard {
 public:
  explicit lock_guard(shared_lock& lock) : lock_(lock), died_(lock.acquire()) {}
  ~lock_guard() { lock_.release(); }
  lock_guard(const lock_guard&) = delete;
  lock_guard& operator=(const lock_guard&) = delete;
  bool previous_owner_died() const { return died_; }

 private:
  shared_lock& lock_;
  bool died_;
};

class shared_memory {
 public:
  // From SHOAL_SHM and SHOAL_LOCK, which shoald gives every child it starts.
  static shared_memory attach() {
    const char* shm = std::getenv("SHOAL_SHM");
    const char* lock = std::getenv("SHOAL_LOCK");
    if (!shm || !lock || !*shm || !*lock)
      throw shared_error(
          "SHOAL_SHM and SHOAL_LOCK are not set: start this program with 'shoal start', "
          "or set them to the names 'shoal ping --json' reports");
    return shared_memory(shm, lock);
  }

  shared_memory(const std::string& shm_name, const std::string& lock_name) {
    int fd = ::shm_open(shm_name.c_str(), O_RDWR | O_NOFOLLOW | O_CLOEXEC, 0);
    if (fd < 0) fail("unable to open shared segment '" + shm_name + "'");
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      fail("unable to inspect shared segment '" + shm_name + "'");
    }
    size_ = static_cast<std::size_t>(st.st_size);
    void* p = size_ >= layout::header_size
                  ? ::mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
                  : MAP_FAILED;
    ::close(fd);
    if (p == MAP_FAILED) fail("unable to map shared segment '" + shm_name + "'");
    base_ = static_cast<std::byte*>(p);
    auto& h = header();
    if (std::atomic_ref(h.magic).load(std::memory_order_acquire) != layout::magic ||
        h.version != layout::version || h.size != size_) {
      ::munmap(base_, size_);
      throw shared_error("'" + shm_name + "' is not a Shoal segment of layout version " +
                         std::to_string(layout::version));
    }
    sem_ = ::sem_open(lock_name.c_str(), 0);
    if (sem_ == SEM_FAILED) {
      ::munmap(base_, size_);
      fail("unable to open lock semaphore '" + lock_name + "'");
    }
    lock_name_ = lock_name;
    lock_.emplace(sem_, &h.lock);
  }

  shared_memory(shared_memory&& o) noexcept
      : base_(std::exchange(o.base_, nullptr)),
        size_(o.size_),
        sem_(std::exchange(o.sem_, nullptr)),
        lock_name_(std::move(o.lock_name_)) {
    if (sem_) lock_.emplace(sem_, &header().lock);
  }
  shared_memory& operator=(shared_memory&&) = delete;
  shared_memory(const shared_memory&) = delete;
  ~shared_memory() {
    if (base_) ::munmap(base_, size_);
    if (sem_) ::sem_close(sem_);
  }

  template <class T>
  shared_value<T> value(std::string_view name) {
    const layout::entry& e = find<T>(name, layout::kind_value);
    return shared_value<T>(reinterpret_cast<T*>(base_ + e.offset));
  }
  template <class T>
  shared_array<T> array(std::string_view name) {
    const layout::entry& e = find<T>(name, layout::kind_array);
    return shared_array<T>(reinterpret_cast<T*>(base_ + e.offset), e.length);
  }
  shared_lock& lock() { return *lock_; }
  // A named lock (created by `shoal lock acquire --name NAME` or the lock_create op). The
  // returned object holds its own semaphore and must not outlive this shared_memory.
  shared_lock lock(std::string_view name) {
    const layout::entry& e =
        find_entry(name, layout::kind_lock, "lock", "shoal lock acquire --name");
    if (e.offset + sizeof(layout::lock_state) > size_)
      throw shared_error("lock '" + std::string(name) + "' points outside the segment");
    std::string sem_name = named_lock_semaphore(lock_name_, name);
    sem_t* sem = ::sem_open(sem_name.c_str(), 0);
    if (sem == SEM_FAILED)
      fail("unable to open the semaphore '" + sem_name + "' of lock '" + std::string(name) + "'");
    return shared_lock(sem, reinterpret_cast<layout::lock_state*>(base_ + e.offset), true);
  }
  layout::header& header() { return *reinterpret_cast<layout::header*>(base_); }

 private:
  [[noreturn]] static void fail(const std::string& what) {
    throw shared_error(what + ": " + std::strerror(errno));
  }

  // The published entry `name` of `kind`; `what` and `how` word the error when there is none.
  const layout::entry& find_entry(std::string_view name, std::uint8_t kind, const std::string& what,
                                  const std::string& how) {
    auto& h = header();
    for (std::uint32_t i = 0; i < h.entry_capacity; ++i) {
      auto* e = reinterpret_cast<layout::entry*>(base_ + layout::entry_table_offset +
                                                 std::size_t{i} * layout::entry_size);
      if (std::atomic_ref(e->state).load(std::memory_order_acquire) != layout::entry_ready)
        continue;
      if (std::string_view(e->name, strnlen(e->name, layout::name_capacity)) != name) continue;
      if (e->kind != kind)
        throw shared_error("'" + std::string(name) + "' is not " +
                           (what == "array" ? "an " : "a ") + what);
      return *e;
    }
    throw shared_error("no " + what + " named '" + std::string(name) +
                       "' in the shared segment (create it with '" + how + "')");
  }

  template <class T>
  const layout::entry& find(std::string_view name, std::uint8_t kind) {
    bool value = kind == layout::kind_value;
    const layout::entry& e = find_entry(name, kind, value ? "value" : "array",
                                        value ? "shoal value create" : "shoal array create");
    if (!holds_typecode<T>(e.typecode) || e.offset + e.length * sizeof(T) > size_)
      throw shared_error("'" + std::string(name) + "' has typecode '" + std::string(1, e.typecode) +
                         "', which this C++ type does not hold");
    return e;
  }

  std::byte* base_ = nullptr;
  std::size_t size_ = 0;
  sem_t* sem_ = nullptr;
  std::string lock_name_;  // the daemon's own lock; named locks' semaphores derive from it
  std::optional<shared_lock> lock_;  // set once the mapping exists
};

}  // namespace shoal
