#include "operator/runtime/metrics/exposition.hpp"

#include <charconv>
#include <cmath>

namespace redraft::runtime::metrics {

std::string escape_help(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string escape_label_value(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) {
    return "NaN";
  }
  if (std::isinf(value)) {
    return value > 0 ? "+Inf" : "-Inf";
  }
  // Shortest representation that parses back to the same double (Go's strconv 'g' -1 agrees).
  char buffer[64];
  auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, value);
  if (ec != std::errc{}) {
    return "NaN";  // cannot happen with a 64-byte buffer; keeps the output parseable regardless
  }
  return std::string(buffer, end);
}

namespace {
void append_sample(std::string& out, const Sample& sample) {
  out += sample.name;
  if (!sample.labels.empty()) {
    out += '{';
    bool first = true;
    for (const auto& [name, value] : sample.labels) {
      if (!first) {
        out += ',';
      }
      first = false;
      out += name;
      out += "=\"";
      out += escape_label_value(value);
      out += '"';
    }
    out += '}';
  }
  out += ' ';
  out += format_value(sample.value);
  out += '\n';
}
}  // namespace

std::string render_text(const std::vector<FamilySnapshot>& families) {
  std::string out;
  for (const auto& family : families) {
    out += "# HELP ";
    out += family.name;
    out += ' ';
    out += escape_help(family.help);
    out += "\n# TYPE ";
    out += family.name;
    out += ' ';
    out += type_name(family.type);
    out += '\n';
    for (const auto& sample : family.samples) {
      append_sample(out, sample);
    }
  }
  return out;
}

}  // namespace redraft::runtime::metrics
