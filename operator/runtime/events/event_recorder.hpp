// Records core/v1 Events about objects (what `kubectl describe` shows).
//
// record() never blocks on the API server: events go to a bounded queue that one background
// thread drains, running each through the EventCorrelator (aggregate identical repeats into one
// Event with a growing count; rate-limit per object) and then creating or patching the Event.
// A failed write is retried a few times and then dropped with a log line: losing an event must
// never stall a reconcile.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

#include <nlohmann/json_fwd.hpp>

#include "operator/runtime/events/event_correlator.hpp"
#include "operator/runtime/events/object_reference.hpp"

namespace redraft::runtime {
class Client;
}

namespace redraft::runtime::events {

// What controllers depend on, so their shells can be tested with a fake.
class Recorder {
 public:
  virtual ~Recorder() = default;
  // Throws std::invalid_argument naming the field when type is not Normal/Warning, reason is
  // empty, or the object has no name/kind.
  virtual void record(const ObjectReference& regarding, std::string_view type,
                      std::string_view reason, std::string_view message) = 0;
  void normal(const ObjectReference& regarding, std::string_view reason, std::string_view message) {
    record(regarding, event_type::kNormal, reason, message);
  }
  void warning(const ObjectReference& regarding, std::string_view reason,
               std::string_view message) {
    record(regarding, event_type::kWarning, reason, message);
  }
};

// Validates and normalizes (message cut to kMaxMessageBytes at a UTF-8 boundary). Pure.
inline constexpr std::size_t kMaxMessageBytes = 1024;
EventInput make_event_input(const ObjectReference& regarding, std::string_view type,
                            std::string_view reason, std::string_view message);

// The core/v1 Event document for a Create decision. Pure.
nlohmann::json event_document(const EventInput& input, const Correlation& decision,
                              const std::string& component, const std::string& instance);

struct RecorderOptions {
  std::string component = "redraft-operator";  // source.component / reportingComponent
  std::string instance;                         // reportingInstance (pod name); default hostname
  CorrelatorConfig correlator;
  std::size_t queue_limit = 1000;  // beyond this, new events are dropped (and counted)
  int max_attempts = 3;            // per API write, for retryable errors
};

struct RecorderStats {
  std::uint64_t created = 0;
  std::uint64_t patched = 0;
  std::uint64_t rate_limited = 0;
  std::uint64_t queue_full = 0;
  std::uint64_t failed = 0;
};

class EventRecorder final : public Recorder {
 public:
  // `client` must outlive the recorder.
  EventRecorder(Client& client, RecorderOptions options = {});
  ~EventRecorder() override;
  EventRecorder(const EventRecorder&) = delete;
  EventRecorder& operator=(const EventRecorder&) = delete;

  void record(const ObjectReference& regarding, std::string_view type, std::string_view reason,
              std::string_view message) override;

  // Waits until every queued event has been handled; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  // Handles what is queued (bounded by `drain_timeout`), then stops the thread. Idempotent.
  void stop(std::chrono::milliseconds drain_timeout = std::chrono::seconds(5));

  RecorderStats stats() const;

 private:
  struct Queued {
    EventInput input;
    WallTime wall;
    std::chrono::steady_clock::time_point mono;
  };
  void run();
  void handle(const Queued& item);
  bool write(const EventInput& input, Correlation decision);

  Client& client_;
  RecorderOptions options_;
  EventCorrelator correlator_;  // worker thread only

  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<Queued> queue_;
  bool busy_ = false;
  bool stopping_ = false;
  std::atomic<bool> abort_{false};  // drain deadline passed: give up on retries
  RecorderStats stats_;
  std::thread worker_;
};

}  // namespace redraft::runtime::events
