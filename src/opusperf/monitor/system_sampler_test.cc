#include "opusperf/monitor/system_sampler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

namespace fs = std::filesystem;

constexpr std::uint64_t kKiB = 1024;
constexpr std::uint64_t kMiB = 1024 * kKiB;
constexpr std::uint64_t kGiB = 1024 * kMiB;

std::uint64_t page_size() {
  return static_cast<std::uint64_t>(::sysconf(_SC_PAGESIZE));
}

// A fake /proc and /sys under a fresh temporary folder, removed when the test ends. By default it
// holds a healthy 4-CPU machine with 16 GiB, no cgroup file and no PSI; tests add or break files.
class FakeTree {
 public:
  FakeTree() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    root_ = fs::temp_directory_path() /
            ("opusperf_sampler_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(root_);
    fs::create_directories(proc());
    fs::create_directories(sys());
    set_process_ticks(100, 50);
    set_machine_ticks(/*user=*/1000, /*system=*/500, /*idle=*/8000, /*iowait=*/500);
    write("proc/self/statm", "100000 2500 1000 10 0 5000 0\n");
    write("proc/meminfo",
          "MemTotal:       16777216 kB\n"
          "MemFree:         1048576 kB\n"
          "MemAvailable:    8388608 kB\n"
          "Buffers:          102400 kB\n"
          "Cached:          4194304 kB\n");
  }
  ~FakeTree() {
    std::error_code ec;
    fs::remove_all(root_, ec);
  }
  FakeTree(const FakeTree&) = delete;
  FakeTree& operator=(const FakeTree&) = delete;

  fs::path proc() const { return root_ / "proc"; }
  fs::path sys() const { return root_ / "sys"; }

  // Writes root/rel, creating folders.
  void write(const std::string& rel, const std::string& content) const {
    const fs::path p = root_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << content;
  }
  void remove(const std::string& rel) const { fs::remove(root_ / rel); }

  void set_process_ticks(std::uint64_t utime, std::uint64_t stime,
                         const std::string& comm = "opusperf") const {
    write("proc/self/stat", "4242 (" + comm + ") S 1 4242 4242 0 -1 4194560 1200 0 3 0 " +
                                std::to_string(utime) + " " + std::to_string(stime) +
                                " 0 0 20 0 8 0 123456 987654321 2500 18446744073709551615\n");
  }
  // Aggregate line plus cpu0..cpu3. guest (the 9th field) is part of user already and must be
  // ignored, so it is set to a large, changing value.
  void set_machine_ticks(std::uint64_t user, std::uint64_t system, std::uint64_t idle,
                         std::uint64_t iowait) const {
    std::string text = "cpu  " + std::to_string(user) + " 0 " + std::to_string(system) + " " +
                       std::to_string(idle) + " " + std::to_string(iowait) + " 0 0 0 " +
                       std::to_string(user / 2) + " 0\n";
    for (int i = 0; i < 4; ++i) {
      text += "cpu" + std::to_string(i) + " 1 0 1 1 0 0 0 0 0 0\n";
    }
    text += "intr 12345 0 0\nctxt 999\nbtime 1700000000\nprocs_running 2\n";
    write("proc/stat", text);
  }

 private:
  fs::path root_;
};

TEST(SystemSamplerTest, CpuPercentFromTwoSamplesIsExact) {
  FakeTree t;
  SystemSampler sampler(t.proc(), t.sys());
  SystemSample s = sampler.sample();
  EXPECT_EQ(s.cpu_count, 4u);
  EXPECT_FALSE(s.process_cpu_percent.has_value());
  EXPECT_FALSE(s.system_cpu_percent.has_value());

  // +400 ticks over 4 CPUs (100 per CPU): 300 busy (user 200, system 100), 100 idle+iowait.
  // The process used 120 + 30 = 150 ticks: 1.5 cores.
  t.set_machine_ticks(1200, 600, 8080, 520);
  t.set_process_ticks(220, 80);
  s = sampler.sample();
  ASSERT_TRUE(s.process_cpu_percent.has_value());
  ASSERT_TRUE(s.system_cpu_percent.has_value());
  EXPECT_DOUBLE_EQ(*s.process_cpu_percent, 150.0);
  EXPECT_DOUBLE_EQ(*s.system_cpu_percent, 75.0);

  // No tick elapsed: nothing to report, and the baseline stays where it was...
  s = sampler.sample();
  EXPECT_FALSE(s.process_cpu_percent.has_value());
  EXPECT_FALSE(s.system_cpu_percent.has_value());

  // ...so the next interval is measured from the second sample: +800 ticks, 200 busy, 20 process.
  t.set_machine_ticks(1300, 700, 8600, 600);
  t.set_process_ticks(230, 90);
  s = sampler.sample();
  ASSERT_TRUE(s.process_cpu_percent.has_value());
  EXPECT_DOUBLE_EQ(*s.process_cpu_percent, 10.0);  // 20 / (800 / 4)
  EXPECT_DOUBLE_EQ(*s.system_cpu_percent, 25.0);   // 200 / 800
}

TEST(SystemSamplerTest, CountersGoingBackwardsRestartTheBaseline) {
  FakeTree t;
  SystemSampler sampler(t.proc(), t.sys());
  sampler.sample();
  t.set_machine_ticks(10, 10, 10, 10);
  t.set_process_ticks(1, 1);
  SystemSample s = sampler.sample();
  EXPECT_FALSE(s.process_cpu_percent.has_value());
  EXPECT_FALSE(s.system_cpu_percent.has_value());
  t.set_machine_ticks(110, 10, 10, 10);  // +100 ticks, all busy
  t.set_process_ticks(26, 1);            // +25
  s = sampler.sample();
  EXPECT_DOUBLE_EQ(s.system_cpu_percent.value(), 100.0);
  EXPECT_DOUBLE_EQ(s.process_cpu_percent.value(), 100.0);  // 25 / (100 / 4)
}

TEST(SystemSamplerTest, CommWithSpacesAndParentheses) {
  FakeTree t;
  t.set_process_ticks(100, 50, "my (weird) proc) 1 2 3");
  SystemSampler sampler(t.proc(), t.sys());
  sampler.sample();
  t.set_process_ticks(200, 50, "my (weird) proc) 1 2 3");
  t.set_machine_ticks(1200, 700, 8000, 500);  // +400 ticks
  const SystemSample s = sampler.sample();
  EXPECT_DOUBLE_EQ(s.process_cpu_percent.value(), 100.0);  // 100 / (400 / 4)
}

TEST(SystemSamplerTest, MemoryFromStatmAndMeminfo) {
  FakeTree t;
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.rss_bytes, 2500 * page_size());
  EXPECT_EQ(s.memory_total_bytes, 16 * kGiB);
  EXPECT_EQ(s.memory_available_bytes, 8 * kGiB);
}

TEST(SystemSamplerTest, RssFallsBackToStatusAndAvailableToFreePlusCache) {
  FakeTree t;
  t.remove("proc/self/statm");
  t.write("proc/self/status",
          "Name:\topusperf\nVmPeak:\t  999 kB\nVmRSS:\t   12345 kB\nThreads:\t3\n");
  t.write("proc/meminfo",
          "MemTotal:       1000 kB\nMemFree:         100 kB\nBuffers:          20 kB\n"
          "Cached:          300 kB\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.rss_bytes, 12345 * kKiB);
  EXPECT_EQ(s.memory_total_bytes, 1000 * kKiB);
  EXPECT_EQ(s.memory_available_bytes, 420 * kKiB);
}

TEST(SystemSamplerTest, NoCgroup) {
  FakeTree t;
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 0);
  EXPECT_FALSE(s.cgroup_memory_usage_bytes.has_value());
  EXPECT_FALSE(s.cgroup_memory_limit_bytes.has_value());
}

TEST(SystemSamplerTest, CgroupFileWithoutMountedHierarchy) {
  FakeTree t;
  t.write("proc/self/cgroup", "0::/user.slice\n");  // but no sys/fs/cgroup at all
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 0);
}

TEST(SystemSamplerTest, CgroupV2WithLimit) {
  FakeTree t;
  t.write("proc/self/cgroup", "0::/system.slice/opusperf.service\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
  t.write("sys/fs/cgroup/system.slice/memory.max", "max\n");
  t.write("sys/fs/cgroup/system.slice/opusperf.service/memory.current", "123456789\n");
  t.write("sys/fs/cgroup/system.slice/opusperf.service/memory.max", "536870912\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 2);
  EXPECT_EQ(s.cgroup_memory_usage_bytes, 123456789u);
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 512 * kMiB);
}

TEST(SystemSamplerTest, CgroupV2MaxIsUnlimited) {
  FakeTree t;
  t.write("proc/self/cgroup", "0::/user.slice/session-1.scope\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "memory\n");
  t.write("sys/fs/cgroup/user.slice/memory.max", "max\n");
  t.write("sys/fs/cgroup/user.slice/session-1.scope/memory.current", "4096\n");
  t.write("sys/fs/cgroup/user.slice/session-1.scope/memory.max", "max\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 2);
  EXPECT_EQ(s.cgroup_memory_usage_bytes, 4096u);
  EXPECT_FALSE(s.cgroup_memory_limit_bytes.has_value());
}

TEST(SystemSamplerTest, CgroupV2AncestorLimitIsTighter) {
  FakeTree t;
  t.write("proc/self/cgroup", "0::/kubepods/pod1/ctr\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "memory\n");
  t.write("sys/fs/cgroup/kubepods/memory.max", "8589934592\n");
  t.write("sys/fs/cgroup/kubepods/pod1/memory.max", "268435456\n");
  t.write("sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "1073741824\n");
  t.write("sys/fs/cgroup/kubepods/pod1/ctr/memory.current", "1000\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 256 * kMiB);
}

TEST(SystemSamplerTest, CgroupV2ContainerWithoutNamespaceUsesMountRoot) {
  FakeTree t;
  // The host path is not visible inside the container; its own cgroup is mounted at the root.
  t.write("proc/self/cgroup", "0::/docker/0123abcd\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "memory\n");
  t.write("sys/fs/cgroup/memory.current", "777\n");
  t.write("sys/fs/cgroup/memory.max", "2147483648\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 2);
  EXPECT_EQ(s.cgroup_memory_usage_bytes, 777u);
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 2 * kGiB);
}

TEST(SystemSamplerTest, CgroupV2LimitAbovePhysicalMemoryIsUnlimited) {
  FakeTree t;
  t.write("proc/self/cgroup", "0::/big\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "memory\n");
  t.write("sys/fs/cgroup/big/memory.max", std::to_string(64 * kGiB) + "\n");  // machine has 16
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_FALSE(s.cgroup_memory_limit_bytes.has_value());
  EXPECT_FALSE(s.cgroup_memory_usage_bytes.has_value());  // memory.current absent
}

TEST(SystemSamplerTest, CgroupV1WithLimit) {
  FakeTree t;
  t.write("proc/self/cgroup",
          "12:pids:/docker/abc\n"
          "11:memory:/docker/abc\n"
          "10:cpu,cpuacct:/docker/abc\n"
          "1:name=systemd:/docker/abc\n");
  t.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  t.write("sys/fs/cgroup/memory/docker/abc/memory.usage_in_bytes", "52428800\n");
  t.write("sys/fs/cgroup/memory/docker/abc/memory.limit_in_bytes", "268435456\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 1);
  EXPECT_EQ(s.cgroup_memory_usage_bytes, 50 * kMiB);
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 256 * kMiB);
}

TEST(SystemSamplerTest, CgroupV1CombinedControllers) {
  FakeTree t;
  t.write("proc/self/cgroup", "4:cpu,memory:/grp\n3:cpuset:/\n");
  t.write("sys/fs/cgroup/memory/grp/memory.usage_in_bytes", "1024\n");
  t.write("sys/fs/cgroup/memory/grp/memory.limit_in_bytes", "1048576\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 1);
  EXPECT_EQ(s.cgroup_memory_usage_bytes, 1024u);
  EXPECT_EQ(s.cgroup_memory_limit_bytes, kMiB);
}

TEST(SystemSamplerTest, CgroupV1UnlimitedSentinel) {
  FakeTree t;
  t.write("proc/self/cgroup", "7:memory:/user.slice\n");
  t.write("sys/fs/cgroup/memory/memory.limit_in_bytes", "9223372036854771712\n");
  t.write("sys/fs/cgroup/memory/user.slice/memory.usage_in_bytes", "999\n");
  t.write("sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes", "9223372036854771712\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 1);
  EXPECT_EQ(s.cgroup_memory_usage_bytes, 999u);
  EXPECT_FALSE(s.cgroup_memory_limit_bytes.has_value());
}

TEST(SystemSamplerTest, CgroupHybridUsesV1MemoryController) {
  FakeTree t;
  // systemd "hybrid": v2 mounted at fs/cgroup/unified without controllers; memory stays on v1.
  t.write("proc/self/cgroup", "9:memory:/app\n1:name=systemd:/app\n0::/app\n");
  t.write("sys/fs/cgroup/unified/app/cgroup.procs", "4242\n");
  t.write("sys/fs/cgroup/memory/app/memory.usage_in_bytes", "10\n");
  t.write("sys/fs/cgroup/memory/app/memory.limit_in_bytes", "2048\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_version, 1);
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 2048u);
}

TEST(SystemSamplerTest, PressurePresent) {
  FakeTree t;
  t.write("proc/pressure/memory",
          "some avg10=1.25 avg60=0.50 avg300=0.10 total=123456\n"
          "full avg10=0.75 avg60=0.25 avg300=0.05 total=65432\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  ASSERT_TRUE(s.memory_pressure.has_value());
  const MemoryPressure& p = *s.memory_pressure;
  EXPECT_DOUBLE_EQ(p.some_avg10, 1.25);
  EXPECT_DOUBLE_EQ(p.some_avg60, 0.50);
  EXPECT_DOUBLE_EQ(p.some_avg300, 0.10);
  EXPECT_EQ(p.some_total_us, 123456u);
  EXPECT_DOUBLE_EQ(p.full_avg10, 0.75);
  EXPECT_DOUBLE_EQ(p.full_avg60, 0.25);
  EXPECT_DOUBLE_EQ(p.full_avg300, 0.05);
  EXPECT_EQ(p.full_total_us, 65432u);
}

TEST(SystemSamplerTest, PressureAbsentEmptyOrMalformed) {
  FakeTree t;
  SystemSampler sampler(t.proc(), t.sys());
  EXPECT_FALSE(sampler.sample().memory_pressure.has_value());  // absent
  t.write("proc/pressure/memory", "");                         // psi=0: reads fail / empty
  EXPECT_FALSE(sampler.sample().memory_pressure.has_value());
  t.write("proc/pressure/memory", "some avg10=abc avg60=0 avg300=0 total=1\n");
  EXPECT_FALSE(sampler.sample().memory_pressure.has_value());
  t.write("proc/pressure/memory", "some avg10=0.1 avg60=0.2\n");  // truncated
  EXPECT_FALSE(sampler.sample().memory_pressure.has_value());
}

TEST(SystemSamplerTest, MissingOptionalFilesDoNotThrow) {
  FakeTree t;
  t.remove("proc/stat");
  t.remove("proc/meminfo");
  t.remove("proc/self/statm");
  SystemSampler sampler(t.proc(), t.sys());
  SystemSample s;
  ASSERT_NO_THROW(s = sampler.sample());
  ASSERT_NO_THROW(s = sampler.sample());  // and again, once warned
  EXPECT_FALSE(s.process_cpu_percent.has_value());
  EXPECT_FALSE(s.system_cpu_percent.has_value());
  EXPECT_EQ(s.rss_bytes, 0u);
  EXPECT_EQ(s.memory_total_bytes, 0u);
  EXPECT_EQ(s.memory_available_bytes, 0u);
  EXPECT_EQ(s.cgroup_version, 0);
  EXPECT_FALSE(s.memory_pressure.has_value());
  EXPECT_GE(s.cpu_count, 1u);  // falls back to the host's count
}

TEST(SystemSamplerTest, MalformedFilesDoNotThrow) {
  FakeTree t;
  t.write("proc/self/stat", "4242 (truncated");
  t.write("proc/stat", "cpu  a b c d\ncpu0 1 2\n");
  t.write("proc/self/statm", "garbage\n");
  t.write("proc/meminfo", "MemTotal: lots kB\n");
  t.write("proc/self/cgroup", "::::\nnonsense\n0::\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "memory\n");
  t.write("sys/fs/cgroup/memory.current", "not a number\n");
  t.write("sys/fs/cgroup/memory.max", "-5\n");
  SystemSampler sampler(t.proc(), t.sys());
  SystemSample s;
  ASSERT_NO_THROW(s = sampler.sample());
  ASSERT_NO_THROW(s = sampler.sample());
  EXPECT_FALSE(s.process_cpu_percent.has_value());
  EXPECT_FALSE(s.system_cpu_percent.has_value());
  EXPECT_EQ(s.rss_bytes, 0u);
  EXPECT_EQ(s.memory_total_bytes, 0u);
  EXPECT_EQ(s.cgroup_version, 2);
  EXPECT_FALSE(s.cgroup_memory_usage_bytes.has_value());
  EXPECT_FALSE(s.cgroup_memory_limit_bytes.has_value());
}

TEST(SystemSamplerTest, CgroupPathCannotEscapeTheMount) {
  FakeTree t;
  t.write("proc/self/cgroup", "0::/../../../etc\n");
  t.write("sys/fs/cgroup/cgroup.controllers", "memory\n");
  t.write("sys/fs/cgroup/memory.max", "4096\n");
  const SystemSample s = SystemSampler(t.proc(), t.sys()).sample();
  EXPECT_EQ(s.cgroup_memory_limit_bytes, 4096u);  // the mount root, nothing above it
}

TEST(SystemSamplerTest, MissingSelfStatThrowsRuntimeErrorNamingIt) {
  FakeTree t;
  t.remove("proc/self/stat");
  SystemSampler sampler(t.proc(), t.sys());
  try {
    sampler.sample();
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find((t.proc() / "self" / "stat").string()), std::string::npos)
        << e.what();
  }
}

TEST(SystemSamplerTest, RealProcSmoke) {
  if (!fs::exists("/proc/self/stat")) GTEST_SKIP() << "no /proc";
  SystemSampler sampler;
  const SystemSample first = sampler.sample();
  EXPECT_GE(first.cpu_count, 1u);
  EXPECT_GT(first.rss_bytes, 0u);
  EXPECT_GT(first.memory_total_bytes, 0u);
  EXPECT_LE(first.memory_available_bytes, first.memory_total_bytes);
  EXPECT_FALSE(first.process_cpu_percent.has_value());
  // Burn some CPU so that ticks pass (USER_HZ is usually 100: 10 ms a tick).
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(60);
  volatile std::uint64_t x = 0;
  while (std::chrono::steady_clock::now() < until)
    x = x + 1;
  const SystemSample second = sampler.sample();
  if (second.system_cpu_percent) {
    EXPECT_GE(*second.system_cpu_percent, 0.0);
    EXPECT_LE(*second.system_cpu_percent, 100.0);
  }
  if (second.process_cpu_percent) {
    EXPECT_GE(*second.process_cpu_percent, 0.0);
  }
  if (second.cgroup_memory_limit_bytes) {
    EXPECT_GT(*second.cgroup_memory_limit_bytes, 0u);
  }
  if (second.memory_pressure) {
    EXPECT_GE(second.memory_pressure->some_avg10, 0.0);
  }
}

}  // namespace
}  // namespace opusperf
