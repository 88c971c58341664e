#include "operator/runtime/events/event_recorder.hpp"

#include <unistd.h>

#include <stdexcept>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "operator/runtime/client/client.hpp"

namespace redraft::runtime::events {

namespace {
// Cuts at most `limit` bytes without splitting a UTF-8 sequence.
std::string cut_utf8(std::string_view text, std::size_t limit) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string hostname() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
  return buf;
}
}  // namespace

EventInput make_event_input(const ObjectReference& regarding, std::string_view type,
                            std::string_view reason, std::string_view message) {
  if (type != event_type::kNormal && type != event_type::kWarning) {
    throw std::invalid_argument("event type: Unsupported value \"" + std::string(type) +
                                "\" (expected Normal or Warning)");
  }
  if (reason.empty()) throw std::invalid_argument("event reason: Required value");
  if (regarding.name.empty()) {
    throw std::invalid_argument("event regarding.name: Required value (reason " +
                                std::string(reason) + ")");
  }
  if (regarding.kind.empty()) {
    throw std::invalid_argument("event regarding.kind: Required value (object " +
                                regarding.name + ")");
  }
  return EventInput{regarding, std::string(type), std::string(reason),
                    cut_utf8(message, kMaxMessageBytes)};
}

nlohmann::json event_document(const EventInput& input, const Correlation& decision,
                              const std::string& component, const std::string& instance) {
  // Events of cluster-scoped objects live in "default", as client-go puts them.
  const std::string ns = input.regarding.namespace_.empty() ? "default" : input.regarding.namespace_;
  return nlohmann::json{
      {"apiVersion", "v1"},
      {"kind", "Event"},
      {"metadata", {{"name", decision.name}, {"namespace", ns}}},
      {"involvedObject", to_json(input.regarding)},
      {"type", input.type},
      {"reason", input.reason},
      {"message", input.message},
      {"count", decision.count},
      {"firstTimestamp", format_time(decision.first)},
      {"lastTimestamp", format_time(decision.last)},
      {"source", {{"component", component}}},
      {"reportingComponent", component},
      {"reportingInstance", instance},
  };
}

EventRecorder::EventRecorder(Client& client, RecorderOptions options)
    : client_(client),
      options_(std::move(options)),
      correlator_(options_.component, options_.correlator) {
  if (options_.instance.empty()) options_.instance = hostname();
  worker_ = std::thread([this] { run(); });
}

EventRecorder::~EventRecorder() { stop(); }

void EventRecorder::record(const ObjectReference& regarding, std::string_view type,
                           std::string_view reason, std::string_view message) {
  Queued item{make_event_input(regarding, type, reason, message),
              std::chrono::system_clock::now(), std::chrono::steady_clock::now()};
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (queue_.size() >= options_.queue_limit) {
      ++stats_.queue_full;
      return;
    }
    queue_.push_back(std::move(item));
  }
  cv_.notify_all();
}

bool EventRecorder::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return queue_.empty() && !busy_; });
}

void EventRecorder::stop(std::chrono::milliseconds drain_timeout) {
  {
    std::lock_guard lock(mu_);
    if (!worker_.joinable()) return;
    stopping_ = true;
  }
  cv_.notify_all();
  if (!flush(drain_timeout)) {
    abort_ = true;
    std::lock_guard lock(mu_);
    queue_.clear();
  }
  cv_.notify_all();
  worker_.join();
}

RecorderStats EventRecorder::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

void EventRecorder::run() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
    if (queue_.empty()) {
      if (stopping_) return;
      continue;
    }
    Queued item = std::move(queue_.front());
    queue_.pop_front();
    busy_ = true;
    lock.unlock();
    handle(item);
    lock.lock();
    busy_ = false;
    cv_.notify_all();
  }
}

void EventRecorder::handle(const Queued& item) {
  const Correlation decision = correlator_.correlate(item.input, item.wall, item.mono);
  if (decision.emit == Emit::Drop) {
    std::lock_guard lock(mu_);
    ++stats_.rate_limited;
    return;
  }
  const bool ok = write(item.input, decision);
  std::lock_guard lock(mu_);
  if (!ok) {
    ++stats_.failed;
  } else if (decision.emit == Emit::Create) {
    ++stats_.created;
  } else {
    ++stats_.patched;
  }
}

bool EventRecorder::write(const EventInput& input, Correlation decision) {
  const std::string ns =
      input.regarding.namespace_.empty() ? "default" : input.regarding.namespace_;
  for (int attempt = 1;; ++attempt) {
    try {
      if (decision.emit == Emit::Patch) {
        client_.patch(resources::kEvents, ns, decision.name, PatchType::Merge,
                      nlohmann::json{{"count", decision.count},
                                     {"lastTimestamp", format_time(decision.last)},
                                     {"message", input.message}});
      } else {
        client_.create(resources::kEvents, ns,
                       event_document(input, decision, options_.component, options_.instance));
      }
      return true;
    } catch (const std::exception& e) {
      if (decision.emit == Emit::Patch && is_not_found(e)) {
        // The aggregated Event expired or was deleted: start a new one, keeping the count.
        decision = correlator_.recreate(input, decision);
        continue;
      }
      if (decision.emit == Emit::Create && is_already_exists(e)) return true;
      if (!is_retryable(e) || attempt >= options_.max_attempts || abort_) {
        spdlog::warn("event {} {}/{} {}: not recorded: {}", input.reason, ns,
                     input.regarding.name, input.type, e.what());
        return false;
      }
      std::unique_lock lock(mu_);
      cv_.wait_for(lock, std::chrono::milliseconds(200 * attempt), [&] { return abort_.load(); });
    }
  }
}

}  // namespace redraft::runtime::events
