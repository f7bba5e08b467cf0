// Edit distance between short identifiers, and "did you mean ...?" suggestions built on it.
//
// Used wherever opusperf rejects a name a person typed (a config key, a profile, a strategy) so the
// error can offer the name they probably meant:
//
//   static constexpr std::string_view kKeys[] = {"max_workers", "cache_size_limit"};
//   if (auto m = opusperf::closest_match("max_wokrers", kKeys)) ...  // *m == "max_workers"
//
// The distance is the optimal-string-alignment variant of Damerau-Levenshtein: insertions,
// deletions, substitutions and transpositions of two adjacent characters each cost 1. Comparison is
// ASCII case-insensitive. Thread-safety: pure functions, safe from any thread. Cost: O(|a| * |b|)
// time and O(|b|) memory; meant for names, not documents.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace opusperf {

// Returns the number of single-character edits (insert, delete, substitute, swap two adjacent
// characters) that turn `a` into `b`, ignoring ASCII case. edit_distance("Prodcution",
// "production") == 1.
std::size_t edit_distance(std::string_view a, std::string_view b);

// Returns the candidate closest to `word` when it is plausibly a typo of it, else nullopt.
//
// A candidate qualifies when its distance d to `word` satisfies d <= max(2, |word| / 3) and
// d < |word| (so a one- or two-letter word never "matches" an unrelated short name). Among
// qualifying candidates the smallest distance wins; ties go to the earliest candidate. A candidate
// equal to `word` ignoring case is returned (distance 0).
std::optional<std::string> closest_match(std::string_view word,
                                         std::span<const std::string_view> candidates);

}  // namespace opusperf
