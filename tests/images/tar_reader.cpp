#include "tar_reader.hpp"

#include <stdexcept>

namespace redraft::images_test {
namespace {

constexpr std::size_t kBlock = 512;

std::string field(const char* header, std::size_t offset, std::size_t length) {
  std::string s(header + offset, length);
  if (auto nul = s.find('\0'); nul != std::string::npos) s.resize(nul);
  return s;
}

// Numeric fields are NUL/space-terminated octal (GNU tar switches to base-256, high bit set,
// only for values that do not fit, which none of ours should).
std::uint64_t octal(const char* header, std::size_t offset, std::size_t length, const char* what) {
  if (static_cast<unsigned char>(header[offset]) & 0x80) {
    throw std::runtime_error(std::string("tar: base-256 ") + what + " field");
  }
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < length && header[offset + i] == ' ') ++i;
  for (; i < length; ++i) {
    const char c = header[offset + i];
    if (c == '\0' || c == ' ') break;
    if (c < '0' || c > '7') throw std::runtime_error(std::string("tar: ") + what + " is not octal");
    value = value * 8 + static_cast<std::uint64_t>(c - '0');
  }
  return value;
}

bool all_zero(const char* block) {
  for (std::size_t i = 0; i < kBlock; ++i) {
    if (block[i] != '\0') return false;
  }
  return true;
}

}  // namespace

std::vector<TarEntry> read_tar(const std::string& archive) {
  std::vector<TarEntry> entries;
  std::string long_name;
  std::string long_link;
  std::size_t pos = 0;
  while (pos + kBlock <= archive.size()) {
    const char* h = archive.data() + pos;
    if (all_zero(h)) break;  // end-of-archive marker
    std::uint64_t sum = 0;
    for (std::size_t i = 0; i < kBlock; ++i) {
      sum += (i >= 148 && i < 156) ? static_cast<unsigned char>(' ') : static_cast<unsigned char>(h[i]);
    }
    if (sum != octal(h, 148, 8, "checksum")) throw std::runtime_error("tar: bad header checksum at " + std::to_string(pos));
    const std::uint64_t size = octal(h, 124, 12, "size");
    const std::size_t data_at = pos + kBlock;
    if (data_at + size > archive.size()) throw std::runtime_error("tar: truncated entry data");
    const char type = h[156] == '\0' ? '0' : h[156];
    pos = data_at + (size + kBlock - 1) / kBlock * kBlock;
    if (type == 'L') {  // GNU: the data is the next entry's name
      long_name = field(archive.data() + data_at, 0, size);
      continue;
    }
    if (type == 'K') {  // GNU: the data is the next entry's link target
      long_link = field(archive.data() + data_at, 0, size);
      continue;
    }
    TarEntry e;
    if (!long_name.empty()) {
      e.name = std::move(long_name);
      long_name.clear();
    } else {
      const std::string prefix = field(h, 345, 155);
      e.name = field(h, 0, 100);
      if (std::string(h + 257, 5) == "ustar" && h[262] == '\0' && !prefix.empty()) e.name = prefix + "/" + e.name;
    }
    e.type = type;
    e.mode = static_cast<std::uint32_t>(octal(h, 100, 8, "mode"));
    e.uid = octal(h, 108, 8, "uid");
    e.gid = octal(h, 116, 8, "gid");
    e.mtime = static_cast<std::int64_t>(octal(h, 136, 12, "mtime"));
    e.link = long_link.empty() ? field(h, 157, 100) : std::move(long_link);
    long_link.clear();
    if (type == '0' || type == '7') e.data.assign(archive, data_at, size);
    entries.push_back(std::move(e));
  }
  return entries;
}

}  // namespace redraft::images_test
