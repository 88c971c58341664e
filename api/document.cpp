// Document loading (JSON or YAML text → JSON) and YAML rendering.
//
// YAML scalars are resolved with the YAML 1.2 core schema: plain `12` is a number, `true` a
// boolean, `null`/`~`/empty a null; anything quoted or block-literal stays a string. Rendering
// quotes every string a YAML 1.1 reader (kubectl's go-yaml) could take for something else
// (yes/no/on/off, numbers, timestamps...), so both readers get the same document back.
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <set>
#include <string>

#include "api/codec.hpp"

namespace redraft::api {
namespace {

using nlohmann::json;

// Aliases can make a small YAML text expand exponentially ("billion laughs"); cap the work.
constexpr std::size_t kMaxNodes = 250'000;
constexpr int kMaxDepth = 200;

// yaml-cpp passes bytes through unchecked; JSON strings must be UTF-8 (nlohmann's dump()
// throws on anything else), so invalid text is rejected here, with its path.
bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t min = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if ((c & 0xE0) == 0xC0) {
      extra = 1;
      min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      min = 0x10000;
    } else {
      return false;
    }
    if (i + extra >= s.size()) return false;  // truncated sequence
    std::uint32_t cp = c & (0x3F >> extra);
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

std::string at_path(const std::string& path) { return path.empty() ? "document" : path; }

struct YamlConverter {
  std::size_t nodes = 0;

  static bool is_null_word(const std::string& s) {
    return s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL";
  }

  static std::optional<bool> as_bool(const std::string& s) {
    if (s == "true" || s == "True" || s == "TRUE") return true;
    if (s == "false" || s == "False" || s == "FALSE") return false;
    return std::nullopt;
  }

  static bool all_of(std::string_view s, bool (*pred)(char)) {
    if (s.empty()) return false;
    for (char c : s) {
      if (!pred(c)) return false;
    }
    return true;
  }
  static bool is_digit(char c) { return c >= '0' && c <= '9'; }
  static bool is_hex(char c) {
    return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
  }
  static bool is_octal(char c) { return c >= '0' && c <= '7'; }

  static std::optional<json> as_int(const std::string& s) {
    std::string_view body = s;
    bool negative = false;
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
      negative = body.front() == '-';
      body.remove_prefix(1);
    }
    int base = 10;
    if (body.size() > 2 && body[0] == '0' && body[1] == 'x' && !negative && s.front() != '+') {
      body.remove_prefix(2);
      if (!all_of(body, is_hex)) return std::nullopt;
      base = 16;
    } else if (body.size() > 2 && body[0] == '0' && body[1] == 'o' && !negative &&
               s.front() != '+') {
      body.remove_prefix(2);
      if (!all_of(body, is_octal)) return std::nullopt;
      base = 8;
    } else if (!all_of(body, is_digit)) {
      return std::nullopt;
    }
    std::uint64_t magnitude = 0;
    auto [ptr, ec] = std::from_chars(body.data(), body.data() + body.size(), magnitude, base);
    if (ec == std::errc() && ptr == body.data() + body.size()) {
      if (!negative) return json(magnitude);
      if (magnitude <= static_cast<std::uint64_t>(INT64_MAX) + 1) {
        return json(static_cast<std::int64_t>(0 - magnitude));
      }
    }
    // Too large for 64 bits: still a number, as a double.
    return json(std::strtod(s.c_str(), nullptr));
  }

  static std::optional<json> as_float(const std::string& s) {
    std::string_view body = s;
    double sign = 1.0;
    if (!body.empty() && (body.front() == '-' || body.front() == '+')) {
      if (body.front() == '-') sign = -1.0;
      body.remove_prefix(1);
    }
    if (body == ".inf" || body == ".Inf" || body == ".INF") {
      // JSON has no infinity; keep the text rather than invent a value.
      return json(s);
    }
    if (s == ".nan" || s == ".NaN" || s == ".NAN") return json(s);
    // [0-9]*(\.[0-9]*)?([eE][-+]?[0-9]+)? with at least one digit before the exponent.
    std::size_t i = 0;
    std::size_t digits = 0;
    while (i < body.size() && is_digit(body[i])) ++i, ++digits;
    if (i < body.size() && body[i] == '.') {
      ++i;
      while (i < body.size() && is_digit(body[i])) ++i, ++digits;
    }
    if (digits == 0) return std::nullopt;
    if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
      ++i;
      if (i < body.size() && (body[i] == '-' || body[i] == '+')) ++i;
      std::size_t exp_digits = 0;
      while (i < body.size() && is_digit(body[i])) ++i, ++exp_digits;
      if (exp_digits == 0) return std::nullopt;
    }
    if (i != body.size()) return std::nullopt;
    double value = std::strtod(std::string(body).c_str(), nullptr);
    if (!std::isfinite(value)) return json(s);
    return json(sign * value);
  }

  static json resolve_plain(const std::string& s) {
    if (is_null_word(s)) return nullptr;
    if (auto b = as_bool(s)) return *b;
    if (auto i = as_int(s)) return *i;
    if (auto f = as_float(s)) return *f;
    return s;
  }

  json convert(const YAML::Node& node, int depth, const std::string& path) {
    if (++nodes > kMaxNodes) {
      throw DecodeError("YAML document too large (too many nodes after alias expansion)");
    }
    if (depth > kMaxDepth) {
      throw DecodeError("document nested more than " + std::to_string(kMaxDepth) + " levels deep");
    }
    switch (node.Type()) {
      case YAML::NodeType::Undefined:
      case YAML::NodeType::Null:
        return nullptr;
      case YAML::NodeType::Scalar: {
        const std::string& tag = node.Tag();
        const std::string& text = node.Scalar();
        if (!valid_utf8(text)) throw DecodeError(at_path(path) + ": invalid UTF-8");
        if (tag == "!" || tag == "tag:yaml.org,2002:str") return text;  // quoted, block, !!str
        return resolve_plain(text);
      }
      case YAML::NodeType::Sequence: {
        json out = json::array();
        std::size_t index = 0;
        for (const auto& child : node) {
          out.push_back(convert(child, depth + 1, path + "[" + std::to_string(index++) + "]"));
        }
        return out;
      }
      case YAML::NodeType::Map: {
        json out = json::object();
        for (const auto& entry : node) {
          if (!entry.first.IsScalar()) {
            throw DecodeError(at_path(path) + ": mapping keys must be scalars");
          }
          const std::string& key = entry.first.Scalar();
          if (!valid_utf8(key)) throw DecodeError(at_path(path) + ": invalid UTF-8 in a key");
          std::string child_path = path.empty() ? key : path + "." + key;
          if (out.contains(key)) throw DecodeError(child_path + ": duplicate key");
          out[key] = convert(entry.second, depth + 1, child_path);
        }
        return out;
      }
    }
    return nullptr;
  }
};

// nlohmann's parse messages quote the text around the error ("last read: '...'"), which could be
// a secret in a manifest; keep only the position and the expectation.
std::string describe_json_error(const nlohmann::json::parse_error& e) {
  std::string text = e.what();
  auto start = text.find("parse error");
  if (start != std::string::npos) text = text.substr(start);
  auto last_read = text.find("; last read");
  if (last_read != std::string::npos) {
    auto expected = text.find("; expected", last_read);
    std::string tail = expected == std::string::npos ? "" : text.substr(expected);
    text = text.substr(0, last_read) + tail;
  }
  return "invalid JSON: " + text;
}

// ---- YAML rendering ----

bool plain_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-' || c == '.' || c == '/' || c == ' ';
}

// Words YAML 1.1 or 1.2 resolves to booleans or null when unquoted.
bool reserved_word(std::string_view s) {
  static const std::set<std::string, std::less<>> words = {
      "y",  "Y",    "yes",  "Yes",  "YES",   "n",     "N",     "no", "No",
      "NO", "true", "True", "TRUE", "false", "False", "FALSE", "on", "On",
      "ON", "off",  "Off",  "OFF",  "null",  "Null",  "NULL"};
  return words.count(s) > 0;
}

// Conservative: a plain scalar must start with a letter, use only [A-Za-z0-9_./ -], not end in
// a space and not be a reserved word. Everything else is double-quoted.
bool can_be_plain(const std::string& s) {
  if (s.empty()) return false;
  char first = s.front();
  if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return false;
  if (s.back() == ' ') return false;
  for (char c : s) {
    if (!plain_char(c)) return false;
  }
  return !reserved_word(s);
}

std::string quoted(const std::string& s) {
  // A JSON string literal is a valid YAML double-quoted scalar.
  return json(s).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string scalar_text(const json& v) {
  if (v.is_string()) {
    const auto& s = v.get_ref<const std::string&>();
    return can_be_plain(s) ? s : quoted(s);
  }
  if (v.is_null()) return "null";
  if (v.is_object()) return "{}";  // only called for empty containers
  if (v.is_array()) return "[]";
  return v.dump();
}

bool is_block(const json& v) { return (v.is_object() || v.is_array()) && !v.empty(); }

void render(const json& v, int indent, std::string& out);

// Renders a block value as an item of a sequence: its first line starts with "- ".
void render_item(const json& v, int indent, std::string& out) {
  if (!is_block(v)) {
    out.append(static_cast<std::size_t>(indent), ' ');
    out += "- " + scalar_text(v) + "\n";
    return;
  }
  std::string block;
  render(v, indent + 2, block);
  block.replace(static_cast<std::size_t>(indent), 2, "- ");
  out += block;
}

void render(const json& v, int indent, std::string& out) {
  const std::string pad(static_cast<std::size_t>(indent), ' ');
  if (v.is_object()) {
    for (const auto& [key, value] : v.items()) {
      out += pad + (can_be_plain(key) ? key : quoted(key)) + ":";
      if (is_block(value)) {
        out += "\n";
        if (value.is_object()) {
          render(value, indent + 2, out);
        } else {
          // kubectl style: a list under a key is not indented further.
          for (const auto& item : value) render_item(item, indent, out);
        }
      } else {
        out += " " + scalar_text(value) + "\n";
      }
    }
  } else if (v.is_array()) {
    for (const auto& item : v) render_item(item, indent, out);
  } else {
    out += pad + scalar_text(v) + "\n";
  }
}

}  // namespace

namespace {

std::vector<YAML::Node> load_yaml(std::string_view text) {
  try {
    return YAML::LoadAll(std::string(text));
  } catch (const YAML::Exception& e) {
    throw DecodeError("invalid YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                      std::to_string(e.mark.column + 1) + ": " + e.msg);
  }
}

nlohmann::json convert_yaml(const YAML::Node& node) {
  YamlConverter converter;
  try {
    return converter.convert(node, 0, "");
  } catch (const YAML::Exception& e) {
    throw DecodeError(std::string("invalid YAML: ") + e.msg);
  }
}

bool starts_like_json(std::string_view text, std::size_t first) {
  return text[first] == '{' || text[first] == '[';
}

nlohmann::json parse_json(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw DecodeError(describe_json_error(e));
  }
}

}  // namespace

std::vector<nlohmann::json> parse_documents(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) return {};
  if (starts_like_json(text, first)) return {parse_json(text)};
  std::vector<nlohmann::json> out;
  const auto docs = load_yaml(text);
  for (std::size_t i = 0; i < docs.size(); ++i) {
    if (docs[i].IsNull()) continue;  // "---" separators around nothing
    try {
      out.push_back(convert_yaml(docs[i]));
    } catch (const DecodeError& e) {
      throw DecodeError("document " + std::to_string(i + 1) + ": " + e.what());
    }
  }
  return out;
}

nlohmann::json parse_document(std::string_view text) {
  auto first = text.find_first_not_of(" \t\r\n");
  if (first == std::string_view::npos) throw DecodeError("empty document");
  if (starts_like_json(text, first)) return parse_json(text);
  const auto docs = load_yaml(text);
  if (docs.empty()) throw DecodeError("empty document");
  if (docs.size() > 1) {
    throw DecodeError("expected one YAML document, got " + std::to_string(docs.size()));
  }
  return convert_yaml(docs.front());
}

std::string to_yaml(const nlohmann::json& value) {
  std::string out;
  if (is_block(value)) {
    render(value, 0, out);
  } else {
    out = scalar_text(value) + "\n";
  }
  return out;
}

}  // namespace redraft::api
