#include "opusperf/distributed/chunk_jobs.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

#include "opusperf/core/errors.h"

namespace opusperf::distributed {
namespace {

constexpr std::string_view kVersion = "1";

const std::string& field(const Fields& f, std::string_view name) {
  for (const auto& [k, v] : f)
    if (k == name) return v;
  throw InputError(fmt::format("chunk job entry: field '{}' is missing", name));
}

template <class T>
T number(const Fields& f, std::string_view name) {
  const std::string& s = field(f, name);
  T v{};
  const auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || end != s.data() + s.size())
    throw InputError(fmt::format("chunk job entry: field '{}' = '{}' is not a number", name, s));
  return v;
}

std::string bound(std::int64_t v) {
  return v == video::kOpenBound ? std::string("open") : std::to_string(v);
}

std::int64_t parse_bound(const Fields& f, std::string_view name) {
  return field(f, name) == "open" ? video::kOpenBound : number<std::int64_t>(f, name);
}

}  // namespace

Fields ChunkJob::to_fields() const {
  return {{"v", std::string(kVersion)},
          {"run", run},
          {"chunk", std::to_string(chunk)},
          {"chunks", std::to_string(chunks)},
          {"path", path},
          {"size", std::to_string(file_size)},
          {"key", content_key},
          {"begin", bound(span.begin)},
          {"end", bound(span.end)},
          {"window", fmt::format("{}", window_s)}};
}

ChunkJob ChunkJob::from_fields(const Fields& f) {
  if (field(f, "v") != kVersion) {
    throw InputError(
        fmt::format("chunk job entry: version '{}' is not {} (mixed opusperf versions?)",
                    field(f, "v"), kVersion));
  }
  ChunkJob j;
  j.run = field(f, "run");
  j.chunk = number<std::uint32_t>(f, "chunk");
  j.chunks = number<std::uint32_t>(f, "chunks");
  j.path = field(f, "path");
  j.file_size = number<std::uint64_t>(f, "size");
  j.content_key = field(f, "key");
  j.span = {parse_bound(f, "begin"), parse_bound(f, "end")};
  j.window_s = number<double>(f, "window");
  if (!(j.window_s > 0)) throw InputError("chunk job entry: field 'window' must be above 0");
  return j;
}

Fields ChunkOutcome::to_fields() const {
  return {{"run", run},
          {"chunk", std::to_string(chunk)},
          {"worker", worker},
          {"status", ok ? "ok" : "failed"},
          {"payload", payload},
          {"frames", std::to_string(frames)},
          {"seconds", fmt::format("{}", seconds)},
          {"cached", from_cache ? "1" : "0"},
          {"attempt", std::to_string(attempt)}};
}

ChunkOutcome ChunkOutcome::from_fields(const Fields& f) {
  ChunkOutcome o;
  o.run = field(f, "run");
  o.chunk = number<std::uint32_t>(f, "chunk");
  o.worker = field(f, "worker");
  o.ok = field(f, "status") == "ok";
  o.payload = field(f, "payload");
  o.frames = number<std::uint64_t>(f, "frames");
  o.seconds = number<double>(f, "seconds");
  o.from_cache = field(f, "cached") == "1";
  o.attempt = number<std::uint32_t>(f, "attempt");
  return o;
}

void ensure_job_group(RedisConnection& c, const StreamNames& names) {
  try {
    c.command({"XGROUP", "CREATE", names.jobs(), StreamNames::kGroup, "0", "MKSTREAM"});
  } catch (const RedisReplyError& e) {
    if (std::string_view(e.what()).find("BUSYGROUP") == std::string_view::npos) throw;
  }
}

std::int64_t unix_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

Fields fields_of(const RedisValue& flat) {
  Fields out;
  for (std::size_t i = 0; i + 1 < flat.size(); i += 2)
    out.emplace_back(flat[i].str, flat[i + 1].str);
  return out;
}

std::vector<std::string_view> xadd_args(const std::string& key, const Fields& fields) {
  std::vector<std::string_view> args = {"XADD", key, "*"};
  for (const auto& [k, v] : fields) {
    args.push_back(k);
    args.push_back(v);
  }
  return args;
}

}  // namespace opusperf::distributed
