// Redaction of URL credentials in free text (error messages from API servers, config values we
// echo). HEADER-ONLY like errors.hpp, which applies it to every server-provided message and is
// used by libraries that do not link the client.
//
// A real API server quotes rejected values in its 422 messages ("Invalid value:
// \"https://user:pw@host/r\""), so a repository URL with a token in it would otherwise reach our
// logs, events and status conditions through ApiError::what().
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace redraft::runtime {

namespace detail {
inline bool is_scheme_char(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '-' || c == '.';
}
// Where a URL ends inside prose or quoted JSON.
inline bool ends_url_token(char c) {
  return std::isspace(static_cast<unsigned char>(c)) != 0 || c == '"' || c == '\'' || c == '<' ||
         c == '>' || c == '`';
}
inline bool all_digits(std::string_view s) {
  for (char c : s) {
    if (std::isdigit(static_cast<unsigned char>(c)) == 0) return false;
  }
  return true;
}
}  // namespace detail

// Replaces the userinfo of every "scheme://userinfo@host" in `text` with "***"
// ("https://user:pw@h/r" → "https://***@h/r"; a user-only "https://token@h" too, since a bare
// token is often passed as the user). Pure and idempotent. Left alone: URLs without userinfo,
// '@' in a path, query or fragment ("https://h/@scope/pkg"), e-mail addresses, and scp-style
// "git@host:repo" (no "://": the user is a fixed account name, never a secret).
//
// The authority ends at the first '/', '?' or '#' (RFC 3986 §3.2); userinfo is everything before
// its LAST '@', so an unencoded '@' in a password is covered. A password with an unencoded '/'
// ("https://u:pa/ss@h") ends the authority early; it is recognised because "u:pa" is not
// host:port, and everything up to the next '@' of the same token is treated as userinfo.
inline std::string redact_url_credentials(std::string_view text) {
  constexpr std::string_view kSeparator = "://";
  constexpr std::string_view kMask = "***";
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;  // text[0, copied) is already in `out`
  std::size_t search = 0;
  for (;;) {
    const std::size_t sep = text.find(kSeparator, search);
    if (sep == std::string_view::npos) break;
    const std::size_t start = sep + kSeparator.size();  // first character of the authority
    search = start;
    // A scheme is letters, digits, '+', '-', '.' starting with a letter; without one this is
    // not a URL ("see ://x").
    std::size_t scheme = sep;
    while (scheme > 0 && detail::is_scheme_char(text[scheme - 1])) --scheme;
    while (scheme < sep && std::isalpha(static_cast<unsigned char>(text[scheme])) == 0) ++scheme;
    if (scheme == sep) continue;

    std::size_t token_end = start;
    while (token_end < text.size() && !detail::ends_url_token(text[token_end])) ++token_end;
    const std::string_view token = text.substr(start, token_end - start);
    const std::size_t authority_len = std::min(token.find_first_of("/?#"), token.size());
    const std::string_view authority = token.substr(0, authority_len);

    std::size_t at = authority.rfind('@');
    if (at == std::string_view::npos) {
      // No '@' in the authority: credentials only if what precedes the path is "user:secret"
      // rather than "host:port" / "[v6]:port", and an '@' follows later in the same token.
      const std::size_t bracket = authority.rfind(']');
      const std::size_t colon =
          authority.find(':', bracket == std::string_view::npos ? 0 : bracket + 1);
      const bool host_port = colon == std::string_view::npos ||
                             detail::all_digits(authority.substr(colon + 1));
      if (host_port) continue;
      at = token.find('@', authority_len);
      if (at == std::string_view::npos) continue;
    }
    out.append(text.substr(copied, start - copied));
    out.append(kMask);
    copied = start + at;  // keep the '@' and what follows
    search = copied + 1;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace redraft::runtime
