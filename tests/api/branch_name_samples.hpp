// Branch-name samples shared by validation_test (branch_name_problem accepts or rejects each)
// and schema_test (the CRD pattern must agree with branch_name_problem on each).
#pragma once

#include <string>
#include <vector>

namespace redraft::api::samples {

// Names branch_name_problem must reject. Length limits are not part of the CRD pattern
// (maxLength covers them), so over-long names are not listed here.
inline const std::vector<std::string>& hostile_branch_names() {
  static const std::vector<std::string> names = {"-x",
                                                 "--upload-pack=x",
                                                 "a..b",
                                                 "a b",
                                                 "a\nb",
                                                 "refs/heads/../x",
                                                 "",
                                                 "x.lock",
                                                 "a@{b",
                                                 "a/",
                                                 "a.",
                                                 "a//b",
                                                 ".a",
                                                 "a\\b",
                                                 "a~b",
                                                 "a^b",
                                                 "a:b",
                                                 "a?b",
                                                 "a*b",
                                                 "a[b",
                                                 "@",
                                                 "HEAD",
                                                 "/a",
                                                 "a/.b",
                                                 "a/b.lock",
                                                 "a/b.lock/c",
                                                 "a.lock/b",
                                                 "refs/heads/x",
                                                 std::string("a\0b", 3),
                                                 "a\tb",
                                                 "a\x7f",
                                                 "a\x7f"
                                                 "b",
                                                 "x.@{"};
  return names;
}

// Names branch_name_problem must accept.
inline const std::vector<std::string>& valid_branch_names() {
  static const std::vector<std::string> names = {"redraft/wl/issue-12",
                                                 "feature/x_y.z",
                                                 "main",
                                                 "a",
                                                 "a.b",
                                                 "a/b/c",
                                                 "x.lock.y",
                                                 "lock",
                                                 "a@b",
                                                 "a{b}",
                                                 "@a",
                                                 "caf\xc3\xa9",
                                                 "caf\xc3\xa9/x",
                                                 "1",
                                                 "v1.2.3",
                                                 "HEADS",
                                                 "HEA",
                                                 "HEAD/x",
                                                 "x/HEAD",
                                                 "refs",
                                                 "refs.x/y",
                                                 "x/refs/y",
                                                 "a./b",
                                                 "a-",
                                                 "a/-b",
                                                 "x/lock",
                                                 "a.lockb",
                                                 "a.lock.b",
                                                 "a.loc",
                                                 "@@",
                                                 "a@",
                                                 "a{",
                                                 "{",
                                                 "@.{",
                                                 "a.@",
                                                 "a/@/b",
                                                 "a}{@"};
  return names;
}

}  // namespace redraft::api::samples
