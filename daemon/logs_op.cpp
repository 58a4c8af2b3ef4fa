// The `logs` op: a process's output by bytes from an offset, or by lines from a cursor across
// both streams; either may wait for what the process writes next.
#include <array>

#include "common/time_format.hpp"
#include "daemon/fields.hpp"
#include "daemon/log_lines.hpp"
#include "daemon/ownership.hpp"
#include "daemon/process_op_handlers.hpp"

namespace shoal {
namespace {

constexpr long long default_log_bytes = 64 * 1024;
constexpr long long max_log_bytes = 1024 * 1024;
constexpr double max_log_wait_seconds = 3600;
constexpr long long max_log_lines = 100000;

// Answers a `logs` request from the stream as it is now, or, with `wait` and nothing new to
// give while the process may still write, once it has written or changed state.
// The record named `name` and its output, if the peer may read them. Checked on every answer:
// by the time a waiting request is answered, the name may have been started again by another
// user. Ownership first, so another user's log files are not even opened.
result<std::pair<const process_record*, std::shared_ptr<process_output>>> readable_output(
    supervisor& s, const std::string& name, const responder& reply) {
  const process_record* r = s.find(name);
  if (!r) return status{errc::not_found, "no process named '" + name + "'"};
  if (auto st = check_owner(reply.from().uid, "read the logs of", name, r->uid); !st) return st;
  auto opened = s.output_of(*r);
  if (!opened) return opened.error();
  return std::pair{r, std::move(*opened)};
}

void answer_logs(supervisor& s, const std::string& name, output_stream which,
                 std::optional<std::uint64_t> offset, std::size_t limit, std::optional<double> wait,
                 const responder& reply) {
  auto found = readable_output(s, name, reply);
  if (!found) return reply.fail(found.error());
  auto [r, output] = std::move(*found);
  auto chunk = output->stream(which).read(offset, limit);
  if (!chunk) return reply.fail(chunk.error());
  bool may_write = !r->done() || output->reading();
  if (wait && *wait > 0 && may_write && chunk->data.empty() && chunk->skipped == 0) {
    output->wait(reply.from().session, *wait, [&s, name, which, offset, limit, reply] {
      answer_logs(s, name, which, offset, limit, std::nullopt, reply);
    });
    return;
  }
  reply.ok({{"data", std::move(chunk->data)},
            {"offset", chunk->offset},
            {"skipped", chunk->skipped},
            {"size", output->stream(which).end()},
            {"stream", which == output_stream::err ? "stderr" : "stdout"},
            {"state", to_string(r->state)}});
}

// Answers a `logs` request by lines (`lines` or `cursor` given, or `stream` both): the last
// lines, or those after the cursor; with `wait`, held until there is a line to give.
void answer_lines(supervisor& s, const std::string& name, line_request request,
                  std::optional<double> wait, const responder& reply) {
  auto found = readable_output(s, name, reply);
  if (!found) return reply.fail(found.error());
  auto [r, output] = std::move(*found);
  process_output& out = *output;
  bool may_write = !r->done() || out.reading();
  request.final = !may_write;
  auto batch = read_lines({&out.stream(output_stream::out), &out.stream(output_stream::err)},
                          out.journal(), request);
  if (!batch) return reply.fail(batch.error());
  if (wait && *wait > 0 && may_write && batch->lines.empty() && batch->skipped == 0) {
    out.wait(reply.from().session, *wait,
             [&s, name, request, reply] { answer_lines(s, name, request, std::nullopt, reply); });
    return;
  }
  // Nothing more will come: the process is done and every line was given.
  bool done = !may_write;
  const std::array<output_stream, 2> streams = {output_stream::out, output_stream::err};
  for (std::size_t i = 0; i < 2; ++i)
    if (request.streams[i] && batch->cursor[i] < out.stream(streams[i]).end()) done = false;
  json lines = json::array();
  for (auto& line : batch->lines)
    lines.push_back(
        {{"stream", line.stream == 0 ? "stdout" : "stderr"},
         {"text", std::move(line.text)},
         {"time", line.arrival.at ? json(to_rfc3339(*line.arrival.at)) : json(nullptr)}});
  reply.ok({{"lines", std::move(lines)},
            {"cursor", {{"stdout", batch->cursor[0]}, {"stderr", batch->cursor[1]}}},
            {"skipped", batch->skipped},
            {"state", to_string(r->state)},
            {"done", done}});
}

}  // namespace

void handle_logs(supervisor& s, const json& body, const responder& reply) {
  auto name = required_name(body, "name");
  if (!name) return reply.fail(name.error());
  auto stream = optional_string(body, "stream");
  if (!stream) return reply.fail(stream.error());
  auto lines = optional_integer(body, "lines");
  if (!lines) return reply.fail(lines.error());
  auto cursor_field = body.find("cursor");
  bool by_lines = *lines || (cursor_field != body.end() && !cursor_field->is_null()) ||
                  stream->value_or("") == "both";
  if (by_lines) {
    line_request request;
    std::string which = stream->value_or("both");
    if (which != "stdout" && which != "stderr" && which != "both")
      return reply.fail(errc::bad_request,
                        "field 'stream' must be \"stdout\", \"stderr\" or \"both\"");
    request.streams = {which != "stderr", which != "stdout"};
    if (*lines) {
      if (**lines < 0 || **lines > max_log_lines)
        return reply.fail(errc::out_of_range, "field 'lines' must be between 0 and 100000");
      request.count = static_cast<std::size_t>(**lines);
    }
    if (cursor_field != body.end() && !cursor_field->is_null()) {
      if (!cursor_field->is_object())
        return reply.fail(
            errc::bad_request,
            "field 'cursor' must be an object {\"stdout\": offset, \"stderr\": offset}");
      std::array<std::uint64_t, 2> cursor{};
      const char* keys[] = {"stdout", "stderr"};
      for (std::size_t i = 0; i < 2; ++i) {
        auto v = cursor_field->find(keys[i]);
        if (v == cursor_field->end()) continue;
        if (!v->is_number_unsigned())
          return reply.fail(errc::bad_request, std::string("field 'cursor.") + keys[i] +
                                                   "' must be an offset, 0 or more");
        cursor[i] = v->get<std::uint64_t>();
      }
      request.cursor = cursor;
    }
    auto max_bytes = optional_integer(body, "max_bytes");
    if (!max_bytes) return reply.fail(max_bytes.error());
    if (*max_bytes) {
      if (**max_bytes < 1 || **max_bytes > max_log_bytes)
        return reply.fail(errc::out_of_range, "field 'max_bytes' must be between 1 and 1048576");
      request.max_bytes = static_cast<std::size_t>(**max_bytes);
    }
    auto wait = optional_seconds(body, "wait");
    if (!wait) return reply.fail(wait.error());
    if (*wait && **wait > max_log_wait_seconds)
      return reply.fail(errc::out_of_range, "field 'wait' must be at most 3600 seconds");
    return answer_lines(s, *name, request, *wait, reply);
  }
  std::string which = stream->value_or("stdout");
  if (which != "stdout" && which != "stderr")
    return reply.fail(errc::bad_request,
                      "field 'stream' must be \"stdout\", \"stderr\" or \"both\"");
  auto offset = optional_integer(body, "offset");
  if (!offset) return reply.fail(offset.error());
  auto max_bytes = optional_integer(body, "max_bytes");
  if (!max_bytes) return reply.fail(max_bytes.error());
  long long limit = max_bytes->value_or(default_log_bytes);
  if (limit < 0 || limit > max_log_bytes)
    return reply.fail(errc::out_of_range, "field 'max_bytes' must be between 0 and 1048576");
  if (*offset && **offset < 0)
    return reply.fail(errc::out_of_range, "field 'offset' must not be negative");
  auto wait = optional_seconds(body, "wait");
  if (!wait) return reply.fail(wait.error());
  if (*wait && **wait > max_log_wait_seconds)
    return reply.fail(errc::out_of_range, "field 'wait' must be at most 3600 seconds");
  std::optional<std::uint64_t> from;
  if (*offset) from = static_cast<std::uint64_t>(**offset);
  answer_logs(s, *name, which == "stderr" ? output_stream::err : output_stream::out, from,
              static_cast<std::size_t>(limit), *wait, reply);
}

}  // namespace shoal
