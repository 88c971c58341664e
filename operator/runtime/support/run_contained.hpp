// Containing exceptions on long-lived threads: handler and callback calls, shutdown steps.
#pragma once

#include <exception>
#include <optional>
#include <string>
#include <utility>

namespace redraft::runtime::support {

// Runs `f`; nullopt when it returned normally, otherwise a description of what it threw (the
// what() of a std::exception, or a fixed text for anything else). Nothing escapes, so an
// application callback cannot end a runtime thread (and with it the process); the caller logs
// the description its own way.
template <typename F>
std::optional<std::string> run_contained(F&& f) {
  try {
    std::forward<F>(f)();
    return std::nullopt;
  } catch (const std::exception& e) {
    return std::string(e.what());
  } catch (...) {
    return std::string("a non-standard exception");
  }
}

}  // namespace redraft::runtime::support
