// Keeps credentials out of every log line, error message and result the executor produces.
//
// A Redactor holds the secrets registered so far (tokens and passwords read from credential
// files) and replaces every occurrence with "***". Independently of registered secrets it also
// strips the userinfo of anything that looks like a URL (`scheme://user:pass@host` ⇒
// `scheme://***@host`), because a credential embedded in a URL must never be printed even if
// nobody registered it.
#pragma once

#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::executor {

inline constexpr std::string_view kRedacted = "***";
// Lines of a multi-line secret at least this long are registered as secrets of their own.
inline constexpr std::size_t kMinSecretLineBytes = 8;

class Redactor {
 public:
  // Registers a secret. Empty strings are ignored; duplicates are harmless. For a multi-line
  // secret (a private key) every line of kMinSecretLineBytes or more is registered too.
  // Thread-safe.
  void add_secret(std::string_view secret);
  // Replaces every registered secret (overlapping and adjacent occurrences included: any
  // character covered by some occurrence is hidden, each hidden run becomes one "***") and
  // strips URL userinfo. Thread-safe.
  std::string redact(std::string_view text) const;
  std::size_t secret_count() const;
  // A copy of the registered secrets (e.g. to keep them out of a child's environment).
  std::vector<std::string> secrets() const;

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> secrets_;
};

// Pure: `scheme://anything@host...` ⇒ `scheme://***@host...` for every URL-looking substring.
std::string strip_url_userinfo(std::string_view text);

// Pure: hides every occurrence of every secret (see Redactor::redact), no URL handling.
std::string hide_secrets(std::string_view text, const std::vector<std::string>& secrets);

// The process-wide redactor every log line and error message goes through.
Redactor& global_redactor();
// Shorthand for global_redactor().redact(text).
std::string redacted(std::string_view text);

// Wraps the sinks of spdlog's default logger so every message is redacted by global_redactor()
// before it is formatted. Idempotent. Loggers created later should be made with
// make_redacting_logger() instead.
void install_redacting_default_logger();

}  // namespace redraft::executor
