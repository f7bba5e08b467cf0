#include "opusperf/distributed/chunk_jobs.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "opusperf/core/errors.h"

namespace opusperf::distributed {
namespace {

using ::testing::HasSubstr;

TEST(ChunkJobsTest, JobsAndOutcomesRoundTripThroughStreamFields) {
  ChunkJob j;
  j.run = "r1";
  j.chunk = 3;
  j.chunks = 9;
  j.path = "/data/a b.mp4";
  j.file_size = 123456789012;
  j.content_key = "abc-1-v1";
  j.span = {video::kOpenBound, 9000};
  j.window_s = 0.5;
  const ChunkJob back = ChunkJob::from_fields(j.to_fields());
  EXPECT_EQ(back.run, j.run);
  EXPECT_EQ(back.chunk, j.chunk);
  EXPECT_EQ(back.chunks, j.chunks);
  EXPECT_EQ(back.path, j.path);
  EXPECT_EQ(back.file_size, j.file_size);
  EXPECT_EQ(back.content_key, j.content_key);
  EXPECT_EQ(back.span, j.span);
  EXPECT_EQ(back.window_s, j.window_s);

  ChunkOutcome o;
  o.run = "r1";
  o.chunk = 3;
  o.worker = "w";
  o.ok = true;
  o.payload = std::string("\0bytes", 6);
  o.frames = 40;
  o.seconds = 0.25;
  o.from_cache = true;
  o.attempt = 2;
  const ChunkOutcome ob = ChunkOutcome::from_fields(o.to_fields());
  EXPECT_EQ(ob.payload, o.payload);
  EXPECT_TRUE(ob.ok);
  EXPECT_TRUE(ob.from_cache);
  EXPECT_EQ(ob.frames, 40u);
  EXPECT_EQ(ob.attempt, 2u);
  EXPECT_DOUBLE_EQ(ob.seconds, 0.25);
}

TEST(ChunkJobsTest, MalformedEntriesNameTheField) {
  ChunkJob j;
  j.run = "r";
  Fields f = j.to_fields();
  Fields missing(f.begin(), f.end() - 1);  // no "window"
  try {
    ChunkJob::from_fields(missing);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'window' is missing"));
  }
  for (auto& [k, v] : f)
    if (k == "size") v = "12x";
  try {
    ChunkJob::from_fields(f);
    FAIL() << "accepted";
  } catch (const InputError& e) {
    EXPECT_THAT(e.what(), HasSubstr("'size' = '12x' is not a number"));
  }
  f = j.to_fields();
  f[0].second = "99";
  EXPECT_THROW(ChunkJob::from_fields(f), InputError);
}

}  // namespace
}  // namespace opusperf::distributed
