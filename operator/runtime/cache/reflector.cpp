#include "operator/runtime/cache/reflector.hpp"

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "operator/runtime/client/client.hpp"
#include "operator/runtime/support/heap_scavenger.hpp"

namespace redraft::runtime::cache {

namespace {
using Clock = std::chrono::steady_clock;

// A watch that ends this fast without delivering anything is treated as a failure, so a server
// that keeps closing streams at once is not hammered in a tight loop.
constexpr auto kMinHealthyWatch = std::chrono::seconds(1);

// Thrown by list() when the continue token expired mid-list and by watch() on a 410: relist.
struct GoneSignal {
  bool after_progress = false;  // the watch delivered events before the 410
};

std::string rv_of(const nlohmann::json& object) {
  const auto meta = object.find("metadata");
  if (meta == object.end() || !meta->is_object()) return {};
  const auto rv = meta->find("resourceVersion");
  return rv != meta->end() && rv->is_string() ? rv->get<std::string>() : std::string();
}
}  // namespace

std::int64_t watch_timeout_seconds(std::chrono::seconds min_timeout, double u) {
  const double clamped = u < 0 ? 0 : (u >= 1 ? 0.999999 : u);
  return static_cast<std::int64_t>(static_cast<double>(min_timeout.count()) * (1.0 + clamped));
}

ListOptions list_page_options(const ReflectorOptions& options, const std::string& continue_token) {
  ListOptions out;
  out.label_selector = options.label_selector;
  out.field_selector = options.field_selector;
  if (options.page_size > 0) out.limit = options.page_size;
  out.continue_token = continue_token;
  return out;
}

ListOptions watch_options(const ReflectorOptions& options, const std::string& resource_version,
                          double u) {
  ListOptions out;
  out.label_selector = options.label_selector;
  out.field_selector = options.field_selector;
  out.resource_version = resource_version;
  out.allow_watch_bookmarks = true;
  out.timeout_seconds = watch_timeout_seconds(options.min_watch_timeout, u);
  return out;
}

bool relist_needs_backoff(std::uint32_t consecutive_gone) { return consecutive_gone > 1; }

Reflector::Reflector(Client& client, ReflectorOptions options, ReflectorSink& sink)
    : client_(client), options_(std::move(options)), sink_(sink) {}

Reflector::~Reflector() { stop(); }

void Reflector::start() {
  if (thread_.joinable()) return;
  thread_ = std::thread([this] { run(); });
}

void Reflector::stop() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string Reflector::last_resource_version() const {
  std::lock_guard lock(mu_);
  return last_rv_;
}

ReflectorStats Reflector::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

std::string Reflector::describe() const {
  std::string out = options_.type.resource;
  if (!options_.type.group.empty()) out += "." + options_.type.group;
  if (!options_.namespace_.empty()) out += " in " + options_.namespace_;
  return out;
}

void Reflector::sleep_for(std::chrono::milliseconds delay) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, delay, [&] { return stop_.load(); });
}

void Reflector::run() {
  Backoff backoff(options_.backoff);
  bool need_list = true;
  std::uint32_t consecutive_gone = 0;  // 410s since the watch last made progress
  auto failed = [&](const char* what) {
    {
      std::lock_guard lock(mu_);
      ++stats_.errors;
    }
    const auto delay = backoff.next();
    spdlog::warn("reflector {}: {} failed: {}; retrying in {} ms", describe(),
                 need_list ? "list" : "watch", what, delay.count());
    sleep_for(delay);
  };
  while (!stop_) {
    try {
      if (need_list) {
        list();
        need_list = false;
        // A list that follows a 410 is not progress yet: only a working watch ends the streak
        // (and its backoff), otherwise list → 410 → list would never slow down.
        if (consecutive_gone == 0) backoff.reset();
      }
      watch();
      // watch() returns normally when a healthy stream ended and should simply be
      // re-established from the last resourceVersion.
      consecutive_gone = 0;
      backoff.reset();
    } catch (const GoneSignal& gone) {
      if (gone.after_progress) {
        // The watch worked until the server compacted past it: a fresh streak, no backoff.
        consecutive_gone = 0;
        backoff.reset();
      }
      need_list = true;
      relist_after_gone(++consecutive_gone, backoff);
    } catch (const std::exception& e) {
      if (stop_) break;
      if (is_gone(e)) {
        // The resourceVersion we hold was compacted away (or a fresh list was refused): only a
        // fresh list is consistent.
        {
          std::lock_guard lock(mu_);
          ++stats_.gone;
        }
        need_list = true;
        relist_after_gone(++consecutive_gone, backoff);
        continue;
      }
      failed(e.what());
    } catch (...) {
      // Not a std::exception (a sink or handler threw something else): still never end the
      // thread, which would terminate the process.
      if (stop_) break;
      failed("unknown exception (not derived from std::exception)");
    }
  }
}

void Reflector::relist_after_gone(std::uint32_t consecutive_gone, Backoff& backoff) {
  if (!relist_needs_backoff(consecutive_gone)) return;
  const auto delay = backoff.next();
  spdlog::warn("reflector {}: 410 Gone again right after relisting ({} in a row); relisting in {} ms",
               describe(), consecutive_gone, delay.count());
  sleep_for(delay);
}

void Reflector::list() {
  sink_.list_begin();
  ListOptions options = list_page_options(options_, "");
  std::string rv;
  for (;;) {
    if (stop_) throw std::runtime_error("stopped");
    nlohmann::json page;
    {
      std::lock_guard lock(mu_);
      ++stats_.list_requests;
    }
    try {
      page = client_.list(options_.type, options_.namespace_, options);
    } catch (const std::exception& e) {
      if (is_gone(e) && !options.continue_token.empty()) {
        // The continue token expired between pages: start over (a fresh, consistent list).
        std::lock_guard lock(mu_);
        ++stats_.gone;
        throw GoneSignal{};
      }
      throw;
    }
    {
      std::lock_guard lock(mu_);
      ++stats_.pages;
    }
    if (auto items = page.find("items"); items != page.end() && items->is_array()) {
      for (auto& item : *items) {
        if (!item.is_object()) continue;
        if (!item.contains("apiVersion")) item["apiVersion"] = options_.type.api_version();
        if (!item.contains("kind")) item["kind"] = options_.type.kind;
        sink_.list_item(std::move(item));
      }
    }
    std::string next;
    if (auto meta = page.find("metadata"); meta != page.end() && meta->is_object()) {
      rv = meta->value("resourceVersion", std::string());
      next = meta->value("continue", std::string());
    }
    if (next.empty()) break;
    options.continue_token = std::move(next);
  }
  {
    // Before the sink: whoever sees the informer synced also sees the list counted.
    std::lock_guard lock(mu_);
    last_rv_ = rv;
    ++stats_.lists;
  }
  sink_.list_end(rv);
  // A list decodes every object while the previous cache contents are still alive, so the heap
  // peaks at about twice the cache; hand what that peak freed back at once (lists are rare).
  support::release_free_heap();
}

void Reflector::watch() {
  const ListOptions options = watch_options(options_, last_resource_version(), uniform_sample());
  {
    std::lock_guard lock(mu_);
    ++stats_.watches;
  }
  const auto started = Clock::now();
  const WatchResult result = client_.watch(
      options_.type, options_.namespace_, options,
      [&](WatchEvent&& event) {
        std::string rv = rv_of(event.object);
        if (event.type != "BOOKMARK") {
          if (event.object.is_object()) {
            if (!event.object.contains("apiVersion")) {
              event.object["apiVersion"] = options_.type.api_version();
            }
            if (!event.object.contains("kind")) event.object["kind"] = options_.type.kind;
          }
          sink_.watch_event(event.type, std::move(event.object));
        }
        std::lock_guard lock(mu_);
        if (event.type != "BOOKMARK") ++stats_.events;
        if (!rv.empty()) last_rv_ = std::move(rv);
        return !stop_.load();
      },
      options_.idle_timeout, &stop_);

  switch (result.end) {
    case WatchResult::End::Gone: {
      std::lock_guard lock(mu_);
      ++stats_.gone;
      throw GoneSignal{result.events > 0};
    }
    case WatchResult::End::Stopped:
    case WatchResult::End::HandlerDone:
      return;
    case WatchResult::End::Closed:
    case WatchResult::End::IdleTimeout:
      if (result.events == 0 && Clock::now() - started < kMinHealthyWatch) {
        throw std::runtime_error(std::string("watch ended immediately (") + to_string(result.end) +
                                 ")");
      }
      return;
  }
}

}  // namespace redraft::runtime::cache
