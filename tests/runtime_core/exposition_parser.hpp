#pragma once
// A deliberately strict parser/validator for Prometheus text exposition 0.0.4, written for the
// tests (it shares no code with the renderer under test). parse_exposition() throws
// std::runtime_error with the line number on the first violation.

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace redraft::testing {

struct ParsedSample {
  std::string name;
  std::map<std::string, std::string> labels;  // unescaped values
  double value = 0;
};

struct ParsedFamily {
  std::string name;
  std::string help;  // unescaped
  std::string type;
  std::vector<ParsedSample> samples;
};

// Checks: HELP then TYPE before a family's samples, each at most once; valid metric/label names;
// only \\, \" and \n escapes in label values (\\ and \n in HELP); parseable values; no duplicate
// series; samples belong to their family (histograms: _bucket/_sum/_count); histogram buckets
// with an `le` label in increasing order with non-decreasing counts, ending with le="+Inf", and
// _count equal to the +Inf bucket; counters non-negative; every line ends with '\n'.
std::map<std::string, ParsedFamily> parse_exposition(std::string_view text);

// The value of the sample `name` with exactly `labels`; throws when absent.
double sample_value(const std::map<std::string, ParsedFamily>& families, const std::string& name,
                    const std::map<std::string, std::string>& labels);

}  // namespace redraft::testing
