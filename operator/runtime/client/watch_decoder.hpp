// Splits a watch response body (newline-delimited JSON, arriving in arbitrary chunks) into
// events. Pure: the transport feeds bytes, the decoder returns complete events.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "operator/runtime/client/client.hpp"

namespace redraft::runtime {

class WatchDecoder {
 public:
  // One event larger than this (no newline in sight) is treated as a broken stream rather than
  // buffered without bound.
  static constexpr std::size_t kMaxEventBytes = 64u << 20;

  // Appends bytes; returns the events completed by them. A line that is not a JSON object with
  // a string "type", or longer than kMaxEventBytes, throws TransportError ("watch stream: ...").
  std::vector<WatchEvent> feed(std::string_view bytes);
  // Bytes of an incomplete trailing line.
  std::size_t pending() const { return partial_.size(); }

 private:
  std::string partial_;
};

// Decodes one watch line. Exposed for tests.
WatchEvent decode_watch_line(std::string_view line);

}  // namespace redraft::runtime
