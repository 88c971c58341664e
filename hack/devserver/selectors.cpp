#include "selectors.hpp"

#include "api_errors.hpp"

#include <cctype>

namespace redraft::devserver {
namespace {

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

// Splits on commas that are not inside parentheses ("a in (x,y),b" -> 2 terms).
std::vector<std::string> split_terms(std::string_view text) {
  std::vector<std::string> out;
  int depth = 0;
  std::string cur;
  for (char c : text) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      out.push_back(trim(cur));
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!trim(cur).empty() || !out.empty()) out.push_back(trim(cur));
  return out;
}

bool valid_key(const std::string& k) {
  if (k.empty() || k.size() > 317) return false;
  for (char c : k)
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == '/'))
      return false;
  return true;
}

ApiError bad_label(const std::string& term, const std::string& why) {
  return bad_request("unable to parse requirement: invalid label selector term \"" + term +
                     "\": " + why);
}

}  // namespace

LabelSelector LabelSelector::parse(std::string_view text) {
  LabelSelector sel;
  for (const std::string& term : split_terms(text)) {
    if (term.empty()) throw bad_label(term, "empty requirement");
    LabelRequirement r;
    if (term[0] == '!') {
      r.key = trim(std::string_view(term).substr(1));
      r.op = LabelRequirement::Op::kNotExists;
    } else if (auto pos = term.find_first_of("=!<>"); pos != std::string::npos &&
               term.find(" in ") == std::string::npos && term.find(" notin ") == std::string::npos) {
      r.key = trim(std::string_view(term).substr(0, pos));
      std::string_view rest = std::string_view(term).substr(pos);
      if (rest.starts_with("==")) {
        rest.remove_prefix(2);
      } else if (rest.starts_with("!=")) {
        r.op = LabelRequirement::Op::kNotEquals;
        rest.remove_prefix(2);
      } else if (rest.starts_with("=")) {
        rest.remove_prefix(1);
      } else if (rest.starts_with(">")) {
        r.op = LabelRequirement::Op::kGreater;
        rest.remove_prefix(1);
      } else if (rest.starts_with("<")) {
        r.op = LabelRequirement::Op::kLess;
        rest.remove_prefix(1);
      } else {
        throw bad_label(term, "unknown operator");
      }
      r.values.push_back(trim(rest));
    } else if (auto in = term.find(" in "), notin = term.find(" notin ");
               in != std::string::npos || notin != std::string::npos) {
      const bool is_in = in != std::string::npos && (notin == std::string::npos || in < notin);
      const std::size_t at = is_in ? in : notin;
      r.key = trim(std::string_view(term).substr(0, at));
      r.op = is_in ? LabelRequirement::Op::kIn : LabelRequirement::Op::kNotIn;
      std::string set = trim(std::string_view(term).substr(at + (is_in ? 4 : 7)));
      if (set.size() < 2 || set.front() != '(' || set.back() != ')')
        throw bad_label(term, "expected a parenthesised set of values");
      for (const auto& v : split_terms(std::string_view(set).substr(1, set.size() - 2)))
        r.values.push_back(v);
    } else {
      r.key = term;
      r.op = LabelRequirement::Op::kExists;
    }
    if (!valid_key(r.key)) throw bad_label(term, "invalid label key \"" + r.key + "\"");
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

bool LabelSelector::matches(const nlohmann::json& object) const {
  static const nlohmann::json kEmpty = nlohmann::json::object();
  const auto& md = object.contains("metadata") ? object["metadata"] : kEmpty;
  const auto& labels = md.contains("labels") && md["labels"].is_object() ? md["labels"] : kEmpty;
  for (const auto& r : reqs_) {
    auto it = labels.find(r.key);
    const bool has = it != labels.end() && it->is_string();
    const std::string v = has ? it->get<std::string>() : "";
    auto in_values = [&] {
      for (const auto& x : r.values)
        if (x == v) return true;
      return false;
    };
    bool ok = false;
    switch (r.op) {
      case LabelRequirement::Op::kEquals: ok = has && v == r.values[0]; break;
      case LabelRequirement::Op::kNotEquals: ok = !has || v != r.values[0]; break;
      case LabelRequirement::Op::kIn: ok = has && in_values(); break;
      case LabelRequirement::Op::kNotIn: ok = !has || !in_values(); break;
      case LabelRequirement::Op::kExists: ok = has; break;
      case LabelRequirement::Op::kNotExists: ok = !has; break;
      case LabelRequirement::Op::kGreater:
      case LabelRequirement::Op::kLess:
        try {
          const long long a = std::stoll(v), b = std::stoll(r.values[0]);
          ok = has && (r.op == LabelRequirement::Op::kGreater ? a > b : a < b);
        } catch (const std::exception&) {
          ok = false;
        }
        break;
    }
    if (!ok) return false;
  }
  return true;
}

FieldSelector FieldSelector::parse(std::string_view text) {
  FieldSelector sel;
  for (const std::string& term : split_terms(text)) {
    FieldRequirement r;
    auto pos = term.find_first_of("=!");
    if (term.empty() || pos == std::string::npos || pos == 0)
      throw bad_request("invalid field selector \"" + std::string(text) +
                        "\": expected <field>=<value> or <field>!=<value> in \"" + term + "\"");
    r.path = trim(std::string_view(term).substr(0, pos));
    std::string_view rest = std::string_view(term).substr(pos);
    if (rest.starts_with("!=")) {
      r.negate = true;
      rest.remove_prefix(2);
    } else if (rest.starts_with("==")) {
      rest.remove_prefix(2);
    } else if (rest.starts_with("=")) {
      rest.remove_prefix(1);
    } else {
      throw bad_request("invalid field selector operator in \"" + term + "\"");
    }
    r.value = trim(rest);
    // core/v1 Event exposes source.component as the field "source".
    if (r.path == "source") r.path = "source.component";
    sel.reqs_.push_back(std::move(r));
  }
  return sel;
}

std::string field_value(const nlohmann::json& object, std::string_view path) {
  const nlohmann::json* cur = &object;
  while (!path.empty()) {
    auto dot = path.find('.');
    std::string part(path.substr(0, dot));
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
    if (!cur->is_object()) return "";
    auto it = cur->find(part);
    if (it == cur->end()) return "";
    cur = &*it;
  }
  if (cur->is_string()) return cur->get<std::string>();
  if (cur->is_null()) return "";
  return cur->dump();
}

bool FieldSelector::matches(const nlohmann::json& object) const {
  for (const auto& r : reqs_)
    if ((field_value(object, r.path) == r.value) == r.negate) return false;
  return true;
}

}  // namespace redraft::devserver
