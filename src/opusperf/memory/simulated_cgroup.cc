#include "opusperf/memory/simulated_cgroup.h"

#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <system_error>

#include "opusperf/core/errors.h"

namespace opusperf {

namespace fs = std::filesystem;

SimulatedCgroup::SimulatedCgroup(fs::path root)
    : root_(std::move(root)),
      proc_(root_ / "proc"),
      sys_(root_ / "sys"),
      cgroup_dir_(sys_ / "fs" / "cgroup" / "opusperf.slice") {
  std::error_code ec;
  fs::create_directories(proc_ / "self", ec);
  if (!ec) fs::create_directories(cgroup_dir_, ec);
  if (ec) {
    throw RuntimeError(
        fmt::format("simulated cgroup: cannot create {}: {}", root_.string(), ec.message()));
  }
  for (const char* rel : {"self/stat", "self/statm", "self/status", "stat", "meminfo"}) {
    fs::create_symlink(fs::path("/proc") / rel, proc_ / rel, ec);
    if (ec) {
      throw RuntimeError(fmt::format("simulated cgroup: cannot link {}: {}", (proc_ / rel).string(),
                                     ec.message()));
    }
  }
  write(proc_ / "self" / "cgroup", "0::/opusperf.slice\n");
  write(sys_ / "fs" / "cgroup" / "cgroup.controllers", "cpu io memory pids\n");
  write(sys_ / "fs" / "cgroup" / "memory.max", "max\n");
  write(cgroup_dir_ / "memory.current", "0\n");
  write(cgroup_dir_ / "memory.max", "max\n");
}

SimulatedCgroup::~SimulatedCgroup() {
  std::error_code ec;
  fs::remove_all(root_, ec);
}

void SimulatedCgroup::write(const fs::path& file, const std::string& text) const {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw RuntimeError("simulated cgroup: cannot write " + file.string());
}

void SimulatedCgroup::set_memory(std::uint64_t usage_bytes, std::uint64_t limit_bytes) {
  write(cgroup_dir_ / "memory.current", fmt::format("{}\n", usage_bytes));
  write(cgroup_dir_ / "memory.max", fmt::format("{}\n", limit_bytes));
}

void SimulatedCgroup::set_pressure(double some_avg10, double full_avg10) {
  fs::create_directories(proc_ / "pressure");
  write(proc_ / "pressure" / "memory",
        fmt::format("some avg10={0:.2f} avg60={0:.2f} avg300={0:.2f} total=0\n"
                    "full avg10={1:.2f} avg60={1:.2f} avg300={1:.2f} total=0\n",
                    some_avg10, full_avg10));
}

void SimulatedCgroup::clear_pressure() {
  std::error_code ec;
  fs::remove(proc_ / "pressure" / "memory", ec);
}

void SimulatedCgroup::set_rss(std::uint64_t rss_bytes) {
  const auto page = static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
  const std::uint64_t pages = rss_bytes / page;
  const fs::path statm = proc_ / "self" / "statm";
  std::error_code ec;
  if (fs::is_symlink(statm, ec)) fs::remove(statm, ec);
  // size resident shared text lib data dt, in pages
  write(statm, fmt::format("{} {} 0 0 0 {} 0\n", pages * 2, pages, pages));
}

}  // namespace opusperf
