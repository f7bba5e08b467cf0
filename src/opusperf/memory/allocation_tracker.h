// AllocationTracker: a registry of named allocations the program wants accounted for (the seed's
// register_tensor): model weights, frame queues, decoded batches. It does not allocate anything;
// it counts what callers say they hold, so the MemoryOptimizer can report and watch it.
//
//   AllocationTracker tracker(&registry);              // exports metrics when given a Registry
//   TrackedAllocation t = tracker.track("decoder.frames", frame.capacity(), "decoder-2");
//   ...                                                // t's destruction untracks it
//   TrackedSnapshot s = tracker.snapshot();            // totals by name, largest owners
//
// `name` says what the memory is, `owner` who holds it (a component or session, optional). Both
// should come from bounded sets: every distinct name and (name, owner) pair is kept for the
// tracker's life (with its totals, and as a series the leak detector watches).
//
// Metrics (when constructed with a Registry): gauges opusperf_memory_tracked_bytes{name} and
// opusperf_memory_tracked_allocations{name}.
//
// Thread-safety: every method may be called from many threads; a token may be destroyed on any
// thread. Cost: track() is a shared-lock map lookup plus four atomic adds (an exclusive lock the
// first time a name or owner is seen); untracking is four atomic adds, lock-free.
//
// REQUIRES: the tracker outlives every token it returned.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include "opusperf/monitor/metric_registry.h"

namespace opusperf {

struct TrackedTotal {
  std::string name;
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;  // live tokens
};

struct TrackedOwner {
  std::string name;
  std::string owner;  // empty when tracked without an owner
  std::uint64_t bytes = 0;
  std::uint64_t count = 0;
};

struct TrackedSnapshot {
  std::uint64_t total_bytes = 0;
  std::uint64_t total_count = 0;
  std::vector<TrackedTotal> by_name;         // every name, most bytes first
  std::vector<TrackedOwner> largest_owners;  // the (name, owner) pairs holding most bytes
};

namespace detail {
struct TrackedNameNode;
struct TrackedOwnerNode;
}  // namespace detail

// Move-only token for one tracked allocation; destruction (or reset()) untracks it.
class TrackedAllocation {
 public:
  TrackedAllocation() = default;
  TrackedAllocation(TrackedAllocation&& other) noexcept { *this = std::move(other); }
  TrackedAllocation& operator=(TrackedAllocation&& other) noexcept;
  TrackedAllocation(const TrackedAllocation&) = delete;
  TrackedAllocation& operator=(const TrackedAllocation&) = delete;
  ~TrackedAllocation() { reset(); }

  std::uint64_t bytes() const { return bytes_; }
  // Returns the name / owner tracked under; empty for an empty token.
  std::string_view name() const;
  std::string_view owner() const;
  explicit operator bool() const { return name_ != nullptr; }
  // Untracks now; the token becomes empty. No-op when empty.
  void reset() noexcept;

 private:
  friend class AllocationTracker;
  TrackedAllocation(detail::TrackedNameNode* name, detail::TrackedOwnerNode* owner,
                    std::uint64_t bytes)
      : name_(name), owner_(owner), bytes_(bytes) {}

  detail::TrackedNameNode* name_ = nullptr;
  detail::TrackedOwnerNode* owner_ = nullptr;
  std::uint64_t bytes_ = 0;
};

class AllocationTracker {
 public:
  // `metrics` may be null (no metrics); otherwise it must outlive the tracker.
  explicit AllocationTracker(Registry* metrics = nullptr);
  ~AllocationTracker();
  AllocationTracker(const AllocationTracker&) = delete;
  AllocationTracker& operator=(const AllocationTracker&) = delete;

  // Tracks `bytes` under `name` held by `owner`; returns the token that untracks it.
  // REQUIRES: name is not empty (throws std::invalid_argument).
  [[nodiscard]] TrackedAllocation track(std::string_view name, std::uint64_t bytes,
                                        std::string_view owner = {});

  // Returns the bytes tracked under `name` now (0 for an unknown name).
  std::uint64_t bytes(std::string_view name) const;
  // Returns totals by name and the `top_owners` largest (name, owner) pairs (pairs holding 0
  // bytes are left out).
  TrackedSnapshot snapshot(std::size_t top_owners = 10) const;
  // Returns every (name, owner) pair ever seen with its figures now, in name then owner order.
  std::vector<TrackedOwner> owners() const;

 private:
  detail::TrackedNameNode& name_node(std::string_view name);
  detail::TrackedOwnerNode& owner_node(detail::TrackedNameNode& name, std::string_view owner);

  Registry* const metrics_;
  mutable std::shared_mutex mu_;
  std::map<std::string, std::unique_ptr<detail::TrackedNameNode>, std::less<>> names_;
};

}  // namespace opusperf
