// A small reader of tar archives (POSIX ustar and the GNU long-name extension, which GNU tar
// writes and Docker, containerd and Go's archive/tar read): the tests check the archives the
// image script writes with it instead of trusting the tar that wrote them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace redraft::images_test {

struct TarEntry {
  std::string name;      // as stored (after a GNU 'L' long name, that name)
  char type = '0';       // '0' file, '5' directory, '2' symlink, '1' hard link, ...
  std::uint32_t mode = 0;
  std::uint64_t uid = 0;
  std::uint64_t gid = 0;
  std::int64_t mtime = 0;
  std::string link;      // symlink / hard link target
  std::string data;      // the content of a regular file
};

// Every entry of an uncompressed tar archive, in archive order. Throws std::runtime_error on a
// malformed archive (bad checksum, truncated data, a numeric field that is not octal).
std::vector<TarEntry> read_tar(const std::string& archive);

}  // namespace redraft::images_test
