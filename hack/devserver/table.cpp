#include "table.hpp"

#include "builtin_printers.hpp"
#include "jsonpath.hpp"

#include <ctime>
#include <iomanip>
#include <sstream>

namespace redraft::devserver {

using nlohmann::json;

std::string human_duration(std::chrono::seconds d) {
  const long long s = d.count();
  if (s < -1) return "<invalid>";
  if (s < 0) return "0s";
  if (s < 60 * 2) return std::to_string(s) + "s";
  const long long m = s / 60;
  if (m < 10) return s % 60 == 0 ? std::to_string(m) + "m" : std::to_string(m) + "m" + std::to_string(s % 60) + "s";
  if (m < 60 * 3) return std::to_string(m) + "m";
  const long long h = m / 60;
  if (h < 8) return m % 60 == 0 ? std::to_string(h) + "h" : std::to_string(h) + "h" + std::to_string(m % 60) + "m";
  if (h < 48) return std::to_string(h) + "h";
  if (h < 24 * 8) return h % 24 == 0 ? std::to_string(h / 24) + "d" : std::to_string(h / 24) + "d" + std::to_string(h % 24) + "h";
  if (h < 24 * 365 * 2) return std::to_string(h / 24) + "d";
  if (h < 24 * 365 * 8) {
    const long long dy = (h / 24) % 365;
    return dy == 0 ? std::to_string(h / 24 / 365) + "y" : std::to_string(h / 24 / 365) + "y" + std::to_string(dy) + "d";
  }
  return std::to_string(h / 24 / 365) + "y";
}

std::string age_since(const std::string& rfc3339, std::chrono::system_clock::time_point now) {
  std::tm tm{};
  std::istringstream in(rfc3339);
  in >> std::get_time(&tm, "%Y-%m-%dT%H:%M:%S");
  if (in.fail()) return "";
  const auto then = std::chrono::system_clock::from_time_t(timegm(&tm));
  return human_duration(std::chrono::duration_cast<std::chrono::seconds>(now - then));
}

namespace {

std::string column_type_to_openapi(const std::string& t) {
  return t == "date" ? "string" : t;
}

json cell_for(const PrinterColumn& col, const json& obj,
              std::chrono::system_clock::time_point now) {
  if (!col.computed.empty()) return computed_cell(col.computed, obj);
  std::vector<json> values;
  try {
    values = jsonpath_select(obj, col.json_path);
  } catch (const std::invalid_argument&) {
    return nullptr;
  }
  if (values.empty()) return nullptr;
  if (col.type == "date") {
    return values.front().is_string() ? json(age_since(values.front().get<std::string>(), now))
                                      : json(nullptr);
  }
  if (values.size() == 1) {
    const json& v = values.front();
    if (col.type == "string" && !v.is_string()) return v.dump();
    return v;
  }
  // Several matches print comma-separated, as kubectl's JSONPath printer does.
  std::string joined;
  for (const auto& v : values) {
    if (!joined.empty()) joined += ",";
    joined += v.is_string() ? v.get<std::string>() : v.dump();
  }
  return joined;
}

}  // namespace

json render_table(const ResourceInfo& info, const std::vector<json>& objects,
                  const TableOptions& options) {
  json defs = json::array();
  defs.push_back({{"name", "Name"},
                  {"type", "string"},
                  {"format", "name"},
                  {"description", "Name must be unique within a namespace."},
                  {"priority", 0}});
  std::vector<PrinterColumn> columns = info.columns;
  if (columns.empty())
    columns.push_back({"Age", "date", ".metadata.creationTimestamp",
                       "CreationTimestamp is a timestamp representing the server time when this "
                       "object was created.",
                       "", 0, ""});
  for (const auto& c : columns)
    defs.push_back({{"name", c.name},
                    {"type", column_type_to_openapi(c.type)},
                    {"format", c.format},
                    {"description", c.description},
                    {"priority", c.priority}});
  json rows = json::array();
  for (const auto& obj : objects) {
    json cells = json::array();
    cells.push_back(obj["metadata"].value("name", ""));
    for (const auto& c : columns) cells.push_back(cell_for(c, obj, options.now));
    json row = {{"cells", cells}};
    if (options.include_object) {
      row["object"] = obj;
    } else {
      row["object"] = {{"kind", "PartialObjectMetadata"},
                       {"apiVersion", "meta.k8s.io/v1"},
                       {"metadata", obj["metadata"]}};
    }
    rows.push_back(row);
  }
  json meta = {{"resourceVersion", options.resource_version}};
  if (!options.continue_token.empty()) meta["continue"] = options.continue_token;
  return {{"kind", "Table"},
          {"apiVersion", "meta.k8s.io/v1"},
          {"metadata", meta},
          {"columnDefinitions", defs},
          {"rows", rows}};
}

}  // namespace redraft::devserver
