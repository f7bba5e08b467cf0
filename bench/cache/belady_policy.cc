#include "bench/cache/belady_policy.h"

#include <fmt/format.h>

#include <stdexcept>

namespace opusperf::bench::cachesim {

BeladyPolicy::BeladyPolicy(std::size_t capacity, std::span<const std::uint64_t> trace)
    : capacity_(capacity), trace_(trace), next_use_(trace.size(), kNever) {
  if (capacity == 0) throw std::invalid_argument("BeladyPolicy: capacity must be at least 1");
  std::unordered_map<std::uint64_t, std::size_t> seen_at;  // key -> its earliest later position
  for (std::size_t i = trace.size(); i-- > 0;) {
    const auto [it, inserted] = seen_at.try_emplace(trace[i], i);
    if (!inserted) {
      next_use_[i] = it->second;
      it->second = i;
    }
  }
}

bool BeladyPolicy::access(std::uint64_t key) {
  if (position_ >= trace_.size() || trace_[position_] != key)
    throw std::logic_error(fmt::format(
        "BeladyPolicy: request {} for key {} does not follow the trace it was built from",
        position_, key));
  const std::size_t next = next_use_[position_++];
  const auto it = next_use_of_.find(key);
  if (it != next_use_of_.end()) {
    by_next_use_.erase({it->second, key});
    by_next_use_.emplace(next, key);
    it->second = next;
    return true;
  }
  if (next_use_of_.size() >= capacity_) {
    const auto farthest = std::prev(by_next_use_.end());
    next_use_of_.erase(farthest->second);
    by_next_use_.erase(farthest);
  }
  by_next_use_.emplace(next, key);
  next_use_of_.emplace(key, next);
  return false;
}

}  // namespace opusperf::bench::cachesim
