// Condition and event messages are cut to a size the API accepts (the CRD caps condition
// messages at 32768 bytes; both controllers use far less).
#pragma once

#include <cstddef>
#include <string>

namespace redraft::controllers {

inline constexpr std::size_t kMaxConditionMessageBytes = 4096;

// Pure. Text of at most `max_bytes` is returned as is; longer text is cut on a UTF-8 character
// boundary and ends in "..." (the whole result is at most `max_bytes`).
std::string bounded_message(std::string text, std::size_t max_bytes = kMaxConditionMessageBytes);

}  // namespace redraft::controllers
