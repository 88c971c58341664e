#include "executor/support/redact.hpp"

#include <algorithm>
#include <cctype>

#include <spdlog/spdlog.h>

#include "executor/support/redacting_sink.hpp"

namespace redraft::executor {

void Redactor::add_secret(std::string_view secret) {
  if (secret.empty()) return;
  std::lock_guard lock(mutex_);
  auto add = [this](std::string_view s) {
    if (std::find(secrets_.begin(), secrets_.end(), s) == secrets_.end()) secrets_.emplace_back(s);
  };
  add(secret);
  // A multi-line secret (an SSH private key) can leak one line at a time, e.g. in an error
  // quoting a parse failure: each substantial line is a secret of its own.
  if (secret.find('\n') == std::string_view::npos) return;
  std::size_t start = 0;
  while (start < secret.size()) {
    std::size_t end = secret.find('\n', start);
    if (end == std::string_view::npos) end = secret.size();
    std::string_view line = secret.substr(start, end - start);
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
    if (line.size() >= kMinSecretLineBytes) add(line);
    start = end + 1;
  }
}

std::string Redactor::redact(std::string_view text) const {
  std::vector<std::string> secrets;
  {
    std::lock_guard lock(mutex_);
    secrets = secrets_;
  }
  return strip_url_userinfo(hide_secrets(text, secrets));
}

std::size_t Redactor::secret_count() const {
  std::lock_guard lock(mutex_);
  return secrets_.size();
}

std::vector<std::string> Redactor::secrets() const {
  std::lock_guard lock(mutex_);
  return secrets_;
}

std::string hide_secrets(std::string_view text, const std::vector<std::string>& secrets) {
  if (secrets.empty() || text.empty()) return std::string(text);
  // Mark every character covered by any occurrence first, then emit: this way overlapping
  // secrets (or a secret inside another) can never leave a fragment visible.
  std::vector<bool> hidden(text.size(), false);
  bool any = false;
  for (const auto& secret : secrets) {
    if (secret.empty()) continue;
    for (std::size_t pos = text.find(secret); pos != std::string_view::npos;
         pos = text.find(secret, pos + 1)) {
      std::fill(hidden.begin() + static_cast<std::ptrdiff_t>(pos),
                hidden.begin() + static_cast<std::ptrdiff_t>(pos + secret.size()), true);
      any = true;
    }
  }
  if (!any) return std::string(text);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (!hidden[i]) {
      out.push_back(text[i]);
    } else if (i == 0 || !hidden[i - 1]) {
      out.append(kRedacted);
    }
  }
  return out;
}

namespace {

bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '-' || c == '.';
}

// Characters that end a URL's authority (or the URL itself in running text).
bool ends_authority(char c) {
  return c == '/' || c == '?' || c == '#' || c == '"' || c == '\'' || c == '<' || c == '>' ||
         c == '`' || c == '\\' || std::isspace(static_cast<unsigned char>(c));
}

}  // namespace

std::string strip_url_userinfo(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  for (std::size_t sep = text.find("://"); sep != std::string_view::npos;
       sep = text.find("://", sep + 3)) {
    // Require a scheme before "://" so "://x@y" in prose is left alone.
    if (sep == 0 || !is_scheme_char(text[sep - 1])) continue;
    std::size_t start = sep + 3;
    std::size_t end = start;
    std::size_t last_at = std::string_view::npos;
    while (end < text.size() && !ends_authority(text[end])) {
      if (text[end] == '@') last_at = end;
      ++end;
    }
    if (last_at == std::string_view::npos) continue;
    if (start < copied) continue;  // already consumed
    out.append(text.substr(copied, start - copied));
    out.append(kRedacted);
    copied = last_at;  // keep the '@' and the host
    sep = last_at;
  }
  out.append(text.substr(copied));
  return out;
}

Redactor& global_redactor() {
  static Redactor instance;
  return instance;
}

std::string redacted(std::string_view text) { return global_redactor().redact(text); }

void install_redacting_default_logger() {
  static std::once_flag once;
  std::call_once(once, [] {
    auto current = spdlog::default_logger();
    std::vector<spdlog::sink_ptr> wrapped;
    for (const auto& sink : current->sinks()) {
      if (std::dynamic_pointer_cast<RedactingSink>(sink)) {
        wrapped.push_back(sink);
      } else {
        wrapped.push_back(std::make_shared<RedactingSink>(sink, global_redactor()));
      }
    }
    auto logger = std::make_shared<spdlog::logger>(current->name(), wrapped.begin(), wrapped.end());
    logger->set_level(current->level());
    logger->flush_on(current->flush_level());
    spdlog::set_default_logger(logger);
  });
}

RedactingSink::RedactingSink(std::shared_ptr<spdlog::sinks::sink> inner, const Redactor& redactor)
    : inner_(std::move(inner)), redactor_(redactor) {
  // The wrapper itself filters nothing; the inner sink's level decides.
  set_level(spdlog::level::trace);
}

void RedactingSink::log(const spdlog::details::log_msg& msg) {
  std::string clean = redactor_.redact(std::string_view(msg.payload.data(), msg.payload.size()));
  spdlog::details::log_msg copy = msg;
  copy.payload = spdlog::string_view_t(clean.data(), clean.size());
  if (inner_->should_log(copy.level)) inner_->log(copy);
}

void RedactingSink::flush() { inner_->flush(); }

void RedactingSink::set_pattern(const std::string& pattern) { inner_->set_pattern(pattern); }

void RedactingSink::set_formatter(std::unique_ptr<spdlog::formatter> formatter) {
  inner_->set_formatter(std::move(formatter));
}

std::shared_ptr<spdlog::logger> make_redacting_logger(
    const std::string& name, std::vector<std::shared_ptr<spdlog::sinks::sink>> sinks,
    const Redactor& redactor) {
  std::vector<spdlog::sink_ptr> wrapped;
  for (auto& sink : sinks) wrapped.push_back(std::make_shared<RedactingSink>(sink, redactor));
  return std::make_shared<spdlog::logger>(name, wrapped.begin(), wrapped.end());
}

}  // namespace redraft::executor
