#include "operator/controllers/common/messages.hpp"

#include <string_view>

namespace redraft::controllers {

std::string bounded_message(std::string text, std::size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  constexpr std::string_view kEllipsis = "...";
  std::size_t cut = max_bytes > kEllipsis.size() ? max_bytes - kEllipsis.size() : 0;
  // Step back over UTF-8 continuation bytes (10xxxxxx) so no character is split.
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  text.resize(cut);
  if (max_bytes >= kEllipsis.size()) text += kEllipsis;
  return text;
}

}  // namespace redraft::controllers
