#include "exposition_parser.hpp"

#include <cmath>
#include <cstdlib>
#include <set>
#include <stdexcept>

namespace redraft::testing {

namespace {

[[noreturn]] void fail(std::size_t line, const std::string& why) {
  throw std::runtime_error("exposition line " + std::to_string(line) + ": " + why);
}

bool name_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_' || c == ':'; }
bool name_char(char c) { return name_start(c) || std::isdigit(static_cast<unsigned char>(c)); }
bool label_start(char c) { return std::isalpha(static_cast<unsigned char>(c)) || c == '_'; }
bool label_char(char c) { return label_start(c) || std::isdigit(static_cast<unsigned char>(c)); }

std::string read_name(std::string_view& s, std::size_t line, bool label) {
  std::size_t i = 0;
  if (s.empty() || !(label ? label_start(s[0]) : name_start(s[0]))) {
    fail(line, std::string("expected a ") + (label ? "label" : "metric") + " name at '" +
                   std::string(s.substr(0, 20)) + "'");
  }
  while (i < s.size() && (label ? label_char(s[i]) : name_char(s[i]))) {
    ++i;
  }
  std::string name(s.substr(0, i));
  s.remove_prefix(i);
  return name;
}

double parse_value(std::string_view s, std::size_t line) {
  if (s == "+Inf") return INFINITY;
  if (s == "-Inf") return -INFINITY;
  if (s == "NaN") return NAN;
  if (s.empty()) fail(line, "missing value");
  std::string copy(s);
  char* end = nullptr;
  const double v = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size()) fail(line, "bad value '" + copy + "'");
  // strtod also accepts "inf"/"nan"/hex; the format only allows the spellings above.
  for (char c : copy) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '.' || c == 'e' || c == 'E' ||
          c == '+' || c == '-')) {
      fail(line, "bad value '" + copy + "'");
    }
  }
  return v;
}

std::string unescape_help(std::string_view s, std::size_t line) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') {
      out += s[i];
      continue;
    }
    if (++i >= s.size()) fail(line, "dangling backslash in HELP");
    if (s[i] == '\\') out += '\\';
    else if (s[i] == 'n') out += '\n';
    else fail(line, std::string("invalid escape \\") + s[i] + " in HELP");
  }
  return out;
}

std::map<std::string, std::string> read_labels(std::string_view& s, std::size_t line) {
  std::map<std::string, std::string> labels;
  if (s.empty() || s[0] != '{') return labels;
  s.remove_prefix(1);
  while (true) {
    if (!s.empty() && s[0] == '}') {
      s.remove_prefix(1);
      return labels;
    }
    std::string name = read_name(s, line, true);
    if (s.empty() || s[0] != '=') fail(line, "expected '=' after label " + name);
    s.remove_prefix(1);
    if (s.empty() || s[0] != '"') fail(line, "expected '\"' to open the value of label " + name);
    s.remove_prefix(1);
    std::string value;
    bool closed = false;
    while (!s.empty()) {
      char c = s[0];
      s.remove_prefix(1);
      if (c == '"') {
        closed = true;
        break;
      }
      if (c == '\n') fail(line, "raw newline in label value");
      if (c == '\\') {
        if (s.empty()) fail(line, "dangling backslash in label value");
        char e = s[0];
        s.remove_prefix(1);
        if (e == '\\') value += '\\';
        else if (e == '"') value += '"';
        else if (e == 'n') value += '\n';
        else fail(line, std::string("invalid escape \\") + e + " in label value");
      } else {
        value += c;
      }
    }
    if (!closed) fail(line, "unterminated label value for " + name);
    if (!labels.emplace(name, value).second) fail(line, "duplicate label " + name);
    if (!s.empty() && s[0] == ',') {
      s.remove_prefix(1);
    } else if (s.empty() || s[0] != '}') {
      fail(line, "expected ',' or '}' after label " + name);
    }
  }
}

void check_histogram(const ParsedFamily& f) {
  // Group by labels without `le`.
  struct Series {
    std::vector<std::pair<double, double>> buckets;  // (le, count) in order of appearance
    bool has_sum = false;
    bool has_count = false;
    double count = 0;
  };
  std::map<std::map<std::string, std::string>, Series> series;
  for (const auto& s : f.samples) {
    auto labels = s.labels;
    if (s.name == f.name + "_bucket") {
      auto it = labels.find("le");
      if (it == labels.end()) throw std::runtime_error(f.name + ": bucket without le label");
      const double le = it->second == "+Inf" ? INFINITY : std::stod(it->second);
      labels.erase(it);
      series[labels].buckets.emplace_back(le, s.value);
    } else if (s.name == f.name + "_sum") {
      series[labels].has_sum = true;
    } else if (s.name == f.name + "_count") {
      series[labels].has_count = true;
      series[labels].count = s.value;
    } else {
      throw std::runtime_error(f.name + ": sample " + s.name + " does not belong to a histogram");
    }
  }
  for (const auto& [labels, se] : series) {
    if (se.buckets.empty() || !se.has_sum || !se.has_count) {
      throw std::runtime_error(f.name + ": histogram series needs _bucket, _sum and _count");
    }
    for (std::size_t i = 1; i < se.buckets.size(); ++i) {
      if (!(se.buckets[i - 1].first < se.buckets[i].first)) {
        throw std::runtime_error(f.name + ": bucket bounds not increasing");
      }
      if (se.buckets[i - 1].second > se.buckets[i].second) {
        throw std::runtime_error(f.name + ": bucket counts not cumulative");
      }
    }
    if (!std::isinf(se.buckets.back().first)) {
      throw std::runtime_error(f.name + ": last bucket must be le=\"+Inf\"");
    }
    if (se.buckets.back().second != se.count) {
      throw std::runtime_error(f.name + ": _count differs from the +Inf bucket");
    }
  }
}

}  // namespace

std::map<std::string, ParsedFamily> parse_exposition(std::string_view text) {
  std::map<std::string, ParsedFamily> families;
  std::set<std::string> series_seen;
  std::set<std::string> has_help;
  std::string current;  // family whose samples may follow
  std::size_t line_no = 0;
  if (!text.empty() && text.back() != '\n') fail(0, "text must end with a newline");
  while (!text.empty()) {
    ++line_no;
    const auto nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text.remove_prefix(nl + 1);
    if (line.empty()) continue;
    if (line.starts_with("# HELP ") || line.starts_with("# TYPE ")) {
      const bool help = line[2] == 'H';
      std::string_view rest = line.substr(7);
      std::string name = read_name(rest, line_no, false);
      if (rest.empty() || rest[0] != ' ') {
        // A HELP line may have empty text, but the separator is always there in our output.
        fail(line_no, "expected a space after the metric name");
      }
      rest.remove_prefix(1);
      auto& f = families[name];
      if (f.name.empty()) {
        f.name = name;
      } else if (!f.samples.empty()) {
        fail(line_no, "HELP/TYPE for " + name + " after its samples");
      }
      if (help) {
        if (has_help.contains(name) || !f.type.empty()) {
          fail(line_no, "HELP must come once, before TYPE");
        }
        has_help.insert(name);
        f.help = unescape_help(rest, line_no);
      } else {
        if (!f.type.empty()) fail(line_no, "second TYPE line for " + name);
        if (!has_help.contains(name)) fail(line_no, "TYPE before HELP for " + name);
        static const std::set<std::string> kTypes{"counter", "gauge", "histogram", "summary",
                                                  "untyped"};
        if (!kTypes.contains(std::string(rest))) fail(line_no, "unknown type " + std::string(rest));
        f.type = rest;
      }
      current = name;
      continue;
    }
    if (line.starts_with('#')) continue;  // comment
    std::string_view rest = line;
    ParsedSample sample;
    sample.name = read_name(rest, line_no, false);
    sample.labels = read_labels(rest, line_no);
    if (rest.empty() || rest[0] != ' ') fail(line_no, "expected a space before the value");
    rest.remove_prefix(1);
    const auto space = rest.find(' ');  // optional timestamp
    sample.value = parse_value(rest.substr(0, space), line_no);
    if (current.empty()) fail(line_no, "sample " + sample.name + " before any HELP/TYPE");
    auto& f = families[current];
    if (f.type.empty()) fail(line_no, "sample before TYPE of " + current);
    const bool belongs =
        f.type == "histogram"
            ? (sample.name == current + "_bucket" || sample.name == current + "_sum" ||
               sample.name == current + "_count")
            : sample.name == current;
    if (!belongs) fail(line_no, "sample " + sample.name + " outside its family " + current);
    if (f.type == "counter" && !(sample.value >= 0)) fail(line_no, "negative counter");
    std::string series_key = sample.name;
    for (const auto& [k, v] : sample.labels) series_key += "|" + k + "=" + v;
    if (!series_seen.insert(series_key).second) fail(line_no, "duplicate series " + series_key);
    f.samples.push_back(std::move(sample));
  }
  for (const auto& [name, f] : families) {
    if (f.type == "histogram") check_histogram(f);
  }
  return families;
}

double sample_value(const std::map<std::string, ParsedFamily>& families, const std::string& name,
                    const std::map<std::string, std::string>& labels) {
  for (const auto& [family_name, f] : families) {
    for (const auto& s : f.samples) {
      if (s.name == name && s.labels == labels) return s.value;
    }
  }
  throw std::runtime_error("no sample " + name + " with the given labels");
}

}  // namespace redraft::testing
