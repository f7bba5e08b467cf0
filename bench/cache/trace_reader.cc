#include "bench/cache/trace_reader.h"

#include <fmt/format.h>
#include <zlib.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <memory>

#include "opusperf/core/errors.h"

namespace opusperf::bench::cachesim {
namespace {

constexpr std::string_view kSpace = " \t\r";
// Longest line quoted in an error message; the rest is elided.
constexpr std::size_t kMaxQuoted = 60;

struct GzFileCloser {
  void operator()(gzFile f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<std::remove_pointer_t<gzFile>, GzFileCloser>;

std::string_view trim(std::string_view s) {
  const std::size_t begin = s.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  return s.substr(begin, s.find_last_not_of(kSpace) - begin + 1);
}

// The line as an error message quotes it: at most kMaxQuoted characters, non-printable bytes as
// '?'.
std::string quoted(std::string_view line) {
  std::string text(line.substr(0, kMaxQuoted));
  for (char& c : text)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7e) c = '?';
  return line.size() <= kMaxQuoted ? fmt::format("'{}'", text) : fmt::format("'{}...'", text);
}

enum class KeyStatus { kOk, kNotInteger, kOutOfRange };

// Parses a trimmed line into `key`; no allocation, so the per-line cost stays small.
KeyStatus parse_key(std::string_view text, std::uint64_t& key) {
  const bool negative = !text.empty() && text.front() == '-';
  const char* first = text.data() + (negative ? 1 : 0);
  const char* last = text.data() + text.size();
  std::uint64_t magnitude = 0;
  const auto [end, ec] = std::from_chars(first, last, magnitude);
  if (first == last || ec == std::errc::invalid_argument || end != last)
    return KeyStatus::kNotInteger;
  if (ec == std::errc::result_out_of_range ||
      (negative && magnitude > static_cast<std::uint64_t>(INT64_MAX) + 1))
    return KeyStatus::kOutOfRange;
  // Two's complement reinterpretation: -1 becomes 2^64 - 1, a distinct key like any other.
  key = negative ? ~magnitude + 1 : magnitude;
  return KeyStatus::kOk;
}

[[noreturn]] void throw_bad_line(KeyStatus status, std::string_view line, std::string_view where) {
  if (status == KeyStatus::kOutOfRange)
    throw InputError(fmt::format("{}: key {} is out of the 64-bit range", where, quoted(line)));
  throw InputError(fmt::format("{}: expected one integer key, got {}", where, quoted(line)));
}

}  // namespace

std::uint64_t parse_trace_key(std::string_view line, std::string_view where) {
  std::uint64_t key = 0;
  const KeyStatus status = parse_key(trim(line), key);
  if (status != KeyStatus::kOk) throw_bad_line(status, line, where);
  return key;
}

std::vector<std::uint64_t> read_trace(const std::string& path) {
  errno = 0;
  GzFile file(gzopen(path.c_str(), "rb"));
  if (!file)
    throw InputError(fmt::format("cannot open trace '{}': {}", path,
                                 errno != 0 ? std::strerror(errno) : "out of memory"));
  gzbuffer(file.get(), 1 << 17);

  std::vector<std::uint64_t> keys;
  std::string line;
  std::size_t line_number = 0;
  char chunk[4096];
  bool in_line = false;  // whether `line` holds the start of an unfinished line
  const auto add_line = [&] {
    const std::string_view text = trim(line);
    if (text.empty()) return;
    std::uint64_t key = 0;
    const KeyStatus status = parse_key(text, key);
    if (status != KeyStatus::kOk)
      throw_bad_line(status, line, fmt::format("{}:{}", path, line_number));
    keys.push_back(key);
  };
  for (;;) {
    if (gzgets(file.get(), chunk, sizeof chunk) == nullptr) {
      int err = Z_OK;
      const char* message = gzerror(file.get(), &err);
      if (err == Z_ERRNO) message = std::strerror(errno);
      // Z_BUF_ERROR: the gzip stream ends early (a truncated download), not a clean end of file.
      if (err == Z_BUF_ERROR) message = "the gzip stream ends early (truncated file?)";
      if (err != Z_OK)
        throw InputError(
            fmt::format("cannot read trace '{}' after line {}: {}", path, line_number, message));
      break;
    }
    std::string_view piece(chunk);
    const bool complete = !piece.empty() && piece.back() == '\n';
    if (complete) piece.remove_suffix(1);
    if (in_line) {
      line.append(piece);
    } else {
      line.assign(piece);
      ++line_number;
    }
    in_line = !complete;
    if (in_line) continue;
    add_line();
  }
  if (in_line) add_line();
  return keys;
}

}  // namespace opusperf::bench::cachesim
