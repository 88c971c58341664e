#include "jsonpath.hpp"

#include <stdexcept>
#include <string>

namespace redraft::devserver {

using nlohmann::json;

namespace {

struct Cursor {
  std::string_view s;
  std::size_t i = 0;
  bool done() const { return i >= s.size(); }
  char peek() const { return s[i]; }
  [[noreturn]] void fail(const std::string& why) const {
    throw std::invalid_argument("jsonpath \"" + std::string(s) + "\" at " + std::to_string(i) +
                                ": " + why);
  }
};

std::string read_name(Cursor& c) {
  std::string name;
  while (!c.done() && c.peek() != '.' && c.peek() != '[') name += c.s[c.i++];
  return name;
}

std::vector<json> select(const std::vector<json>& in, Cursor& c);

// Parses "@.a.b op 'literal'" inside [?( ... )] and keeps the items for which it holds.
std::vector<json> filter(const std::vector<json>& in, std::string_view expr) {
  auto op_pos = expr.find("==");
  bool negate = false;
  if (op_pos == std::string_view::npos) {
    op_pos = expr.find("!=");
    negate = true;
  }
  if (op_pos == std::string_view::npos || !expr.starts_with("@"))
    throw std::invalid_argument("unsupported filter expression \"" + std::string(expr) + "\"");
  std::string_view lhs = expr.substr(1, op_pos - 1);
  while (!lhs.empty() && lhs.back() == ' ') lhs.remove_suffix(1);
  std::string_view rhs = expr.substr(op_pos + 2);
  while (!rhs.empty() && rhs.front() == ' ') rhs.remove_prefix(1);
  while (!rhs.empty() && rhs.back() == ' ') rhs.remove_suffix(1);
  json literal;
  if (rhs.size() >= 2 && (rhs.front() == '"' || rhs.front() == '\''))
    literal = std::string(rhs.substr(1, rhs.size() - 2));
  else
    literal = json::parse(rhs);
  std::vector<json> out;
  for (const auto& node : in) {
    const std::vector<json> items = node.is_array() ? std::vector<json>(node.begin(), node.end())
                                                    : std::vector<json>{node};
    for (const auto& item : items) {
      Cursor sub{lhs};
      auto got = select({item}, sub);
      const bool eq = !got.empty() && got.front() == literal;
      if (eq != negate) out.push_back(item);
    }
  }
  return out;
}

std::vector<json> select(const std::vector<json>& in, Cursor& c) {
  std::vector<json> cur = in;
  while (!c.done()) {
    std::vector<json> next;
    if (c.peek() == '.') {
      ++c.i;
      const std::string name = read_name(c);
      if (name.empty()) {
        if (!c.done() && c.peek() == '[') continue;  // ".[0]" style
        c.fail("empty field name");
      }
      for (const auto& n : cur)
        if (n.is_object() && n.contains(name)) next.push_back(n[name]);
    } else if (c.peek() == '[') {
      const auto close = c.s.find(']', c.i);
      if (close == std::string_view::npos) c.fail("missing ]");
      std::string_view inner = c.s.substr(c.i + 1, close - c.i - 1);
      if (inner.starts_with("?(")) {
        // A filter may contain ']' inside quotes; find the matching ")]".
        const auto end = c.s.find(")]", c.i);
        if (end == std::string_view::npos) c.fail("missing )]");
        inner = c.s.substr(c.i + 3, end - c.i - 3);
        next = filter(cur, inner);
        c.i = end + 2;
        cur = std::move(next);
        continue;
      }
      c.i = close + 1;
      if (inner == "*") {
        for (const auto& n : cur) {
          if (n.is_array() || n.is_object())
            for (const auto& e : n) next.push_back(e);
        }
      } else if (!inner.empty() && (inner.front() == '\'' || inner.front() == '"')) {
        const std::string key(inner.substr(1, inner.size() - 2));
        for (const auto& n : cur)
          if (n.is_object() && n.contains(key)) next.push_back(n[key]);
      } else {
        long idx = 0;
        try {
          idx = std::stol(std::string(inner));
        } catch (const std::exception&) {
          c.fail("unsupported subscript [" + std::string(inner) + "]");
        }
        for (const auto& n : cur) {
          if (!n.is_array()) continue;
          const long size = static_cast<long>(n.size());
          const long at = idx < 0 ? size + idx : idx;
          if (at >= 0 && at < size) next.push_back(n[static_cast<std::size_t>(at)]);
        }
      }
    } else {
      c.fail(std::string("unexpected character '") + c.peek() + "'");
    }
    cur = std::move(next);
  }
  return cur;
}

}  // namespace

std::vector<json> jsonpath_select(const json& doc, std::string_view path) {
  // kubectl-style templates wrap the path in braces; the leading '$' is optional.
  if (path.size() >= 2 && path.front() == '{' && path.back() == '}')
    path = path.substr(1, path.size() - 2);
  if (path.starts_with("$")) path.remove_prefix(1);
  if (path.empty()) return {doc};
  if (path.front() != '.' && path.front() != '[')
    throw std::invalid_argument("jsonpath \"" + std::string(path) + "\" must start with '.'");
  Cursor c{path};
  return select({doc}, c);
}

}  // namespace redraft::devserver
