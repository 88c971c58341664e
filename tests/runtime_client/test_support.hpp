// Small helpers for the client's tests: a private temporary folder and file writing.
#pragma once

#include <sys/stat.h>

#include <cstdlib>
#include <functional>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

#include "operator/runtime/client/config.hpp"
#include "operator/runtime/client/errors.hpp"

namespace redraft::runtime::test {

class TempDir {
 public:
  TempDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "redraft-client-XXXXXX").string();
    if (::mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& child) const { return path_ / child; }

 private:
  std::filesystem::path path_;
};

inline void write_file(const std::filesystem::path& path, const std::string& text,
                       bool executable = false) {
  std::filesystem::create_directories(path.parent_path());
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out) throw std::runtime_error("cannot write " + path.string());
  }
  if (executable) ::chmod(path.c_str(), 0755);
}

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// The ApiError thrown by `fn`, failing the test if something else (or nothing) was thrown.
inline ApiError api_error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const ApiError& e) {
    return e;
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected ApiError, got: " << e.what();
  }
  ADD_FAILURE() << "expected ApiError, nothing thrown";
  return ApiError(0, "", "");
}

// The message of the `Error` that `fn` threw, or a marker saying what happened instead.
template <typename Error>
std::string what_thrown(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    return std::string("<other exception> ") + e.what();
  }
  return "<nothing thrown>";
}

inline std::string transport_error_of(const std::function<void()>& fn) {
  return what_thrown<TransportError>(fn);
}

}  // namespace redraft::runtime::test
