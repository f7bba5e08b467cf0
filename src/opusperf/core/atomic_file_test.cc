#include "opusperf/core/atomic_file.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "opusperf/core/errors.h"

namespace opusperf {
namespace {

namespace fs = std::filesystem;

std::string read_all(const fs::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class AtomicFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // One folder a test: ctest runs tests of this binary in parallel processes.
    dir_ = fs::path(::testing::TempDir()) /
           ("opusperf_atomic_file_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()));
    fs::remove_all(dir_);
    fs::create_directories(dir_);
  }
  void TearDown() override { fs::remove_all(dir_); }
  fs::path dir_;
};

TEST_F(AtomicFileTest, WritesAndReplacesWholeFiles) {
  const fs::path f = dir_ / "out.json";
  write_file_atomically(f, "first");
  EXPECT_EQ(read_all(f), "first");
  write_file_atomically(f, "second, longer");
  EXPECT_EQ(read_all(f), "second, longer");
  write_file_atomically(f, "");
  EXPECT_EQ(read_all(f), "");
  // Only the target is left: no temp files.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFileTest, FailureNamesTheFileAndLeavesNothingBehind) {
  std::ofstream(dir_ / "plain") << "x";
  const fs::path impossible = dir_ / "plain" / "out.json";  // parent is a file
  try {
    write_file_atomically(impossible, "data");
    FAIL() << "expected RuntimeError";
  } catch (const RuntimeError& e) {
    EXPECT_NE(std::string(e.what()).find("plain/out.json"), std::string::npos) << e.what();
  }
  EXPECT_EQ(std::distance(fs::directory_iterator(dir_), fs::directory_iterator()), 1);
}

TEST_F(AtomicFileTest, RelativePathWithoutFolderUsesTheCurrentDirectory) {
  const fs::path old = fs::current_path();
  fs::current_path(dir_);
  write_file_atomically("bare.txt", "ok");
  fs::current_path(old);
  EXPECT_EQ(read_all(dir_ / "bare.txt"), "ok");
}

}  // namespace
}  // namespace opusperf
