// Helpers shared by the bench/cache tests: per-test scratch directories (ctest runs tests in
// parallel processes) and the shared trace folder.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

namespace opusperf::bench::cachesim::testing {

// A directory unique to the running test and process, removed when the object goes.
class ScratchDir {
 public:
  ScratchDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = std::filesystem::path(::testing::TempDir()) /
            ("opusperf_cachesim_" + std::string(info->test_suite_name()) + "_" + info->name() +
             "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  ~ScratchDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }

  std::string file(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// The folder of public cache traces and REFERENCE.md.
inline std::string cache_traces_dir() {
  return std::string(OPUSPERF_DATA_DIR) + "/cache-traces";
}

}  // namespace opusperf::bench::cachesim::testing
