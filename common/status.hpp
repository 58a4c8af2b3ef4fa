// The outcome of an operation that can be refused: an error code from the protocol's stable
// vocabulary and a message for people. Once the daemon serves, failures travel as values of
// this type; nothing is thrown out of a request handler.
#pragma once

#include <cerrno>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace shoal {

enum class errc {
  ok,
  bad_request,
  unknown_op,
  not_found,
  already_exists,
  spawn_failed,
  timeout,
  too_large,
  invalid_state,
  out_of_range,
  wrong_type,
  no_space,
  not_owner,
  permission_denied,
  internal,
};

// The wire spelling of a code: stable, scripts match on it.
constexpr std::string_view to_string(errc code) {
  switch (code) {
    case errc::ok:
      return "ok";
    case errc::bad_request:
      return "bad_request";
    case errc::unknown_op:
      return "unknown_op";
    case errc::not_found:
      return "not_found";
    case errc::already_exists:
      return "already_exists";
    case errc::spawn_failed:
      return "spawn_failed";
    case errc::timeout:
      return "timeout";
    case errc::too_large:
      return "too_large";
    case errc::invalid_state:
      return "invalid_state";
    case errc::out_of_range:
      return "out_of_range";
    case errc::wrong_type:
      return "wrong_type";
    case errc::no_space:
      return "no_space";
    case errc::not_owner:
      return "not_owner";
    case errc::permission_denied:
      return "permission_denied";
    case errc::internal:
      return "internal";
  }
  return "internal";
}

class status {
 public:
  status() = default;
  status(errc code, std::string message) : code_(code), message_(std::move(message)) {}

  // "unable to open 'x': No such file or directory"
  static status from_errno(errc code, std::string_view context, int err) {
    std::string message(context);
    message += ": ";
    message += std::strerror(err);
    return {code, std::move(message)};
  }

  bool ok() const { return code_ == errc::ok; }
  explicit operator bool() const { return ok(); }
  errc code() const { return code_; }
  const std::string& message() const { return message_; }

 private:
  errc code_ = errc::ok;
  std::string message_;
};

// A value or the error that explains why there is none: a status, unless the caller is owed
// something more typed (the supervisor's start_error).
template <class T, class E = status>
class result {
 public:
  result(T value) : v_(std::move(value)) {}
  result(E error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const E& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, E> v_;
};

}  // namespace shoal
