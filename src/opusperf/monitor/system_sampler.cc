#include "opusperf/monitor/system_sampler.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>
#include <thread>
#include <vector>

#include "opusperf/core/errors.h"

namespace opusperf {

namespace fs = std::filesystem;

namespace {

// v1 reports "no limit" as LONG_MAX rounded down to a page (9223372036854771712); anything this
// large is a sentinel, not a limit anyone set.
constexpr std::uint64_t kV1UnlimitedSentinel = std::uint64_t{1} << 62;

// Returns the whole file, or nullopt when it cannot be opened or read. procfs files report size 0,
// so read to EOF rather than by size; a read error (PSI disabled answers EOPNOTSUPP) is a failure.
std::optional<std::string> read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) return std::nullopt;
  return content;
}

std::string_view trim(std::string_view s) {
  const auto first = s.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  const auto last = s.find_last_not_of(" \t\r\n");
  return s.substr(first, last - first + 1);
}

std::vector<std::string_view> split_ws(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t i = 0;
  while (i < s.size()) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
      ++i;
    std::size_t j = i;
    while (j < s.size() && !(s[j] == ' ' || s[j] == '\t' || s[j] == '\n' || s[j] == '\r'))
      ++j;
    if (j > i) out.push_back(s.substr(i, j - i));
    i = j;
  }
  return out;
}

std::vector<std::string_view> split_lines(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < s.size()) {
    std::size_t end = s.find('\n', start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Parses a whole token as an unsigned integer.
std::optional<std::uint64_t> parse_u64(std::string_view s) {
  s = trim(s);
  std::uint64_t v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::optional<double> parse_double(std::string_view s) {
  s = trim(s);
  double v = 0;
  const auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

std::uint64_t page_size() {
  const long n = ::sysconf(_SC_PAGESIZE);
  return n > 0 ? static_cast<std::uint64_t>(n) : 4096;
}

// proc/self/stat: "pid (comm) state ppid ...". comm may hold spaces and parentheses, so fields are
// counted from after the last ')': there field 3 (state) is token 0, so utime (14) and stime (15)
// are tokens 11 and 12.
std::optional<std::uint64_t> parse_process_ticks(std::string_view stat) {
  const auto paren = stat.rfind(')');
  if (paren == std::string_view::npos) return std::nullopt;
  const auto tokens = split_ws(stat.substr(paren + 1));
  if (tokens.size() < 13) return std::nullopt;
  const auto utime = parse_u64(tokens[11]);
  const auto stime = parse_u64(tokens[12]);
  if (!utime || !stime) return std::nullopt;
  return *utime + *stime;
}

struct MachineCpu {
  std::uint64_t total = 0;
  std::uint64_t busy = 0;
  unsigned cpu_count = 0;
};

// proc/stat: "cpu  user nice system idle iowait irq softirq steal guest guest_nice", then one
// "cpuN" line a CPU. guest and guest_nice are already counted in user and nice, so they are left
// out of the total.
std::optional<MachineCpu> parse_machine_cpu(std::string_view stat) {
  std::optional<MachineCpu> out;
  unsigned cpus = 0;
  for (std::string_view line : split_lines(stat)) {
    if (!line.starts_with("cpu")) continue;
    if (line.size() > 3 && line[3] >= '0' && line[3] <= '9') {
      ++cpus;
      continue;
    }
    const auto tokens = split_ws(line);
    if (tokens.empty() || tokens[0] != "cpu" || tokens.size() < 5) return std::nullopt;
    MachineCpu m;
    std::uint64_t idle = 0;
    for (std::size_t i = 1; i < tokens.size() && i <= 8; ++i) {
      const auto v = parse_u64(tokens[i]);
      if (!v) return std::nullopt;
      m.total += *v;
      if (i == 4 || i == 5) idle += *v;  // idle, iowait
    }
    m.busy = m.total - idle;
    out = m;
  }
  if (out) out->cpu_count = cpus;
  return out;
}

// Returns the value of "Key:   N kB" in proc/meminfo (or proc/self/status) in bytes.
std::optional<std::uint64_t> find_kb_field(std::string_view text, std::string_view key) {
  for (std::string_view line : split_lines(text)) {
    if (!line.starts_with(key) || line.size() <= key.size() || line[key.size()] != ':') continue;
    const auto tokens = split_ws(line.substr(key.size() + 1));
    if (tokens.empty()) return std::nullopt;
    const auto v = parse_u64(tokens[0]);
    if (!v) return std::nullopt;
    const bool kb = tokens.size() >= 2 && tokens[1] == "kB";
    return kb ? *v * 1024 : *v;
  }
  return std::nullopt;
}

// One line of proc/pressure/memory: "some avg10=0.12 avg60=0.05 avg300=0.01 total=12345".
bool parse_psi_line(std::string_view line, double& avg10, double& avg60, double& avg300,
                    std::uint64_t& total) {
  bool seen[4] = {false, false, false, false};
  const auto tokens = split_ws(line);
  for (std::size_t i = 1; i < tokens.size(); ++i) {
    const auto eq = tokens[i].find('=');
    if (eq == std::string_view::npos) return false;
    const std::string_view key = tokens[i].substr(0, eq);
    const std::string_view value = tokens[i].substr(eq + 1);
    if (key == "total") {
      const auto v = parse_u64(value);
      if (!v) return false;
      total = *v;
      seen[3] = true;
      continue;
    }
    const auto v = parse_double(value);
    if (!v) return false;
    if (key == "avg10") {
      avg10 = *v;
      seen[0] = true;
    } else if (key == "avg60") {
      avg60 = *v;
      seen[1] = true;
    } else if (key == "avg300") {
      avg300 = *v;
      seen[2] = true;
    }
  }
  return seen[0] && seen[1] && seen[2] && seen[3];
}

std::optional<MemoryPressure> parse_psi(std::string_view text) {
  MemoryPressure p;
  bool some = false;
  for (std::string_view line : split_lines(text)) {
    if (line.starts_with("some ")) {
      if (!parse_psi_line(line, p.some_avg10, p.some_avg60, p.some_avg300, p.some_total_us)) {
        return std::nullopt;
      }
      some = true;
    } else if (line.starts_with("full ")) {
      if (!parse_psi_line(line, p.full_avg10, p.full_avg60, p.full_avg300, p.full_total_us)) {
        return std::nullopt;
      }
    }
  }
  // "full" is absent on kernels that predate it for some resources; it then reads as zeros.
  if (!some) return std::nullopt;
  return p;
}

struct CgroupPaths {
  std::optional<std::string> v2;  // the "0::/path" entry
  std::optional<std::string> v1;  // the entry whose controller list names "memory"
};

// proc/self/cgroup: "hierarchy-ID:controller-list:path" a line.
CgroupPaths parse_cgroup_file(std::string_view text) {
  CgroupPaths out;
  for (std::string_view line : split_lines(text)) {
    line = trim(line);
    const auto c1 = line.find(':');
    if (c1 == std::string_view::npos) continue;
    const auto c2 = line.find(':', c1 + 1);
    if (c2 == std::string_view::npos) continue;
    const std::string_view id = line.substr(0, c1);
    const std::string_view controllers = line.substr(c1 + 1, c2 - c1 - 1);
    const std::string_view path = line.substr(c2 + 1);  // a path may itself contain ':'
    if (id == "0" && controllers.empty()) {
      out.v2 = std::string(path);
      continue;
    }
    std::size_t start = 0;
    while (start <= controllers.size()) {
      std::size_t end = controllers.find(',', start);
      if (end == std::string_view::npos) end = controllers.size();
      if (controllers.substr(start, end - start) == "memory") out.v1 = std::string(path);
      start = end + 1;
    }
  }
  return out;
}

// Returns root/<cgroup path> when it is a directory inside root. Otherwise root itself: inside a
// container without a cgroup namespace, proc/self/cgroup names the host's path while sys/fs/cgroup
// is already the container's own cgroup.
fs::path resolve_cgroup_dir(const fs::path& root, const std::string& cgroup_path) {
  const fs::path rel = fs::path(cgroup_path).relative_path().lexically_normal();
  if (rel.empty() || rel == "." || *rel.begin() == "..") return root;
  std::error_code ec;
  const fs::path dir = root / rel;
  if (fs::is_directory(dir, ec)) return dir;
  return root;
}

// Returns the smallest limit found in `file` in dir and each ancestor up to and including root;
// nullopt when none sets one. `unlimited(v)` says whether a value means "no limit".
template <class Unlimited>
std::optional<std::uint64_t> tightest_limit(const fs::path& root, fs::path dir,
                                            const std::string& file, Unlimited unlimited) {
  std::optional<std::uint64_t> best;
  const fs::path stop = root.lexically_normal();
  for (int depth = 0; depth < 256; ++depth) {  // bounded: a path never nests this deep
    if (const auto text = read_file(dir / file)) {
      const std::string_view t = trim(*text);
      if (t != "max") {
        if (const auto v = parse_u64(t); v && !unlimited(*v))
          best = best ? std::min(*best, *v) : *v;
      }
    }
    if (dir.lexically_normal() == stop || !dir.has_parent_path() || dir.parent_path() == dir) break;
    dir = dir.parent_path();
  }
  return best;
}

}  // namespace

SystemSampler::SystemSampler(fs::path proc_root, fs::path sys_root)
    : proc_root_(std::move(proc_root)), sys_root_(std::move(sys_root)) {}

void SystemSampler::warn_once(const std::string& key, const std::string& message) {
  if (warned_.insert(key).second) spdlog::warn("system sampler: {}", message);
}

SystemSample SystemSampler::sample() {
  SystemSample s;

  // --- CPU -------------------------------------------------------------------------------------
  const fs::path self_stat_path = proc_root_ / "self" / "stat";
  const auto self_stat = read_file(self_stat_path);
  if (!self_stat) throw RuntimeError("cannot read " + self_stat_path.string());
  const auto process_ticks = parse_process_ticks(*self_stat);
  if (!process_ticks) {
    warn_once(self_stat_path.string(),
              "cannot parse utime/stime in " + self_stat_path.string() + "; process CPU unknown");
  }

  const fs::path stat_path = proc_root_ / "stat";
  std::optional<MachineCpu> machine;
  if (const auto text = read_file(stat_path)) machine = parse_machine_cpu(*text);
  if (!machine) {
    warn_once(stat_path.string(), "cannot read or parse the cpu line of " + stat_path.string() +
                                      "; CPU percentages unknown");
  }
  s.cpu_count = machine && machine->cpu_count > 0
                    ? machine->cpu_count
                    : std::max(1u, std::thread::hardware_concurrency());

  if (machine) {
    CpuTicks now{process_ticks, machine->total, machine->busy};
    if (previous_ && now.total == previous_->total) {
      // No tick elapsed (samples closer than 1/USER_HZ): nothing to divide by. Keep the old
      // baseline so that the next sample covers the whole interval.
    } else {
      if (previous_ && now.total > previous_->total && now.busy >= previous_->busy) {
        const double dt = static_cast<double>(now.total - previous_->total);
        s.system_cpu_percent = static_cast<double>(now.busy - previous_->busy) / dt * 100.0;
        if (now.process && previous_->process && *now.process >= *previous_->process) {
          const double per_cpu = dt / static_cast<double>(s.cpu_count);
          s.process_cpu_percent =
              static_cast<double>(*now.process - *previous_->process) / per_cpu * 100.0;
        }
      }
      // Counters that went backwards (a different proc tree, a wrap) start a fresh baseline.
      previous_ = now;
    }
  }

  // --- Memory ----------------------------------------------------------------------------------
  const fs::path statm_path = proc_root_ / "self" / "statm";
  std::optional<std::uint64_t> rss;
  if (const auto text = read_file(statm_path)) {
    const auto tokens = split_ws(*text);
    if (tokens.size() >= 2) {
      if (const auto pages = parse_u64(tokens[1])) rss = *pages * page_size();
    }
  }
  if (!rss) {
    const fs::path status_path = proc_root_ / "self" / "status";
    if (const auto text = read_file(status_path)) rss = find_kb_field(*text, "VmRSS");
    if (!rss) {
      warn_once(statm_path.string(),
                "cannot read RSS from " + statm_path.string() + " or " + status_path.string());
    }
  }
  s.rss_bytes = rss.value_or(0);

  const fs::path meminfo_path = proc_root_ / "meminfo";
  if (const auto text = read_file(meminfo_path)) {
    s.memory_total_bytes = find_kb_field(*text, "MemTotal").value_or(0);
    if (const auto avail = find_kb_field(*text, "MemAvailable")) {
      s.memory_available_bytes = *avail;
    } else {
      // Kernels before 3.14 lack MemAvailable; free + reclaimable page cache approximates it.
      s.memory_available_bytes = find_kb_field(*text, "MemFree").value_or(0) +
                                 find_kb_field(*text, "Buffers").value_or(0) +
                                 find_kb_field(*text, "Cached").value_or(0);
    }
  }
  if (s.memory_total_bytes == 0) {
    warn_once(meminfo_path.string(), "cannot read MemTotal from " + meminfo_path.string());
  }

  // --- cgroup ----------------------------------------------------------------------------------
  const fs::path cgroup_path = proc_root_ / "self" / "cgroup";
  const auto cgroup_text = read_file(cgroup_path);
  if (!cgroup_text) warn_once(cgroup_path.string(), "cannot read " + cgroup_path.string());
  const CgroupPaths paths = cgroup_text ? parse_cgroup_file(*cgroup_text) : CgroupPaths{};
  const fs::path cgroup_root = sys_root_ / "fs" / "cgroup";
  std::error_code ec;
  const std::uint64_t physical = s.memory_total_bytes;
  // A limit above physical memory can never bind; report it as unlimited.
  auto beyond_physical = [physical](std::uint64_t v) { return physical > 0 && v > physical; };
  if (paths.v2 && fs::exists(cgroup_root / "cgroup.controllers", ec)) {
    s.cgroup_version = 2;
    const fs::path dir = resolve_cgroup_dir(cgroup_root, *paths.v2);
    if (const auto text = read_file(dir / "memory.current")) {
      s.cgroup_memory_usage_bytes = parse_u64(*text);
    }
    s.cgroup_memory_limit_bytes = tightest_limit(cgroup_root, dir, "memory.max", beyond_physical);
  } else if (paths.v1 && fs::is_directory(cgroup_root / "memory", ec)) {
    s.cgroup_version = 1;
    const fs::path root = cgroup_root / "memory";
    const fs::path dir = resolve_cgroup_dir(root, *paths.v1);
    if (const auto text = read_file(dir / "memory.usage_in_bytes")) {
      s.cgroup_memory_usage_bytes = parse_u64(*text);
    }
    s.cgroup_memory_limit_bytes = tightest_limit(
        root, dir, "memory.limit_in_bytes",
        [&](std::uint64_t v) { return v >= kV1UnlimitedSentinel || beyond_physical(v); });
  } else if (warned_.insert("no-cgroup").second) {
    spdlog::debug("system sampler: no cgroup memory controller under {}", cgroup_root.string());
  }

  // --- PSI -------------------------------------------------------------------------------------
  const fs::path psi_path = proc_root_ / "pressure" / "memory";
  // With PSI compiled in but disabled (psi=0) the file exists and reads fail: treat as absent.
  if (const auto text = read_file(psi_path); text && !trim(*text).empty()) {
    s.memory_pressure = parse_psi(*text);
    if (!s.memory_pressure) {
      warn_once(psi_path.string(), "cannot parse " + psi_path.string());
    }
  } else if (warned_.insert("no-psi").second) {
    // Absent on kernels before 4.20 or booted with psi=0: normal, so not a warning.
    spdlog::debug("system sampler: {} unavailable; no memory pressure figures", psi_path.string());
  }

  return s;
}

}  // namespace opusperf
