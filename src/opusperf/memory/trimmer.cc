#include "opusperf/memory/trimmer.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace opusperf {

struct TrimmerRegistry::State {
  struct Entry {
    std::uint64_t id;
    Trimmer trimmer;
  };
  mutable std::mutex mu;
  std::vector<Entry> entries;  // guarded by mu; run order (priority, then id)
  std::uint64_t next_id = 1;   // guarded by mu
};

namespace {

std::uint64_t reclaimable(const Trimmer& t) {
  if (!t.reclaimable_bytes) return 0;
  try {
    return t.reclaimable_bytes();
  } catch (const std::exception& e) {
    spdlog::warn("trimmer '{}': reclaimable_bytes failed: {}", t.name, e.what());
    return 0;
  }
}

}  // namespace

TrimmerRegistry::Handle& TrimmerRegistry::Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    reset();
    state_ = std::move(other.state_);
    id_ = std::exchange(other.id_, 0);
  }
  return *this;
}

void TrimmerRegistry::Handle::reset() {
  if (auto state = state_.lock()) {
    std::lock_guard lock(state->mu);
    std::erase_if(state->entries, [&](const State::Entry& e) { return e.id == id_; });
  }
  state_.reset();
  id_ = 0;
}

TrimmerRegistry::TrimmerRegistry() : state_(std::make_shared<State>()) {}

TrimmerRegistry::Handle TrimmerRegistry::add(Trimmer trimmer) {
  if (trimmer.name.empty()) throw std::invalid_argument("trimmer: empty name");
  if (!trimmer.trim)
    throw std::invalid_argument("trimmer '" + trimmer.name + "': no trim function");
  std::lock_guard lock(state_->mu);
  const std::uint64_t id = state_->next_id++;
  auto& entries = state_->entries;
  // Keep run order: after every entry of the same or a lower priority.
  const auto pos =
      std::upper_bound(entries.begin(), entries.end(), trimmer.priority,
                       [](int p, const State::Entry& e) { return p < e.trimmer.priority; });
  entries.insert(pos, State::Entry{id, std::move(trimmer)});
  return Handle(state_, id);
}

std::vector<TrimStep> TrimmerRegistry::run(PressureLevel level, std::uint64_t target_bytes) {
  std::vector<TrimStep> steps;
  std::uint64_t freed = 0;
  std::lock_guard lock(state_->mu);
  for (const State::Entry& e : state_->entries) {
    if (target_bytes > 0 && freed >= target_bytes) break;
    TrimStep step{e.trimmer.name, e.trimmer.priority, reclaimable(e.trimmer), 0, {}};
    try {
      step.bytes_freed = e.trimmer.trim(level);
    } catch (const std::exception& ex) {
      step.error = ex.what();
      spdlog::error("trimmer '{}' failed at level {}: {}", e.trimmer.name, to_string(level),
                    ex.what());
    }
    freed += step.bytes_freed;
    steps.push_back(std::move(step));
  }
  return steps;
}

std::vector<TrimmerInfo> TrimmerRegistry::list() const {
  std::vector<TrimmerInfo> out;
  std::lock_guard lock(state_->mu);
  for (const State::Entry& e : state_->entries)
    out.push_back({e.trimmer.name, e.trimmer.priority, reclaimable(e.trimmer)});
  return out;
}

std::size_t TrimmerRegistry::size() const {
  std::lock_guard lock(state_->mu);
  return state_->entries.size();
}

}  // namespace opusperf
