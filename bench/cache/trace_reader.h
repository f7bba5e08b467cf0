// Reads a cache request trace: one integer key per line, plain text or gzip-compressed.
//
//   std::vector<std::uint64_t> keys = opusperf::bench::cachesim::read_trace("gli.txt.gz");
//
// Every request is an object of size 1; the key is its identity. A line holds one decimal integer
// (an optional leading '-' is accepted and the value is reinterpreted as unsigned 64-bit), with
// optional spaces, tabs or a '\r' around it. Blank lines are skipped, so a trailing newline is
// fine. Compression is detected from the content, not the file name (zlib's transparent read).
//
// Thread-safety: a free function with no shared state. Cost: one pass over the file, 8 bytes of
// memory a request.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace opusperf::bench::cachesim {

// Returns the keys of the trace at `path`, in request order.
// Throws InputError naming the file when it cannot be opened or read, and "FILE:LINE: ..." with the
// offending text when a line is not an integer.
std::vector<std::uint64_t> read_trace(const std::string& path);

// Returns the key a trace line holds, or throws InputError "<where>: ..." quoting the line.
// REQUIRES: `line` has no '\n'. A blank line is not a key: callers skip those first.
std::uint64_t parse_trace_key(std::string_view line, std::string_view where);

}  // namespace opusperf::bench::cachesim
