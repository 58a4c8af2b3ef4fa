#include "common/time_format.hpp"

namespace shoal {
namespace {

void put_digits(char*& at, long long value, int width) {
  for (int i = width - 1; i >= 0; --i) {
    at[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  at += width;
}

}  // namespace

// By calendar arithmetic rather than gmtime_r and snprintf: `status` writes two of these per
// record, and the C library's formatting was a tenth of its time.
void append_rfc3339(std::string& out, std::chrono::system_clock::time_point t) {
  using namespace std::chrono;
  auto ms_total = floor<milliseconds>(t.time_since_epoch());
  auto day = floor<days>(ms_total);
  year_month_day ymd{sys_days(day)};
  auto in_day = (ms_total - day).count();  // milliseconds, 0 to 86,399,999
  char text[32];
  char* at = text;
  put_digits(at, static_cast<int>(ymd.year()), 4);
  *at++ = '-';
  put_digits(at, static_cast<unsigned>(ymd.month()), 2);
  *at++ = '-';
  put_digits(at, static_cast<unsigned>(ymd.day()), 2);
  *at++ = 'T';
  put_digits(at, in_day / 3600000, 2);
  *at++ = ':';
  put_digits(at, in_day / 60000 % 60, 2);
  *at++ = ':';
  put_digits(at, in_day / 1000 % 60, 2);
  *at++ = '.';
  put_digits(at, in_day % 1000, 3);
  *at++ = 'Z';
  out.append(text, at);
}

std::string to_rfc3339(std::chrono::system_clock::time_point t) {
  std::string out;
  append_rfc3339(out, t);
  return out;
}

}  // namespace shoal
