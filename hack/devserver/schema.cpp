#include "schema.hpp"

#include "operator/runtime/client/redact.hpp"
#include "regex_cache.hpp"

#include <algorithm>
#include <cctype>
#include <string>
#include <string_view>

namespace redraft::devserver {

using nlohmann::json;

namespace {

bool flag(const json& schema, const char* key) {
  auto it = schema.find(key);
  return it != schema.end() && it->is_boolean() && it->get<bool>();
}

// The schema's "properties" (an empty object when it has none), by reference: schemas are large
// (long patterns), and admission walks them on every write, so nothing here copies them.
const json& properties_of(const json& schema) {
  static const json kNone = json::object();
  auto it = schema.find("properties");
  return it != schema.end() && it->is_object() ? *it : kNone;
}

// The property schema for `key`, or nullptr.
const json* property(const json& props, const std::string& key) {
  auto it = props.find(key);
  return it == props.end() ? nullptr : &*it;
}

std::string join(const std::string& path, const std::string& field) {
  return path.empty() ? field : path + "." + field;
}

// JSON text for "Invalid value: <v>" (strings quoted, numbers bare), like the Go formatter, with
// URL credentials masked: a rejected repository URL must not come back with its token in a 422
// message that clients log.
std::string shown(const json& v) { return runtime::redact_url_credentials(v.dump()); }

std::string type_name(const json& v) {
  switch (v.type()) {
    case json::value_t::object: return "object";
    case json::value_t::array: return "array";
    case json::value_t::string: return "string";
    case json::value_t::boolean: return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return "integer";
    case json::value_t::number_float: return "number";
    case json::value_t::null: return "null";
    default: return "unknown";
  }
}

bool type_matches(const std::string& type, const json& v) {
  if (type.empty()) return true;
  if (type == "object") return v.is_object();
  if (type == "array") return v.is_array();
  if (type == "string") return v.is_string();
  if (type == "boolean") return v.is_boolean();
  if (type == "integer")
    return v.is_number_integer() || (v.is_number_float() && v.get<double>() == static_cast<double>(static_cast<long long>(v.get<double>())));
  if (type == "number") return v.is_number();
  return true;
}

std::string number_text(const json& v) {
  if (v.is_number_float()) {
    const double d = v.get<double>();
    if (d == static_cast<double>(static_cast<long long>(d))) return std::to_string(static_cast<long long>(d));
  }
  return v.dump();
}

void prune(const json& schema, json& value, bool root, const std::string& path,
           std::vector<std::string>* pruned) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    const bool preserve = flag(schema, "x-kubernetes-preserve-unknown-fields");
    const bool embedded = flag(schema, "x-kubernetes-embedded-resource");
    const json& props = properties_of(schema);
    const auto addl = schema.find("additionalProperties");
    const bool has_addl_schema = addl != schema.end() && addl->is_object();
    const bool addl_true = addl != schema.end() && addl->is_boolean() && addl->get<bool>();
    for (auto it = value.begin(); it != value.end();) {
      const std::string& key = it.key();
      const bool meta_key = (root || embedded) && (key == "apiVersion" || key == "kind" || key == "metadata");
      const json* prop = property(props, key);
      if (it->is_null() && !(prop && flag(*prop, "nullable")) && !meta_key) {
        it = value.erase(it);  // nulls of non-nullable fields are dropped before defaulting
        continue;
      }
      if (prop) {
        if (!meta_key) prune(*prop, *it, false, join(path, key), pruned);
        ++it;
      } else if (has_addl_schema) {
        prune(*addl, *it, false, join(path, key), pruned);
        ++it;
      } else if (preserve || addl_true || meta_key) {
        ++it;
      } else {
        if (pruned) pruned->push_back(join(path, key));
        it = value.erase(it);
      }
    }
  } else if (auto items = schema.find("items"); value.is_array() && items != schema.end()) {
    for (std::size_t i = 0; i < value.size(); ++i)
      prune(*items, value[i], false, path + "[" + std::to_string(i) + "]", pruned);
  }
}

void defaults(const json& schema, json& value) {
  if (!schema.is_object()) return;
  if (value.is_object()) {
    if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
      for (auto it = props->begin(); it != props->end(); ++it) {
        if (!value.contains(it.key()) && it->contains("default")) value[it.key()] = (*it)["default"];
        if (value.contains(it.key())) defaults(*it, value[it.key()]);
      }
    }
    if (auto addl = schema.find("additionalProperties"); addl != schema.end() && addl->is_object())
      for (auto& [k, v] : value.items()) defaults(*addl, v);
  } else if (auto items = schema.find("items"); value.is_array() && items != schema.end()) {
    for (auto& e : value) defaults(*items, e);
  }
}

void validate(const json& schema, const json& value, const std::string& path,
              std::vector<FieldCause>& out) {
  if (!schema.is_object()) return;
  if (value.is_null()) {
    if (!flag(schema, "nullable") && schema.contains("type"))
      out.push_back({"FieldValueTypeInvalid",
                     "Invalid value: \"null\": " + path + " in body must be of type " +
                         schema["type"].get<std::string>() + ": \"null\"",
                     path});
    return;
  }
  const std::string type = schema.value("type", "");
  if (flag(schema, "x-kubernetes-int-or-string")) {
    if (!value.is_string() && !value.is_number_integer()) {
      out.push_back({"FieldValueTypeInvalid",
                     "Invalid value: \"" + type_name(value) + "\": " + path +
                         " in body must be of type integer-or-string: \"" + type_name(value) + "\"",
                     path});
      return;
    }
    // Strings still go through pattern/length checks below; integers have none that apply.
  } else if (!type_matches(type, value)) {
    out.push_back({"FieldValueTypeInvalid",
                   "Invalid value: \"" + type_name(value) + "\": " + path + " in body must be of type " +
                       type + ": \"" + type_name(value) + "\"",
                   path});
    return;
  }
  if (auto e = schema.find("enum"); e != schema.end() && e->is_array()) {
    bool found = false;
    std::string supported;
    for (const auto& allowed : *e) {
      found = found || allowed == value;
      if (!supported.empty()) supported += ", ";
      supported += allowed.dump();
    }
    if (!found)
      out.push_back({"FieldValueNotSupported",
                     "Unsupported value: " + shown(value) + ": supported values: " + supported, path});
  }
  if (value.is_string()) {
    const std::string& s = value.get_ref<const std::string&>();
    if (schema.value("format", "") == "date-time") {
      static const std::string kDateTime =
          R"(^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$)";
      if (!regex_full_match(kDateTime, s).value_or(false))
        out.push_back({"FieldValueInvalid",
                       "Invalid value: " + shown(value) + ": " + path + " in body must be of type date-time: " +
                           shown(value),
                       path});
    }
    if (auto m = schema.find("maxLength"); m != schema.end() && m->is_number() &&
                                           s.size() > m->get<std::size_t>())
      out.push_back({"FieldValueTooLong",
                     "Too long: may not be longer than " + std::to_string(m->get<std::size_t>()), path});
    if (auto m = schema.find("minLength"); m != schema.end() && m->is_number() &&
                                           s.size() < m->get<std::size_t>())
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + shown(value) + ": " + path + " in body should be at least " +
                         std::to_string(m->get<std::size_t>()) + " chars long",
                     path});
    if (auto p = schema.find("pattern"); p != schema.end() && p->is_string()) {
      // A pattern std::regex cannot compile (RE2-only syntax) is not enforced.
      if (regex_search(p->get_ref<const std::string&>(), s) == false)
        out.push_back({"FieldValueInvalid",
                       "Invalid value: " + shown(value) + ": " + path + " in body should match '" +
                           p->get<std::string>() + "'",
                       path});
    }
  }
  if (value.is_number()) {
    const double d = value.get<double>();
    if (auto m = schema.find("minimum"); m != schema.end() && m->is_number()) {
      const bool excl = flag(schema, "exclusiveMinimum");
      if (excl ? d <= m->get<double>() : d < m->get<double>())
        out.push_back({"FieldValueInvalid",
                       "Invalid value: " + number_text(value) + ": " + path + " in body should be greater than " +
                           (excl ? "" : "or equal to ") + number_text(*m),
                       path});
    }
    if (auto m = schema.find("maximum"); m != schema.end() && m->is_number()) {
      const bool excl = flag(schema, "exclusiveMaximum");
      if (excl ? d >= m->get<double>() : d > m->get<double>())
        out.push_back({"FieldValueInvalid",
                       "Invalid value: " + number_text(value) + ": " + path + " in body should be less than " +
                           (excl ? "" : "or equal to ") + number_text(*m),
                       path});
    }
  }
  if (value.is_array()) {
    if (auto m = schema.find("maxItems"); m != schema.end() && m->is_number() &&
                                          value.size() > m->get<std::size_t>())
      out.push_back({"FieldValueTooMany",
                     "Too many: " + std::to_string(value.size()) + ": must have at most " +
                         std::to_string(m->get<std::size_t>()) + " items",
                     path});
    if (auto m = schema.find("minItems"); m != schema.end() && m->is_number() &&
                                          value.size() < m->get<std::size_t>())
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + std::to_string(value.size()) + ": " + path +
                         " in body should have at least " + std::to_string(m->get<std::size_t>()) + " items",
                     path});
    if (auto items = schema.find("items"); items != schema.end())
      for (std::size_t i = 0; i < value.size(); ++i)
        validate(*items, value[i], path + "[" + std::to_string(i) + "]", out);
    // x-kubernetes-list-type set/map: items (or their map keys) must be unique.
    const std::string list_type = schema.value("x-kubernetes-list-type", "");
    if (list_type == "set" || list_type == "map") {
      const json keys = schema.value("x-kubernetes-list-map-keys", json::array());
      std::vector<json> seen;
      for (std::size_t i = 0; i < value.size(); ++i) {
        json identity = value[i];
        if (list_type == "map" && value[i].is_object()) {
          identity = json::object();
          for (const auto& k : keys)
            if (k.is_string() && value[i].contains(k.get<std::string>()))
              identity[k.get<std::string>()] = value[i][k.get<std::string>()];
        }
        if (std::find(seen.begin(), seen.end(), identity) != seen.end())
          out.push_back({"FieldValueDuplicate", "Duplicate value: " + shown(identity),
                         path + "[" + std::to_string(i) + "]"});
        else
          seen.push_back(std::move(identity));
      }
    }
  }
  if (value.is_object()) {
    if (auto m = schema.find("maxProperties"); m != schema.end() && m->is_number() &&
                                               value.size() > m->get<std::size_t>())
      out.push_back({"FieldValueTooMany",
                     "Too many: " + std::to_string(value.size()) + ": must have at most " +
                         std::to_string(m->get<std::size_t>()) + " items",
                     path});
    if (auto m = schema.find("minProperties"); m != schema.end() && m->is_number() &&
                                               value.size() < m->get<std::size_t>())
      out.push_back({"FieldValueInvalid",
                     "Invalid value: " + std::to_string(value.size()) + ": " + path +
                         " in body should have at least " + std::to_string(m->get<std::size_t>()) + " properties",
                     path});
    if (auto req = schema.find("required"); req != schema.end() && req->is_array())
      for (const auto& r : *req)
        if (r.is_string() && !value.contains(r.get<std::string>()))
          out.push_back({"FieldValueRequired", "Required value", join(path, r.get<std::string>())});
    const json& props = properties_of(schema);
    const auto addl = schema.find("additionalProperties");
    for (auto it = value.begin(); it != value.end(); ++it) {
      if (path.empty() && (it.key() == "metadata" || it.key() == "apiVersion" || it.key() == "kind"))
        continue;  // ObjectMeta is validated by the server itself, not by the CRD schema
      if (const json* prop = property(props, it.key()))
        validate(*prop, *it, join(path, it.key()), out);
      else if (addl != schema.end() && addl->is_object())
        validate(*addl, *it, join(path, it.key()), out);
    }
  }
}

}  // namespace

void prune_unknown_fields(const json& schema, json& object, std::vector<std::string>* pruned) {
  prune(schema, object, true, "", pruned);
}
void apply_defaults(const json& schema, json& object) { defaults(schema, object); }
std::vector<FieldCause> validate_against_schema(const json& schema, const json& object) {
  std::vector<FieldCause> out;
  validate(schema, object, "", out);
  return out;
}

std::vector<FieldCause> admit_custom_resource(const json& schema, json& object,
                                              std::vector<std::string>* pruned) {
  if (!schema.is_object()) return {};
  prune_unknown_fields(schema, object, pruned);
  apply_defaults(schema, object);
  return validate_against_schema(schema, object);
}

}  // namespace redraft::devserver
