// Label and field selectors as sent in ?labelSelector= / ?fieldSelector= (Kubernetes syntax).
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace redraft::devserver {

struct LabelRequirement {
  enum class Op { kEquals, kNotEquals, kIn, kNotIn, kExists, kNotExists, kGreater, kLess };
  std::string key;
  Op op = Op::kEquals;
  std::vector<std::string> values;
};

class LabelSelector {
 public:
  // Throws ApiError(400) naming the offending term.
  static LabelSelector parse(std::string_view text);
  bool matches(const nlohmann::json& object) const;  // reads metadata.labels
  bool empty() const { return reqs_.empty(); }
  const std::vector<LabelRequirement>& requirements() const { return reqs_; }

 private:
  std::vector<LabelRequirement> reqs_;
};

struct FieldRequirement {
  std::string path;  // dotted, e.g. metadata.name, involvedObject.uid
  bool negate = false;
  std::string value;
};

class FieldSelector {
 public:
  static FieldSelector parse(std::string_view text);
  bool matches(const nlohmann::json& object) const;
  bool empty() const { return reqs_.empty(); }
  const std::vector<FieldRequirement>& requirements() const { return reqs_; }

 private:
  std::vector<FieldRequirement> reqs_;
};

// The string a field selector compares against: the value at a dotted path ("" when absent).
std::string field_value(const nlohmann::json& object, std::string_view path);

}  // namespace redraft::devserver
