// redraft-operator: parses the command line (operator/app/options.hpp) and runs the operator
// (operator/app/operator_app.hpp). `redraft-operator --version` prints "redraft-operator <version>".
// Exit codes: 0 after a graceful shutdown, --help or --version, 2 for a bad
// command line, 1 for a failure (unusable config, port in use, leadership lost), 128+signal when
// a second signal cut the shutdown short.
#include <csignal>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "operator/app/logging.hpp"
#include "operator/app/operator_app.hpp"
#include "operator/app/options.hpp"

int main(int argc, char** argv) {
  const std::string_view program = argc > 0 ? argv[0] : "redraft-operator";
  const std::vector<std::string_view> args(argv + (argc > 0 ? 1 : 0), argv + argc);
  // Alone on the command line, before any flag parsing (images and installers probe with it).
  if (args.size() == 1 && args.front() == "--version") {
    std::printf("redraft-operator %s\n", REDRAFT_VERSION);
    return 0;
  }
  const auto parsed = redraft::app::parse_options(args);
  switch (parsed.outcome) {
    case redraft::app::ParseResult::Outcome::Help:
      std::fputs(redraft::app::usage(program).c_str(), stdout);
      return 0;
    case redraft::app::ParseResult::Outcome::Error:
      std::fprintf(stderr, "redraft-operator: %s\nRun '%s --help' for the flags.\n",
                   parsed.error.c_str(), std::string(program).c_str());
      return 2;
    case redraft::app::ParseResult::Outcome::Run:
      break;
  }
  // A peer that closes a connection must cost an error code, not the process.
  std::signal(SIGPIPE, SIG_IGN);
  redraft::app::setup_logging(parsed.options.log_format, parsed.options.verbosity);
  return redraft::app::run_operator(parsed.options);
}
