#include "operator/runtime/client/watch_decoder.hpp"

namespace redraft::runtime {

WatchEvent decode_watch_line(std::string_view line) {
  nlohmann::json doc = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) {
    throw TransportError("watch stream: malformed event (not a JSON object, " +
                         std::to_string(line.size()) + " bytes)");
  }
  auto type = doc.find("type");
  if (type == doc.end() || !type->is_string()) {
    throw TransportError("watch stream: malformed event (no \"type\")");
  }
  WatchEvent event;
  event.type = type->get<std::string>();
  if (auto object = doc.find("object"); object != doc.end()) event.object = std::move(*object);
  return event;
}

std::vector<WatchEvent> WatchDecoder::feed(std::string_view bytes) {
  std::vector<WatchEvent> events;
  partial_.append(bytes);
  std::size_t start = 0;
  for (std::size_t nl = partial_.find('\n'); nl != std::string::npos;
       nl = partial_.find('\n', start)) {
    std::string_view line(partial_.data() + start, nl - start);
    start = nl + 1;
    // Blank lines (and a stray \r) are keep-alive noise, not events.
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.find_first_not_of(" \t") == std::string_view::npos) continue;
    events.push_back(decode_watch_line(line));
  }
  partial_.erase(0, start);
  if (partial_.size() > kMaxEventBytes) {
    partial_.clear();
    throw TransportError("watch stream: an event exceeds " + std::to_string(kMaxEventBytes >> 20) +
                         " MiB");
  }
  return events;
}

}  // namespace redraft::runtime
