// A test with its own devserver and `ok()`: run the real kubectl against it and expect success
// (the failure message shows the command and kubectl's output).
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "devserver_fixture.hpp"

namespace redraft::testing {

class KubectlFixture : public ::testing::Test {
 protected:
  CommandResult ok(const std::vector<std::string>& args, const std::string& input = "") {
    auto r = server.kubectl(args, input);
    std::string cmd;
    for (const auto& a : args) cmd += " " + a;
    EXPECT_EQ(r.exit_code, 0) << "kubectl" << cmd << "\n" << r.output;
    return r;
  }
  DevServer server;
};

}  // namespace redraft::testing
