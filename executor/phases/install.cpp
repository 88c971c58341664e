#include "executor/phases/install.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <sstream>
#include <stdexcept>

#include "executor/phases/cli.hpp"
#include "executor/phases/executor_cli.hpp"

namespace redraft::executor {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes the descriptor on every path out of copy_atomically.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) ::close(fd);
  }
};

void write_all(int fd, const char* data, std::size_t size) {
  while (size > 0) {
    ssize_t n = ::write(fd, data, size);
    if (n < 0) {
      if (errno == EINTR) continue;
      throw std::runtime_error(errno_text(errno));
    }
    data += n;
    size -= static_cast<std::size_t>(n);
  }
}

}  // namespace

InstallParse parse_install(const std::vector<std::string>& args) {
  InstallParse out;
  std::optional<std::string> to;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    std::string value;
    if (a == "--to") {
      if (i + 1 >= args.size()) {
        out.error = "--to: missing value";
        return out;
      }
      value = args[++i];
    } else if (a.rfind("--to=", 0) == 0) {
      value = a.substr(5);
    } else if (a.rfind("--", 0) == 0) {
      out.error = a.substr(0, a.find('=')) + ": unknown flag (install takes only --to DIR)";
      return out;
    } else {
      out.error = "unexpected argument (install takes only --to DIR)";
      return out;
    }
    if (to) {
      out.error = "--to: given more than once";
      return out;
    }
    to = value;
  }
  if (!to) {
    out.error = "--to: required";
    return out;
  }
  if (to->empty()) {
    out.error = "--to: empty";
    return out;
  }
  out.to = *to;
  return out;
}

namespace {

// Copies `source` to dir/name through a temporary name in dir and a rename, so a reader never
// sees half a file; the copy gets `mode` whatever the umask. `read_what` names the source in
// read errors ("own binary /proc/self/exe").
void copy_atomically(const std::filesystem::path& source, const std::string& read_what,
                     const std::filesystem::path& dir, const std::string& name, mode_t mode,
                     const std::string& where) {
  Fd in;
  in.fd = ::open(source.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd < 0) throw std::runtime_error("cannot read " + read_what + ": " + errno_text(errno));

  const auto target = dir / name;
  auto tmp = target;
  tmp += ".tmp." + std::to_string(::getpid());
  Fd out;
  out.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (out.fd < 0) throw std::runtime_error(where + ": cannot create " + tmp.string() + ": " + errno_text(errno));
  try {
    char buffer[1 << 16];
    for (;;) {
      ssize_t n = ::read(in.fd, buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("cannot read " + read_what + ": " + errno_text(errno));
      }
      if (n == 0) break;
      try {
        write_all(out.fd, buffer, static_cast<std::size_t>(n));
      } catch (const std::exception& e) {
        throw std::runtime_error(where + ": cannot write " + tmp.string() + ": " + e.what());
      }
    }
    // The umask may have narrowed the create mode; the copy must be usable by any user.
    if (::fchmod(out.fd, mode) != 0 || ::fsync(out.fd) != 0) {
      throw std::runtime_error(where + ": cannot finish " + tmp.string() + ": " + errno_text(errno));
    }
    ::close(out.fd);
    out.fd = -1;
    if (::rename(tmp.c_str(), target.c_str()) != 0) {
      throw std::runtime_error(where + ": cannot rename to " + target.string() + ": " + errno_text(errno));
    }
  } catch (...) {
    ::unlink(tmp.c_str());
    throw;
  }
}

void require_directory(const std::filesystem::path& dir, const std::string& where) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) throw std::runtime_error(where + ": " + errno_text(errno));
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error(where + ": not a directory");
}

}  // namespace

void install_executor(const std::filesystem::path& dir, const std::filesystem::path& self) {
  const std::string where = "--to " + dir.string();
  require_directory(dir, where);
  copy_atomically(self, "own binary " + self.string(), dir, kInstalledBinaryName, 0755, where);
}

BundleManifest parse_bundle_manifest(std::string_view text) {
  BundleManifest out;
  std::size_t line_no = 0;
  while (!text.empty()) {
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (line.empty()) continue;
    if (line == "." || line == ".." || line.find('/') != std::string_view::npos ||
        line.find('\0') != std::string_view::npos) {
      out.files.clear();
      out.error = "line " + std::to_string(line_no) + ": not a plain file name";
      return out;
    }
    out.files.emplace_back(line);
  }
  for (const char* needed : {kBundleLoaderName, "redraft-executor.bin"}) {
    if (std::find(out.files.begin(), out.files.end(), needed) == out.files.end()) {
      out.files.clear();
      out.error = std::string("does not list ") + needed;
      return out;
    }
  }
  return out;
}

std::size_t install_bundle(const std::filesystem::path& dir, const std::filesystem::path& bundle) {
  const std::string where = "--to " + dir.string();
  const std::string origin = std::string(kBundleDirEnv) + "=" + bundle.string();
  const auto lib = bundle / kBundleLibDir;
  const auto manifest_path = lib / kBundleManifestName;
  std::string manifest_text;
  {
    std::ifstream in(manifest_path, std::ios::binary);
    if (!in) {
      throw std::runtime_error(origin + ": not a redraft-executor bundle (no " + kBundleLibDir + "/" +
                               kBundleManifestName + ")");
    }
    std::ostringstream text;
    text << in.rdbuf();
    manifest_text = text.str();
  }
  const BundleManifest manifest = parse_bundle_manifest(manifest_text);
  if (!manifest.error.empty()) {
    throw std::runtime_error(origin + ": " + kBundleLibDir + "/" + kBundleManifestName + ": " + manifest.error);
  }
  require_directory(dir, where);
  const auto target_lib = dir / kBundleLibDir;
  if (::mkdir(target_lib.c_str(), 0755) != 0 && errno != EEXIST) {
    throw std::runtime_error(where + ": cannot create " + target_lib.string() + ": " + errno_text(errno));
  }
  require_directory(target_lib, where + ": " + target_lib.string());

  // Exactly the files the manifest lists (a bundle at "/" shares lib/ with nothing else only in
  // a scratch image), then the manifest, and the entry point last: whoever sees
  // DIR/redraft-executor sees a whole tree.
  for (const auto& name : manifest.files) {
    const auto source = lib / name;
    struct stat st {};
    if (::stat(source.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
      throw std::runtime_error(origin + ": " + kBundleLibDir + "/" + name + " (listed in " +
                               kBundleManifestName + ") is missing");
    }
    const mode_t mode = (st.st_mode & 0111) != 0 ? 0755 : 0644;
    copy_atomically(source, source.string(), target_lib, name, mode, where);
  }
  copy_atomically(manifest_path, manifest_path.string(), target_lib, kBundleManifestName, 0644, where);
  const auto entry = bundle / kInstalledBinaryName;
  copy_atomically(entry, entry.string(), dir, kInstalledBinaryName, 0755, where);
  return manifest.files.size() + 2;
}

int run_install(const std::vector<std::string>& args) {
  InstallParse parsed = parse_install(args);
  if (!parsed.to) {
    std::cerr << "redraft-executor install: " << parsed.error << "\n" << usage() << std::endl;
    return kExitUsage;
  }
  // Bundled (hack/bundle/launcher.cpp set the variable): copy the whole tree, because the
  // running file is the bundled loader. A plain build copies itself (it then still needs its
  // shared libraries where it is run, as on a developer machine).
  const char* bundle = std::getenv(kBundleDirEnv);
  std::string detail;
  try {
    if (bundle != nullptr && bundle[0] != '\0') {
      const std::size_t files = install_bundle(*parsed.to, bundle);
      detail = " (self-contained bundle, " + std::to_string(files) + " files)";
    } else {
      install_executor(*parsed.to);
    }
  } catch (const std::exception& e) {
    std::cerr << "redraft-executor install: " << e.what() << std::endl;
    return kExitUsage;
  }
  std::cout << "installed " << (*parsed.to / kInstalledBinaryName).string() << detail << std::endl;
  return 0;
}

}  // namespace redraft::executor
