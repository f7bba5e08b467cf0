// Trimmers: what the MemoryOptimizer calls to release memory that can be rebuilt (cache entries,
// idle pool buffers, idle device memory) when memory runs short.
//
//   TrimmerRegistry::Handle h = memory.trimmers().add({
//       .name = "smart_cache", .priority = 20,
//       .trim = [&](PressureLevel level) { return cache.shrink_for(level); },   // bytes freed
//       .reclaimable_bytes = [&] { return cache.weighted_bytes(); }});
//   // ... h's destruction unregisters; after it returns the trimmer is never called again.
//
// A response runs trimmers in priority order (lower first, ties in registration order; see
// Trimmer::priority for the bands), each with the pressure level, until the bytes asked for are
// freed. Each trimmer decides how much a level means to it and returns what it freed by its own
// accounting. A trimmer that throws is logged and counted as freeing nothing; the rest still run.
//
// Thread-safety: every method may be called from many threads. run() holds the registry's lock
// while calling trimmers, so removing a trimmer waits for a run in progress; hence a trimmer must
// not add or remove trimmers itself. A Handle may outlive the registry (it then does nothing).
// Cost: add/remove take a mutex; run() is the trimmers' own cost.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "opusperf/memory/pressure_level.h"

namespace opusperf {

struct Trimmer {
  std::string name;
  // Lower runs first. Suggested bands: 20 caches of computed results, 30 idle device memory,
  // 90 buffer pools (last: what the others drop may be pool buffers that only then turn idle).
  int priority = 100;
  // Releases memory for `level`; returns the bytes freed by its own accounting. Required.
  std::function<std::uint64_t(PressureLevel level)> trim;
  // Returns the bytes trim(kCritical) would free now; optional (reported as 0 when absent).
  std::function<std::uint64_t()> reclaimable_bytes;
};

// What one trimmer did in one run.
struct TrimStep {
  std::string name;
  int priority = 0;
  std::uint64_t reclaimable_before = 0;  // its reclaimable_bytes() just before trim()
  std::uint64_t bytes_freed = 0;         // what trim() returned
  std::string error;                     // what it threw; empty when it returned
};

// A registered trimmer's current figures.
struct TrimmerInfo {
  std::string name;
  int priority = 0;
  std::uint64_t reclaimable_bytes = 0;
};

class TrimmerRegistry {
 private:
  struct State;

 public:
  // Unregisters its trimmer when destroyed or reset(). Move-only.
  class Handle {
   public:
    Handle() = default;
    Handle(Handle&&) noexcept = default;
    Handle& operator=(Handle&& other) noexcept;
    Handle(const Handle&) = delete;
    Handle& operator=(const Handle&) = delete;
    ~Handle() { reset(); }
    // Unregisters now (waiting for a run in progress). No-op when empty.
    void reset();

   private:
    friend class TrimmerRegistry;
    Handle(std::weak_ptr<State> state, std::uint64_t id) : state_(std::move(state)), id_(id) {}
    std::weak_ptr<State> state_;
    std::uint64_t id_ = 0;
  };

  TrimmerRegistry();
  TrimmerRegistry(const TrimmerRegistry&) = delete;
  TrimmerRegistry& operator=(const TrimmerRegistry&) = delete;

  // Registers `trimmer` and returns the handle that keeps it registered.
  // REQUIRES: trimmer.trim is set and trimmer.name is not empty (throws std::invalid_argument).
  [[nodiscard]] Handle add(Trimmer trimmer);

  // Runs trimmers in order with `level` until `target_bytes` are freed (0: run them all). Returns
  // one step per trimmer that ran.
  std::vector<TrimStep> run(PressureLevel level, std::uint64_t target_bytes);

  // Returns every trimmer in run order with its reclaimable bytes now.
  std::vector<TrimmerInfo> list() const;
  std::size_t size() const;

 private:
  std::shared_ptr<State> state_;
};

}  // namespace opusperf
