#include "object_meta.hpp"

#include "regex_cache.hpp"

namespace redraft::devserver {

using nlohmann::json;

namespace {

constexpr const char* kNamePart = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";

bool matches(const char* pattern, const std::string& text) {
  return regex_full_match(pattern, text).value_or(false);
}

constexpr std::size_t kMaxAnnotationBytes = 256 * 1024;

std::string quoted(const std::string& s) { return json(s).dump(); }

}  // namespace

std::optional<std::string> check_qualified_name(const std::string& key) {
  std::string name = key;
  if (auto slash = key.find('/'); slash != std::string::npos) {
    const std::string prefix = key.substr(0, slash);
    name = key.substr(slash + 1);
    if (prefix.empty()) return "prefix part must be non-empty";
    if (prefix.size() > 253) return "prefix part must be no more than 253 characters";
    if (!matches(kDns1123SubdomainPattern, prefix))
      return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
             "characters, '-' or '.', and must start and end with an alphanumeric character";
  }
  if (name.empty()) return "name part must be non-empty";
  if (name.size() > 63) return "name part must be no more than 63 characters";
  if (!matches(kNamePart, name))
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
           "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
           "used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
  return std::nullopt;
}

std::optional<std::string> check_label_value(const std::string& value) {
  if (value.empty()) return std::nullopt;
  if (value.size() > 63) return "must be no more than 63 characters";
  if (!matches(kNamePart, value))
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' "
           "or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
           "'my_value',  or '12345', regex used for validation is "
           "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
  return std::nullopt;
}

std::vector<FieldCause> validate_object_meta(const json& md) {
  std::vector<FieldCause> out;
  auto invalid_value = [&](const std::string& field, const std::string& value, const std::string& why) {
    out.push_back({"FieldValueInvalid", "Invalid value: " + quoted(value) + ": " + why, field});
  };
  if (auto labels = md.find("labels"); labels != md.end() && !labels->is_null()) {
    if (!labels->is_object()) {
      out.push_back({"FieldValueTypeInvalid", "Invalid value: must be a map of strings", "metadata.labels"});
    } else {
      for (auto it = labels->begin(); it != labels->end(); ++it) {
        if (auto why = check_qualified_name(it.key())) invalid_value("metadata.labels", it.key(), *why);
        if (!it->is_string())
          out.push_back({"FieldValueTypeInvalid", "Invalid value: " + it->dump() + ": must be a string",
                         "metadata.labels"});
        else if (auto why = check_label_value(it->get<std::string>()))
          invalid_value("metadata.labels", it->get<std::string>(), *why);
      }
    }
  }
  if (auto ann = md.find("annotations"); ann != md.end() && !ann->is_null()) {
    if (!ann->is_object()) {
      out.push_back({"FieldValueTypeInvalid", "Invalid value: must be a map of strings", "metadata.annotations"});
    } else {
      std::size_t total = 0;
      for (auto it = ann->begin(); it != ann->end(); ++it) {
        if (auto why = check_qualified_name(it.key())) invalid_value("metadata.annotations", it.key(), *why);
        if (!it->is_string())
          out.push_back({"FieldValueTypeInvalid", "Invalid value: " + it->dump() + ": must be a string",
                         "metadata.annotations"});
        else
          total += it.key().size() + it->get<std::string>().size();
      }
      if (total > kMaxAnnotationBytes)
        out.push_back({"FieldValueTooLong",
                       "Too long: must have at most " + std::to_string(kMaxAnnotationBytes) + " bytes",
                       "metadata.annotations"});
    }
  }
  if (auto refs = md.find("ownerReferences"); refs != md.end() && !refs->is_null()) {
    if (!refs->is_array()) {
      out.push_back({"FieldValueTypeInvalid", "Invalid value: must be a list", "metadata.ownerReferences"});
    } else {
      int controllers = 0;
      for (const auto& r : *refs) {
        for (const char* f : {"apiVersion", "kind", "name", "uid"})
          if (!r.is_object() || !r.contains(f) || !r[f].is_string() || r[f].get<std::string>().empty())
            out.push_back({"FieldValueInvalid", std::string("Invalid value: \"\": ") + f + " must not be empty",
                           std::string("metadata.ownerReferences.") + f});
        if (r.is_object() && r.value("controller", json(false)) == json(true)) ++controllers;
      }
      if (controllers > 1)
        out.push_back({"FieldValueInvalid", "Invalid value: only one reference can have Controller set to true",
                       "metadata.ownerReferences"});
    }
  }
  if (auto fins = md.find("finalizers"); fins != md.end() && !fins->is_null()) {
    if (!fins->is_array()) {
      out.push_back({"FieldValueTypeInvalid", "Invalid value: must be a list", "metadata.finalizers"});
    } else {
      for (std::size_t i = 0; i < fins->size(); ++i) {
        const json& f = (*fins)[i];
        const std::string field = "metadata.finalizers[" + std::to_string(i) + "]";
        if (!f.is_string()) {
          out.push_back({"FieldValueTypeInvalid", "Invalid value: " + f.dump() + ": must be a string", field});
        } else if (auto why = check_qualified_name(f.get<std::string>())) {
          invalid_value(field, f.get<std::string>(), *why);
        }
      }
    }
  }
  return out;
}

}  // namespace redraft::devserver
