#include "opusperf/core/atomic_file.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "opusperf/core/errors.h"

namespace opusperf {

void write_file_atomically(const std::filesystem::path& file, std::string_view contents) {
  const std::filesystem::path dir = file.has_parent_path() ? file.parent_path() : ".";
  std::string tmpl = (dir / ("." + file.filename().string() + ".tmp.XXXXXX")).string();
  const int fd = ::mkstemp(tmpl.data());
  if (fd < 0) {
    throw RuntimeError(fmt::format("{}: cannot create a temp file in {}: {}", file.string(),
                                   dir.string(), std::strerror(errno)));
  }
  const auto fail = [&](std::string_view what) {
    const int err = errno;
    ::close(fd);
    ::unlink(tmpl.c_str());
    throw RuntimeError(fmt::format("{}: {}: {}", file.string(), what, std::strerror(err)));
  };
  std::size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      fail("write failed");
    }
    written += static_cast<std::size_t>(n);
  }
  if (::fchmod(fd, 0644) != 0) fail("chmod failed");
  if (::fsync(fd) != 0) fail("fsync failed");
  if (::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw RuntimeError(fmt::format("{}: close failed: {}", file.string(), std::strerror(err)));
  }
  if (::rename(tmpl.c_str(), file.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmpl.c_str());
    throw RuntimeError(fmt::format("{}: rename failed: {}", file.string(), std::strerror(err)));
  }
}

}  // namespace opusperf
