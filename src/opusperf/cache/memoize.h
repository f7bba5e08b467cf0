// cache_result: memoises a function through a SmartCache, the C++ form of the seed's
// @cache_result decorator.
//
//   ResultCache cache(result_cache_options(/*max_entries=*/1000, /*max_bytes=*/64 << 20));
//   auto score = cache_result(cache, score_clip, std::chrono::hours(1));
//   double s = score(path, 0.5);   // score_clip runs once per distinct (path, 0.5) within the TTL
//
// One ResultCache serves many memoised functions (PerformanceOptimizer owns one). A call's key is
// the memoised function's identity plus a copy of its arguments; the hasher (default ArgsHasher)
// only spreads keys, and a key matches only if every argument compares equal (==), so a hash
// collision can never return another call's result. Concurrent calls with equal arguments run fn
// once (SmartCache::get_or_load); if fn throws, every such caller gets the exception and nothing
// is cached. Results are charged at memo_bytes() of the result plus the arguments.
//
// REQUIRES of fn: returns a copyable, non-void value; its arguments are copyable and
// equality-comparable, and hashable by the hasher (ArgsHasher: std::hash, or content_hash for
// contiguous ranges of trivially copyable elements such as std::string and std::vector<uint8_t>).
// Thread-safety: a memoised function may be called from many threads; it returns copies.
#pragma once

#include <atomic>
#include <chrono>
#include <concepts>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ranges>
#include <tuple>
#include <type_traits>
#include <typeinfo>
#include <utility>

#include "opusperf/cache/content_hash.h"
#include "opusperf/cache/smart_cache.h"

namespace opusperf {

// Returns an estimate of the memory v holds: sizeof(T), plus its elements for contiguous ranges.
template <class T>
std::uint64_t memo_bytes(const T& v) {
  if constexpr (std::ranges::contiguous_range<T> && std::ranges::sized_range<T>) {
    return sizeof(T) + std::ranges::size(v) * sizeof(std::ranges::range_value_t<T>);
  } else {
    return sizeof(T);
  }
}

// Contiguous ranges of trivially copyable elements: hashed by their bytes.
template <class T>
concept ContentHashable = std::ranges::contiguous_range<T> && std::ranges::sized_range<T> &&
    std::is_trivially_copyable_v<std::ranges::range_value_t<T>>;

// The default argument hasher: content_hash for contiguous ranges of trivially copyable elements
// (one pass over the bytes), std::hash otherwise; combined in order.
struct ArgsHasher {
  template <class... A>
  std::uint64_t operator()(const A&... args) const {
    std::uint64_t h = 0x243f6a8885a308d3ULL;
    ((h = cache::mix_hash(h ^ (hash_one(args) + 0x9e3779b97f4a7c15ULL + (h << 6)))), ...);
    return h;
  }

  template <class T>
  static std::uint64_t hash_one(const T& v) {
    if constexpr (ContentHashable<T>) {
      return content_hash(std::ranges::data(v),
                          std::ranges::size(v) * sizeof(std::ranges::range_value_t<T>));
    } else {
      return std::hash<T>{}(v);
    }
  }
};

// A memoised call's identity: the function, a hash, and the arguments themselves.
class MemoKey {
 public:
  template <class Tuple>
  MemoKey(std::uint64_t function_id, std::uint64_t hash, Tuple args)
      : function_(function_id),
        hash_(hash),
        bytes_(sizeof(MemoKey) + tuple_bytes(args)),
        args_(std::make_shared<const ArgsOf<Tuple>>(std::move(args))) {}

  std::uint64_t hash() const { return hash_; }
  // Returns the id of the memoised function (Memoized::function_id()).
  std::uint64_t function_id() const { return function_; }
  // For a call with arguments (std::uint64_t stream, std::int64_t index), returns them, else
  // nullopt: such calls form streams that a Prefetcher can predict.
  std::optional<std::pair<std::uint64_t, std::int64_t>> sequence_position() const {
    return args_->sequence_position();
  }
  // Returns an estimate of the memory the key holds.
  std::uint64_t bytes() const { return bytes_; }

  // Equal when the function is the same and every argument compares equal.
  friend bool operator==(const MemoKey& a, const MemoKey& b) {
    return a.function_ == b.function_ && a.hash_ == b.hash_ &&
           (a.args_ == b.args_ || a.args_->equals(*b.args_));
  }

 private:
  using SequenceArgs = std::tuple<std::uint64_t, std::int64_t>;
  struct Args {
    virtual ~Args() = default;
    virtual bool equals(const Args& other) const = 0;
    virtual std::optional<std::pair<std::uint64_t, std::int64_t>> sequence_position() const = 0;
  };
  template <class Tuple>
  struct ArgsOf final : Args {
    explicit ArgsOf(Tuple t) : value(std::move(t)) {}
    bool equals(const Args& other) const override {
      const auto* o = dynamic_cast<const ArgsOf*>(&other);
      return o != nullptr && value == o->value;
    }
    std::optional<std::pair<std::uint64_t, std::int64_t>> sequence_position() const override {
      if constexpr (std::is_same_v<Tuple, SequenceArgs>) {
        return std::pair(std::get<0>(value), std::get<1>(value));
      } else {
        return std::nullopt;
      }
    }
    const Tuple value;
  };
  template <class Tuple>
  static std::uint64_t tuple_bytes(const Tuple& t) {
    return std::apply([](const auto&... a) { return (std::uint64_t{0} + ... + memo_bytes(a)); }, t);
  }

  std::uint64_t function_;
  std::uint64_t hash_;
  std::uint64_t bytes_;
  std::shared_ptr<const Args> args_;
};

struct MemoKeyHash {
  std::size_t operator()(const MemoKey& k) const noexcept { return k.hash(); }
};

// A memoised result (type-erased; the key's function fixes its type) and its size estimate.
struct MemoValue {
  std::shared_ptr<const void> value;
  std::uint64_t bytes = 0;
};

// The cache type cache_result works with; one can serve many functions.
using ResultCache = SmartCache<MemoKey, MemoValue, MemoKeyHash>;

// Returns options for a ResultCache whose weigher charges each result's and its key's bytes.
inline ResultCache::Options result_cache_options(std::uint64_t max_entries,
                                                 std::uint64_t max_bytes = 0,
                                                 Clock::duration default_ttl = {}) {
  ResultCache::Options o;
  o.max_entries = max_entries;
  o.max_bytes = max_bytes;
  o.default_ttl = default_ttl;
  o.weigher = [](const MemoKey& k, const MemoValue& v) { return k.bytes() + v.bytes; };
  return o;
}

// Returns a process-wide unique id for a memoised function (one counter for every instantiation).
inline std::uint64_t next_memo_function_id() {
  static std::atomic<std::uint64_t> ids{1};
  return ids.fetch_add(1, std::memory_order_relaxed);
}

// The callable cache_result returns. Copies share the function's identity (and cached results).
template <class F, class Hasher>
class Memoized {
 public:
  Memoized(ResultCache& cache, F fn, Clock::duration ttl, Hasher hasher)
      : cache_(&cache),
        fn_(std::move(fn)),
        ttl_(ttl),
        hasher_(std::move(hasher)),
        id_(next_memo_function_id()) {}

  // Returns the id this function's keys carry (MemoKey::function_id()).
  std::uint64_t function_id() const { return id_; }
  const Hasher& hasher() const { return hasher_; }

  // Returns fn(args...), from the cache when an equal call's result is there.
  template <class... Args>
  auto operator()(const Args&... args) const {
    using R = std::decay_t<std::invoke_result_t<const F&, const Args&...>>;
    static_assert(!std::is_void_v<R>, "cache_result: the function must return a value");
    static_assert(std::is_copy_constructible_v<R>, "cache_result: the result must be copyable");
    MemoKey key(id_, hasher_(args...), std::tuple<std::decay_t<Args>...>(args...));
    auto found = cache_->get_or_load(
        key,
        [&] {
          R r = std::invoke(fn_, args...);
          const std::uint64_t bytes = memo_bytes(r);
          return MemoValue{std::make_shared<const R>(std::move(r)), bytes};
        },
        ttl_);
    return R(*static_cast<const R*>(found->value.get()));
  }

 private:
  ResultCache* cache_;
  F fn_;
  Clock::duration ttl_;
  Hasher hasher_;
  std::uint64_t id_;
};

// Returns fn memoised in cache with entries that expire after ttl (0 = never). `hasher` maps the
// arguments to a 64-bit hash (see ArgsHasher); equality of arguments is always checked in full.
template <class F, class Hasher = ArgsHasher>
Memoized<std::decay_t<F>, Hasher> cache_result(ResultCache& cache, F&& fn, Clock::duration ttl,
                                               Hasher hasher = {}) {
  return Memoized<std::decay_t<F>, Hasher>(cache, std::forward<F>(fn), ttl, std::move(hasher));
}

}  // namespace opusperf
