// The list+watch loop behind an informer (client-go's Reflector), at the JSON level.
//
//   list (pages of 500) ──► watch from the list's resourceVersion (bookmarks on, random 5–10 min
//   server timeout, client-side idle timeout) ──► the stream ends ⇒ watch again from the last
//   resourceVersion seen ──► 410 Gone ⇒ list again (at once the first time; a 410 again right
//   after relisting backs off).  Errors back off 0.8 s → 30 s with jitter.  Nothing a sink or
//   handler throws, std::exception or not, ends the thread.
//
// One thread per reflector. Objects are handed to a ReflectorSink (the typed informer), which
// decodes them; the reflector itself never keeps objects.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json_fwd.hpp>

#include "operator/runtime/cache/backoff.hpp"
#include "operator/runtime/client/request.hpp"
#include "operator/runtime/client/resource.hpp"

namespace redraft::runtime {
class Client;
}

namespace redraft::runtime::cache {

struct ReflectorOptions {
  ResourceType type;
  std::string namespace_;  // "" = all namespaces
  std::string label_selector;
  std::string field_selector;
  std::int64_t page_size = 500;  // items per list page; <= 0 lists everything in one response
  // The server-side watch timeout is drawn uniformly from [min, 2*min) so that the watches of
  // many informers (and many operators) do not all expire together.
  std::chrono::seconds min_watch_timeout{300};
  // A watch with no bytes (no events, no bookmarks) for this long is assumed dead (half-open TCP
  // connection) and re-established from the last resourceVersion.
  std::chrono::seconds idle_timeout{120};
  BackoffPolicy backoff;
};

// timeoutSeconds for one watch request given a uniform sample u in [0, 1). Pure.
std::int64_t watch_timeout_seconds(std::chrono::seconds min_timeout, double u);

// The options of one list page: selectors, limit = page_size, and the continue token of the
// previous page ("" for the first). Pure.
ListOptions list_page_options(const ReflectorOptions& options, const std::string& continue_token);

// The options of one watch from `resource_version`: selectors, bookmarks on, and a server-side
// timeout drawn with the uniform sample u in [0, 1) (see watch_timeout_seconds). Pure.
ListOptions watch_options(const ReflectorOptions& options, const std::string& resource_version,
                          double u);

// Whether to back off before relisting after the `consecutive_gone`-th 410 in a row (410s with
// no watch progress in between). The first relist after a 410 is immediate, like client-go: the
// watch simply fell behind the server's history. A 410 again right after relisting means the
// server keeps refusing (a fresh list answered 410, or history is compacted faster than we can
// list and watch): relisting at once would be a tight loop. Pure.
bool relist_needs_backoff(std::uint32_t consecutive_gone);

class ReflectorSink {
 public:
  virtual ~ReflectorSink() = default;
  // A (re)list starts: forget any partial list.
  virtual void list_begin() = 0;
  // One item of the list (apiVersion/kind filled in when the server omitted them).
  virtual void list_item(nlohmann::json&& object) = 0;
  // The list is complete and consistent at `resource_version`: replace the cache with it.
  virtual void list_end(const std::string& resource_version) = 0;
  // ADDED, MODIFIED or DELETED from the watch.
  virtual void watch_event(const std::string& type, nlohmann::json&& object) = 0;
};

struct ReflectorStats {
  std::uint64_t lists = 0;        // completed lists
  std::uint64_t list_requests = 0;  // list page requests sent (whatever their outcome)
  std::uint64_t pages = 0;        // list pages received
  std::uint64_t watches = 0;      // watch requests started
  std::uint64_t gone = 0;         // 410s that forced a relist
  std::uint64_t errors = 0;       // failed lists/watches (backed off)
  std::uint64_t events = 0;       // watch events passed to the sink (bookmarks excluded)
};

class Reflector {
 public:
  // `client` and `sink` must outlive the reflector.
  Reflector(Client& client, ReflectorOptions options, ReflectorSink& sink);
  ~Reflector();
  Reflector(const Reflector&) = delete;
  Reflector& operator=(const Reflector&) = delete;

  void start();  // launches the thread; once
  void stop();   // interrupts list/watch/backoff and joins; idempotent

  // The resourceVersion of the last list, event or bookmark.
  std::string last_resource_version() const;
  ReflectorStats stats() const;
  const ReflectorOptions& options() const { return options_; }

 private:
  void run();
  void list();
  void watch();
  // Backs off before the relist when relist_needs_backoff() says so.
  void relist_after_gone(std::uint32_t consecutive_gone, Backoff& backoff);
  void sleep_for(std::chrono::milliseconds delay);
  std::string describe() const;

  Client& client_;
  ReflectorOptions options_;
  ReflectorSink& sink_;
  std::atomic<bool> stop_{false};
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::string last_rv_;
  ReflectorStats stats_;
  std::thread thread_;
};

}  // namespace redraft::runtime::cache
