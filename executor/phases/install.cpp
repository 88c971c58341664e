#include "executor/phases/install.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <iostream>
#include <stdexcept>

#include "executor/phases/cli.hpp"
#include "executor/phases/executor_cli.hpp"

namespace redraft::executor {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

// Closes the descriptor on every path out of install_executor.
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

void install_executor(const std::filesystem::path& dir, const std::filesystem::path& self) {
  const std::string where = "--to " + dir.string();
  struct stat st {};
  if (::stat(dir.c_str(), &st) != 0) {
    throw std::runtime_error(where + ": " + errno_text(errno));
  }
  if (!S_ISDIR(st.st_mode)) throw std::runtime_error(where + ": not a directory");

  Fd in;
  in.fd = ::open(self.c_str(), O_RDONLY | O_CLOEXEC);
  if (in.fd < 0) throw std::runtime_error("cannot read own binary " + self.string() + ": " + errno_text(errno));

  const auto target = dir / kInstalledBinaryName;
  auto tmp = target;
  tmp += ".tmp." + std::to_string(::getpid());
  Fd out;
  out.fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
  if (out.fd < 0) throw std::runtime_error(where + ": cannot create " + tmp.string() + ": " + errno_text(errno));
  try {
    char buffer[1 << 16];
    for (;;) {
      ssize_t n = ::read(in.fd, buffer, sizeof buffer);
      if (n < 0) {
        if (errno == EINTR) continue;
        throw std::runtime_error("cannot read own binary " + self.string() + ": " + errno_text(errno));
      }
      if (n == 0) break;
      try {
        write_all(out.fd, buffer, static_cast<std::size_t>(n));
      } catch (const std::exception& e) {
        throw std::runtime_error(where + ": cannot write " + tmp.string() + ": " + e.what());
      }
    }
    // The umask may have narrowed the create mode; the copy must be executable by any user.
    if (::fchmod(out.fd, 0755) != 0 || ::fsync(out.fd) != 0) {
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

int run_install(const std::vector<std::string>& args) {
  InstallParse parsed = parse_install(args);
  if (!parsed.to) {
    std::cerr << "redraft-executor install: " << parsed.error << "\n" << usage() << std::endl;
    return kExitUsage;
  }
  try {
    install_executor(*parsed.to);
  } catch (const std::exception& e) {
    std::cerr << "redraft-executor install: " << e.what() << std::endl;
    return kExitUsage;
  }
  std::cout << "installed " << (*parsed.to / kInstalledBinaryName).string() << std::endl;
  return 0;
}

}  // namespace redraft::executor
