// write_file_atomically: replace a file's contents all at once or not at all.
//
// The contents go to a temp file in the same folder, are flushed to disk, and the temp file is
// renamed over the target, so a reader (or a crash) sees either the old file or the new one, never
// half of it. Safe to call from many threads for different files. Cost: one fsync.
#pragma once

#include <filesystem>
#include <string_view>

namespace opusperf {

// Writes `contents` to `file` atomically. Throws RuntimeError naming the file and the system error;
// on failure the temp file is removed and `file` is untouched.
void write_file_atomically(const std::filesystem::path& file, std::string_view contents);

}  // namespace opusperf
