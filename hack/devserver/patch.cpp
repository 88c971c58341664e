#include "patch.hpp"

#include "api_errors.hpp"

#include <algorithm>

namespace redraft::devserver {

using nlohmann::json;

PatchType patch_type_from_content_type(const std::string& content_type) {
  const std::string ct = content_type.substr(0, content_type.find(';'));
  if (ct == "application/merge-patch+json") return PatchType::kMerge;
  if (ct == "application/json-patch+json") return PatchType::kJson;
  if (ct == "application/strategic-merge-patch+json") return PatchType::kStrategic;
  if (ct == "application/apply-patch+yaml") return PatchType::kApply;
  return PatchType::kUnknown;
}

json apply_merge_patch(const json& current, const json& patch) {
  json out = current;
  out.merge_patch(patch);
  return out;
}

json apply_json_patch(const json& current, const json& patch) {
  if (!patch.is_array()) throw bad_request("json patch must be an array of operations");
  try {
    return current.patch(patch);
  } catch (const json::exception& e) {
    throw ApiError(422, "Invalid",
                   std::string("the server rejected our request due to an error in our request: ") +
                       e.what());
  }
}

namespace {

bool all_named(const json& list) {
  if (!list.is_array() || list.empty()) return false;
  for (const auto& e : list)
    if (!e.is_object() || !e.contains("name") || !e["name"].is_string()) return false;
  return true;
}

json strategic(const json& current, const json& patch);

json merge_named_lists(const json& current, const json& patch, const json* order) {
  json out = current;
  for (const auto& p : patch) {
    const std::string name = p["name"].get<std::string>();
    auto it = std::find_if(out.begin(), out.end(),
                           [&](const json& e) { return e.value("name", "") == name; });
    const std::string directive = p.value("$patch", "");
    if (directive == "delete") {
      if (it != out.end()) out.erase(it);
    } else if (it != out.end()) {
      *it = strategic(*it, p);
    } else {
      out.push_back(strategic(json::object(), p));
    }
  }
  if (order && order->is_array()) {
    // Reorder to what the client asked for; elements it does not mention keep their place
    // at the end, which is what the apiserver does for server-only items.
    json ordered = json::array();
    for (const auto& o : *order) {
      const std::string name = o.value("name", "");
      for (const auto& e : out)
        if (e.value("name", "") == name) ordered.push_back(e);
    }
    for (const auto& e : out) {
      bool listed = false;
      for (const auto& o : *order) listed = listed || o.value("name", "") == e.value("name", "");
      if (!listed) ordered.push_back(e);
    }
    out = std::move(ordered);
  }
  return out;
}

json strategic(const json& current, const json& patch) {
  if (!patch.is_object()) return patch;
  if (patch.value("$patch", "") == "replace") {
    json out = patch;
    out.erase("$patch");
    return out;
  }
  json out = current.is_object() ? current : json::object();
  for (auto it = patch.begin(); it != patch.end(); ++it) {
    const std::string& key = it.key();
    if (!key.empty() && key[0] == '$') continue;  // directives handled around their lists
    const json& value = it.value();
    if (value.is_null()) {
      out.erase(key);
    } else if (value.is_object()) {
      out[key] = strategic(out.contains(key) ? out[key] : json::object(), value);
    } else if (value.is_array() && all_named(value) && out.contains(key) && all_named(out[key])) {
      const std::string order_key = "$setElementOrder/" + key;
      out[key] = merge_named_lists(out[key], value,
                                   patch.contains(order_key) ? &patch[order_key] : nullptr);
    } else if (value.is_array()) {
      json list = json::array();
      for (const auto& e : value)
        if (!(e.is_object() && e.value("$patch", "") == "delete"))
          list.push_back(e.is_object() ? strategic(json::object(), e) : e);
      out[key] = std::move(list);
    } else {
      out[key] = value;
    }
  }
  return out;
}

}  // namespace

json apply_strategic_merge_patch(const json& current, const json& patch) {
  if (!patch.is_object()) throw bad_request("strategic merge patch must be a JSON object");
  return strategic(current, patch);
}

}  // namespace redraft::devserver
