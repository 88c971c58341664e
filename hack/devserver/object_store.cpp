#include "object_store.hpp"

#include "api_errors.hpp"

#include <algorithm>

namespace redraft::devserver {

using nlohmann::json;

void Watcher::push(std::shared_ptr<const WatchEvent> e) {
  {
    std::lock_guard lock(mu_);
    if (closed_) return;
    queue_.push_back(std::move(e));
  }
  cv_.notify_one();
}

void Watcher::close() {
  {
    std::lock_guard lock(mu_);
    closed_ = true;
  }
  cv_.notify_all();
}

bool Watcher::closed() const {
  std::lock_guard lock(mu_);
  return closed_;
}

std::size_t Watcher::pending() const {
  std::lock_guard lock(mu_);
  return queue_.size();
}

std::shared_ptr<const WatchEvent> Watcher::pop(std::chrono::steady_clock::time_point until) {
  std::unique_lock lock(mu_);
  cv_.wait_until(lock, until, [&] { return closed_ || !queue_.empty(); });
  if (queue_.empty()) return nullptr;
  auto e = std::move(queue_.front());
  queue_.pop_front();
  return e;
}

const json* ObjectStore::get(const std::string& gr, const std::string& ns,
                             const std::string& name) const {
  auto g = objects_.find(gr);
  if (g == objects_.end()) return nullptr;
  auto it = g->second.find({ns, name});
  return it == g->second.end() ? nullptr : &it->second;
}

std::vector<const json*> ObjectStore::list(const std::string& gr, const std::string& ns) const {
  std::vector<const json*> out;
  auto g = objects_.find(gr);
  if (g == objects_.end()) return out;
  for (const auto& [k, obj] : g->second)
    if (ns.empty() || k.first == ns) out.push_back(&obj);
  return out;
}

std::vector<std::pair<std::string, const json*>> ObjectStore::owned_by(const std::string& uid) const {
  std::vector<std::pair<std::string, const json*>> out;
  auto it = dependents_.find(uid);
  if (it == dependents_.end()) return out;
  for (const auto& ref : it->second)
    if (const json* obj = get(ref.gr, ref.ns, ref.name)) out.emplace_back(ref.gr, obj);
  return out;
}

void ObjectStore::index(const std::string& gr, const json& obj, bool add) {
  const json& md = obj["metadata"];
  const std::string uid = md.value("uid", "");
  const Ref self{gr, md.value("namespace", ""), md.value("name", "")};
  if (!uid.empty()) {
    if (add) uids_[uid] = self;
    else uids_.erase(uid);
  }
  auto refs = md.find("ownerReferences");
  if (refs == md.end() || !refs->is_array()) return;
  for (const auto& r : *refs) {
    if (!r.is_object() || !r.contains("uid") || !r["uid"].is_string()) continue;
    const std::string owner = r["uid"].get<std::string>();
    if (add) {
      dependents_[owner].insert(self);
    } else if (auto d = dependents_.find(owner); d != dependents_.end()) {
      d->second.erase(self);
      if (d->second.empty()) dependents_.erase(d);
    }
  }
}

std::vector<std::string> ObjectStore::group_resources() const {
  std::vector<std::string> out;
  for (const auto& [gr, objs] : objects_) out.push_back(gr);
  return out;
}

json ObjectStore::create(const std::string& gr, const std::string& ns, json obj) {
  const std::string name = obj["metadata"]["name"].get<std::string>();
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  objects_[gr][{ns, name}] = obj;
  index(gr, obj, true);
  record({"ADDED", rv_, gr, ns, obj, json()});
  return obj;
}

json ObjectStore::update(const std::string& gr, const std::string& ns, json obj) {
  const std::string name = obj["metadata"]["name"].get<std::string>();
  json& slot = objects_[gr][{ns, name}];
  json previous = std::move(slot);
  if (!previous.is_null()) index(gr, previous, false);
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  slot = obj;
  index(gr, obj, true);
  record({"MODIFIED", rv_, gr, ns, obj, std::move(previous)});
  return obj;
}

json ObjectStore::remove(const std::string& gr, const std::string& ns, const std::string& name) {
  auto& objs = objects_[gr];
  auto it = objs.find({ns, name});
  if (it == objs.end()) return json();
  json previous = std::move(it->second);
  objs.erase(it);
  index(gr, previous, false);
  json obj = previous;
  obj["metadata"]["resourceVersion"] = std::to_string(++rv_);
  record({"DELETED", rv_, gr, ns, obj, std::move(previous)});
  return obj;
}

void ObjectStore::record(WatchEvent e) {
  auto shared = std::make_shared<const WatchEvent>(std::move(e));
  for (auto it = watchers_.begin(); it != watchers_.end();) {
    if (auto w = it->lock(); w && !w->closed()) {
      if (w->wants(*shared)) w->push(shared);
      ++it;
    } else {
      it = watchers_.erase(it);
    }
  }
  history_.push_back(std::move(shared));
  while (history_.size() > history_size_) {
    floor_rv_ = history_.front()->rv;
    history_.pop_front();
  }
}

std::shared_ptr<Watcher> ObjectStore::watch(const std::string& gr, const std::string& ns,
                                            std::uint64_t from_rv,
                                            std::vector<WatchEvent>& replay) {
  if (from_rv < floor_rv_)
    throw gone("too old resource version: " + std::to_string(from_rv) + " (" +
               std::to_string(floor_rv_) + ")");
  auto w = std::make_shared<Watcher>(gr, ns);
  for (const auto& e : history_)
    if (e->rv > from_rv && w->wants(*e)) replay.push_back(*e);
  watchers_.push_back(w);
  return w;
}

void ObjectStore::compact() {
  floor_rv_ = rv_;
  history_.clear();
}

void ObjectStore::close_all_watchers() {
  for (auto& weak : watchers_)
    if (auto w = weak.lock()) w->close();
  watchers_.clear();
}

}  // namespace redraft::devserver

namespace redraft::devserver {

std::size_t ObjectStore::open_watchers() const {
  std::size_t n = 0;
  for (const auto& weak : watchers_)
    if (auto w = weak.lock(); w && !w->closed()) ++n;
  return n;
}

}  // namespace redraft::devserver
