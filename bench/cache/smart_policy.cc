// Compiled only when src/opusperf/cache is part of the build (see this folder's CMakeLists.txt).
#ifdef OPUSPERF_HAVE_SMART_CACHE

#include "bench/cache/smart_policy.h"

#include <cstdint>
#include <stdexcept>

#include "opusperf/cache/smart_cache.h"

namespace opusperf::bench::cachesim {
namespace {

class SmartPolicy final : public SimPolicy {
 public:
  explicit SmartPolicy(std::size_t capacity) : cache_(options(capacity)) {}

  std::string_view name() const override { return "smart"; }

  bool access(std::uint64_t key) override {
    const bool hit = static_cast<bool>(cache_.get(key));
    if (!hit) cache_.put(key, 0);
    // Apply the buffered read or write now, so every decision sees every earlier request (a
    // read buffer that filled up between drains could otherwise drop some hits).
    cache_.cleanup();
    return hit;
  }

 private:
  using Cache = SmartCache<std::uint64_t, std::uint8_t>;

  static Cache::Options options(std::size_t capacity) {
    if (capacity == 0) throw std::invalid_argument("SmartPolicy: capacity must be at least 1");
    Cache::Options o;
    o.max_entries = capacity;
    return o;
  }

  Cache cache_;
};

}  // namespace

std::unique_ptr<SimPolicy> make_smart_policy(std::size_t capacity) {
  return std::make_unique<SmartPolicy>(capacity);
}

}  // namespace opusperf::bench::cachesim

#endif  // OPUSPERF_HAVE_SMART_CACHE
