#include "opusperf/memory/allocation_tracker.h"

#include <algorithm>
#include <mutex>
#include <stdexcept>
#include <utility>

namespace opusperf {
namespace detail {

struct TrackedOwnerNode {
  TrackedOwnerNode(std::string n, std::string o) : name(std::move(n)), owner(std::move(o)) {}
  const std::string name;
  const std::string owner;
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> count{0};
};

struct TrackedNameNode {
  explicit TrackedNameNode(std::string n) : name(std::move(n)) {}
  const std::string name;
  std::atomic<std::uint64_t> bytes{0};
  std::atomic<std::uint64_t> count{0};
  Gauge* bytes_gauge = nullptr;  // null without a Registry
  Gauge* count_gauge = nullptr;
  // Guarded by the tracker's mutex; nodes never move or go away.
  std::map<std::string, std::unique_ptr<TrackedOwnerNode>, std::less<>> owners;
};

}  // namespace detail

namespace {

void add(detail::TrackedNameNode& n, detail::TrackedOwnerNode& o, std::uint64_t bytes,
         bool tracking) {
  const auto order = std::memory_order_relaxed;
  if (tracking) {
    n.bytes.fetch_add(bytes, order);
    n.count.fetch_add(1, order);
    o.bytes.fetch_add(bytes, order);
    o.count.fetch_add(1, order);
  } else {
    n.bytes.fetch_sub(bytes, order);
    n.count.fetch_sub(1, order);
    o.bytes.fetch_sub(bytes, order);
    o.count.fetch_sub(1, order);
  }
  const double sign = tracking ? 1.0 : -1.0;
  if (n.bytes_gauge != nullptr) n.bytes_gauge->add(sign * static_cast<double>(bytes));
  if (n.count_gauge != nullptr) n.count_gauge->add(sign);
}

}  // namespace

TrackedAllocation& TrackedAllocation::operator=(TrackedAllocation&& other) noexcept {
  if (this != &other) {
    reset();
    name_ = std::exchange(other.name_, nullptr);
    owner_ = std::exchange(other.owner_, nullptr);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

std::string_view TrackedAllocation::name() const {
  return name_ ? std::string_view(name_->name) : std::string_view();
}

std::string_view TrackedAllocation::owner() const {
  return owner_ ? std::string_view(owner_->owner) : std::string_view();
}

void TrackedAllocation::reset() noexcept {
  if (name_ == nullptr) return;
  add(*name_, *owner_, bytes_, /*tracking=*/false);
  name_ = nullptr;
  owner_ = nullptr;
  bytes_ = 0;
}

AllocationTracker::AllocationTracker(Registry* metrics) : metrics_(metrics) {}

AllocationTracker::~AllocationTracker() = default;

detail::TrackedNameNode& AllocationTracker::name_node(std::string_view name) {
  {
    std::shared_lock lock(mu_);
    if (auto it = names_.find(name); it != names_.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] = names_.try_emplace(std::string(name), nullptr);
  if (inserted) {
    it->second = std::make_unique<detail::TrackedNameNode>(std::string(name));
    if (metrics_ != nullptr) {
      it->second->bytes_gauge =
          &metrics_
               ->gauge("opusperf_memory_tracked_bytes", "Bytes of tracked allocations", {"name"})
               .with({std::string(name)});
      it->second->count_gauge =
          &metrics_
               ->gauge("opusperf_memory_tracked_allocations", "Live tracked allocations", {"name"})
               .with({std::string(name)});
    }
  }
  return *it->second;
}

detail::TrackedOwnerNode& AllocationTracker::owner_node(detail::TrackedNameNode& name,
                                                        std::string_view owner) {
  {
    std::shared_lock lock(mu_);
    if (auto it = name.owners.find(owner); it != name.owners.end()) return *it->second;
  }
  std::unique_lock lock(mu_);
  auto [it, inserted] = name.owners.try_emplace(std::string(owner), nullptr);
  if (inserted) {
    it->second = std::make_unique<detail::TrackedOwnerNode>(name.name, std::string(owner));
  }
  return *it->second;
}

TrackedAllocation AllocationTracker::track(std::string_view name, std::uint64_t bytes,
                                           std::string_view owner) {
  if (name.empty()) throw std::invalid_argument("AllocationTracker::track: empty name");
  detail::TrackedNameNode& n = name_node(name);
  detail::TrackedOwnerNode& o = owner_node(n, owner);
  add(n, o, bytes, /*tracking=*/true);
  return TrackedAllocation(&n, &o, bytes);
}

std::uint64_t AllocationTracker::bytes(std::string_view name) const {
  std::shared_lock lock(mu_);
  const auto it = names_.find(name);
  return it == names_.end() ? 0 : it->second->bytes.load(std::memory_order_relaxed);
}

std::vector<TrackedOwner> AllocationTracker::owners() const {
  std::vector<TrackedOwner> out;
  std::shared_lock lock(mu_);
  for (const auto& [name, node] : names_) {
    for (const auto& [owner, o] : node->owners) {
      out.push_back({name, owner, o->bytes.load(std::memory_order_relaxed),
                     o->count.load(std::memory_order_relaxed)});
    }
  }
  return out;
}

TrackedSnapshot AllocationTracker::snapshot(std::size_t top_owners) const {
  TrackedSnapshot s;
  {
    std::shared_lock lock(mu_);
    for (const auto& [name, node] : names_) {
      TrackedTotal t{name, node->bytes.load(std::memory_order_relaxed),
                     node->count.load(std::memory_order_relaxed)};
      s.total_bytes += t.bytes;
      s.total_count += t.count;
      s.by_name.push_back(std::move(t));
    }
  }
  std::stable_sort(s.by_name.begin(), s.by_name.end(),
                   [](const TrackedTotal& a, const TrackedTotal& b) { return a.bytes > b.bytes; });
  std::vector<TrackedOwner> all = owners();
  std::erase_if(all, [](const TrackedOwner& o) { return o.bytes == 0; });
  std::stable_sort(all.begin(), all.end(),
                   [](const TrackedOwner& a, const TrackedOwner& b) { return a.bytes > b.bytes; });
  if (all.size() > top_owners) all.resize(top_owners);
  s.largest_owners = std::move(all);
  return s;
}

}  // namespace opusperf
