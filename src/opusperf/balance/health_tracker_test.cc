#include "opusperf/balance/health_tracker.h"

#include <gtest/gtest.h>

#include <vector>

namespace opusperf {
namespace {

using namespace std::chrono_literals;
using Kind = HealthEvent::Kind;

const Clock::time_point t0 = Clock::time_point(1000s);

class HealthTrackerTest : public ::testing::Test {
 protected:
  explicit HealthTrackerTest(HealthConfig config = HealthConfig{}) : health_(config) {}

  void add(int n) {
    for (int i = 0; i < n; ++i)
      health_.add_worker(t0, false);
  }
  // Reports `n` errors of requests dispatched to `w` at `at`.
  void fail(std::uint32_t w, int n, Clock::time_point at) {
    for (int i = 0; i < n; ++i)
      health_.on_outcome(w, at, false, at, events_);
  }
  void succeed(std::uint32_t w, Clock::time_point dispatched, Clock::time_point at) {
    health_.on_outcome(w, dispatched, true, at, events_);
  }
  std::vector<std::uint32_t> candidates() {
    std::vector<std::uint32_t> out;
    health_.candidates(out);
    return out;
  }
  int count(Kind kind) const {
    int n = 0;
    for (const HealthEvent& e : events_)
      n += e.kind == kind;
    return n;
  }

  HealthTracker health_;
  std::vector<HealthEvent> events_;
};

TEST_F(HealthTrackerTest, FiveConsecutiveErrorsEject) {
  add(10);
  fail(3, 4, t0);
  EXPECT_EQ(health_.state(3), HealthState::kHealthy);
  fail(3, 1, t0);
  EXPECT_EQ(health_.state(3), HealthState::kEjected);
  ASSERT_EQ(count(Kind::kEjected), 1);
  EXPECT_EQ(events_.back().reason, "consecutive_errors");
  EXPECT_EQ(events_.back().ejection_time, 30s);
  EXPECT_EQ(health_.ejections(3), 1u);
  const auto c = candidates();
  EXPECT_EQ(c.size(), 9u);
  EXPECT_EQ(std::find(c.begin(), c.end(), 3u), c.end());
}

TEST_F(HealthTrackerTest, ASuccessBreaksTheRunOnlyIfSentAfterTheLastError) {
  add(10);
  fail(0, 4, t0 + 1s);
  succeed(0, /*dispatched=*/t0, t0 + 2s);  // started before the errors: says nothing
  fail(0, 1, t0 + 3s);
  EXPECT_EQ(health_.state(0), HealthState::kEjected);

  fail(1, 4, t0 + 1s);
  succeed(1, /*dispatched=*/t0 + 2s, t0 + 2s);  // sent after them: the worker works
  fail(1, 4, t0 + 3s);
  EXPECT_EQ(health_.state(1), HealthState::kHealthy);
}

TEST_F(HealthTrackerTest, EjectionTimeGrowsWithEachEjectionUpToTheCap) {
  add(10);
  std::vector<Clock::duration> times;
  Clock::time_point now = t0;
  for (int round = 0; round < 12; ++round) {
    fail(0, 5, now);
    ASSERT_EQ(health_.state(0), HealthState::kEjected);
    times.push_back(events_.back().ejection_time);
    now = health_.ejected_until(0);
    health_.refresh(now, events_);
    ASSERT_EQ(health_.state(0), HealthState::kProbation);
    health_.on_dispatch(0, now);
    health_.on_outcome(0, now, false, now, events_);  // the probation request fails: out again
    ASSERT_EQ(health_.state(0), HealthState::kEjected);
    EXPECT_EQ(events_.back().reason, "probation_failed");
    now = health_.ejected_until(0);
    health_.refresh(now, events_);
    health_.on_dispatch(0, now);
    succeed(0, now, now);  // and now it passes: back, and the next round starts healthy
    ASSERT_EQ(health_.state(0), HealthState::kHealthy);
  }
  // Ejections 1, 3, 5, ... (each round ejects twice without time to earn any back).
  EXPECT_EQ(times[0], 30s);
  EXPECT_EQ(times[1], 90s);
  EXPECT_EQ(times[2], 150s);
  EXPECT_EQ(times[4], 270s);
  EXPECT_EQ(times[5], 300s);  // capped
  EXPECT_EQ(times[11], 300s);
}

TEST_F(HealthTrackerTest, TimeSpentHealthyEarnsEjectionsBack) {
  add(10);
  fail(0, 5, t0);  // #1: 30 s
  Clock::time_point now = health_.ejected_until(0);
  health_.refresh(now, events_);
  health_.on_dispatch(0, now);
  succeed(0, now, now);
  fail(0, 5, now + 1s);  // #2 right away: 60 s
  EXPECT_EQ(events_.back().ejection_time, 60s);
  now = health_.ejected_until(0);
  health_.refresh(now, events_);
  health_.on_dispatch(0, now);
  succeed(0, now, now);
  // Healthy for 2 x 30 s: the count drops from 2 to 0, so this ejection is a first one again.
  fail(0, 5, now + 61s);
  EXPECT_EQ(events_.back().ejection_time, 30s);
}

TEST_F(HealthTrackerTest, ProbationAllowsOneRequestAtATime) {
  add(10);
  fail(5, 5, t0);
  health_.refresh(t0 + 30s, events_);
  EXPECT_EQ(health_.state(5), HealthState::kProbation);
  EXPECT_EQ(count(Kind::kProbation), 1);
  auto c = candidates();
  EXPECT_NE(std::find(c.begin(), c.end(), 5u), c.end());
  EXPECT_DOUBLE_EQ(health_.weight_factor(5, t0 + 30s), 1.0);  // one request, but no handicap
  health_.on_dispatch(5, t0 + 30s);
  c = candidates();
  EXPECT_EQ(std::find(c.begin(), c.end(), 5u), c.end());  // its one request is out
  health_.on_cancel(5, t0 + 30s);                         // abandoned: may try again
  c = candidates();
  EXPECT_NE(std::find(c.begin(), c.end(), 5u), c.end());
  // An old request's outcome does not decide probation.
  succeed(5, /*dispatched=*/t0 - 1s, t0 + 31s);
  EXPECT_EQ(health_.state(5), HealthState::kProbation);
}

TEST_F(HealthTrackerTest, AReturnedWorkerRampsItsWeightOverTheSlowStartWindow) {
  add(10);
  fail(2, 5, t0);
  const Clock::time_point back = t0 + 30s;
  health_.refresh(back, events_);
  health_.on_dispatch(2, back);
  succeed(2, back, back);
  EXPECT_EQ(health_.state(2), HealthState::kHealthy);
  EXPECT_EQ(count(Kind::kReturned), 1);
  EXPECT_DOUBLE_EQ(health_.weight_factor(2, back), 0.1);        // the floor
  EXPECT_DOUBLE_EQ(health_.weight_factor(2, back + 15s), 0.5);  // linear
  EXPECT_DOUBLE_EQ(health_.weight_factor(2, back + 30s), 1.0);  // done
  EXPECT_DOUBLE_EQ(health_.weight_factor(0, back), 1.0);        // never ejected
}

TEST_F(HealthTrackerTest, NoMoreThanTenPercentEjectedButAlwaysOne) {
  add(8);  // 10% of 8 rounds down to 0: one may still go
  fail(0, 5, t0);
  fail(1, 5, t0);
  EXPECT_EQ(health_.state(0), HealthState::kEjected);
  EXPECT_EQ(health_.state(1), HealthState::kHealthy);
  EXPECT_EQ(count(Kind::kEjectionSkipped), 1);
  EXPECT_EQ(health_.unhealthy_count(), 1u);
  fail(1, 1, t0);  // still failing: tried again, still refused
  EXPECT_EQ(count(Kind::kEjectionSkipped), 2);
}

class HealthTrackerPanicTest : public HealthTrackerTest {
 protected:
  static HealthConfig config() {
    HealthConfig c;
    c.max_ejection_percent = 100;
    return c;
  }
  HealthTrackerPanicTest() : HealthTrackerTest(config()) {}
};

TEST_F(HealthTrackerPanicTest, BelowHalfHealthyEveryWorkerIsACandidate) {
  add(4);
  fail(0, 5, t0);
  fail(1, 5, t0);  // 2 of 4 healthy: 50%, not below
  EXPECT_FALSE(health_.panic());
  EXPECT_EQ(candidates(), (std::vector<std::uint32_t>{2, 3}));
  fail(2, 5, t0);
  EXPECT_TRUE(health_.panic());
  EXPECT_EQ(count(Kind::kPanicStarted), 1);
  EXPECT_EQ(candidates(), (std::vector<std::uint32_t>{0, 1, 2, 3}));
  health_.on_probe(0, true, t0 + 1s, events_);  // a passing probe returns worker 0
  EXPECT_FALSE(health_.panic());
  EXPECT_EQ(count(Kind::kPanicEnded), 1);
}

TEST_F(HealthTrackerTest, AFailedProbeEjectsAndAPassingOneReturns) {
  add(10);
  health_.on_probe(4, false, t0, events_);
  EXPECT_EQ(health_.state(4), HealthState::kEjected);
  EXPECT_EQ(events_.back().reason, "probe_failed");
  health_.on_probe(4, false, t0 + 1s, events_);  // still down: stays out, no new ejection
  EXPECT_EQ(health_.ejections(4), 1u);
  health_.on_probe(4, true, t0 + 2s, events_);
  EXPECT_EQ(health_.state(4), HealthState::kHealthy);
  EXPECT_EQ(events_.back().reason, "probe_passed");
}

TEST_F(HealthTrackerTest, SuccessRateOutliersAreEjectedEachInterval) {
  add(6);
  health_.refresh(t0, events_);  // starts the first interval
  for (std::uint32_t w = 0; w < 6; ++w) {
    for (int i = 0; i < 200; ++i) {
      // Worker 5 fails every fourth request (never five in a row); the others never fail.
      const bool ok = w != 5 || i % 4 != 0;
      health_.on_outcome(w, t0 + std::chrono::milliseconds(i), ok, t0 + 1s, events_);
    }
  }
  EXPECT_EQ(health_.state(5), HealthState::kHealthy);
  health_.refresh(t0 + 10s, events_);
  EXPECT_EQ(health_.state(5), HealthState::kEjected);
  EXPECT_EQ(events_.back().reason, "success_rate");
  for (std::uint32_t w = 0; w < 5; ++w)
    EXPECT_EQ(health_.state(w), HealthState::kHealthy);
}

TEST_F(HealthTrackerTest, SuccessRateNeedsEnoughWorkersAndVolume) {
  add(6);
  health_.refresh(t0, events_);
  for (std::uint32_t w = 0; w < 6; ++w) {
    for (int i = 0; i < 50; ++i) {  // below the volume of 100
      health_.on_outcome(w, t0 + std::chrono::milliseconds(i), w != 5 || i % 4 != 0, t0 + 1s,
                         events_);
    }
  }
  health_.refresh(t0 + 10s, events_);
  EXPECT_EQ(health_.state(5), HealthState::kHealthy);
}

}  // namespace
}  // namespace opusperf
