// Whether this machine can run the empty-root tests (bundle_test.cpp, bundle_operator_test.cpp):
// they chroot, which needs root and CAP_SYS_CHROOT. CI runs the tests as root; elsewhere they
// skip with the reason.
#pragma once

#include <unistd.h>

#include <chrono>
#include <string>

#include <gtest/gtest.h>

#include "tests/fixtures/command.hpp"

namespace redraft::bundletest {

// "" when chroot works here, otherwise why not.
inline std::string chroot_unavailable() {
  if (::geteuid() != 0) return "chroot needs root (CI runs the tests as root)";
  fixtures::CommandOptions options;
  options.timeout = std::chrono::seconds(60);
  auto r = fixtures::run_command({"/usr/sbin/chroot", "/", "/bin/true"}, options);
  if (r.exit_code != 0) return "chroot does not work here: " + r.err;
  return "";
}

}  // namespace redraft::bundletest

// GTEST_SKIP()s the current test (once probed per binary) when chroot is unavailable.
#define REDRAFT_REQUIRE_CHROOT()                                                  \
  do {                                                                            \
    static const std::string redraft_chroot_why = ::redraft::bundletest::chroot_unavailable(); \
    if (!redraft_chroot_why.empty()) GTEST_SKIP() << redraft_chroot_why;          \
  } while (false)
