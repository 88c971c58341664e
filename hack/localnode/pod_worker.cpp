#include "hack/localnode/pod_worker.hpp"

#include <cstring>

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "hack/localnode/sandbox.hpp"
#include "operator/runtime/events/k8s_time.hpp"

namespace redraft::localnode {
namespace fs = std::filesystem;
using namespace std::chrono_literals;

namespace {

std::string now_text() { return runtime::format_time(std::chrono::system_clock::now()); }

std::string read_head(const fs::path& file, std::size_t max) {
  std::ifstream in(file, std::ios::binary);
  std::string out(max, '\0');
  in.read(out.data(), static_cast<std::streamsize>(max));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

std::string read_tail(const fs::path& file, std::size_t max) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return "";
  const auto size = static_cast<std::size_t>(in.tellg());
  const std::size_t start = size > max ? size - max : 0;
  in.seekg(static_cast<std::streamoff>(start));
  std::string out(size - start, '\0');
  in.read(out.data(), static_cast<std::streamsize>(out.size()));
  out.resize(static_cast<std::size_t>(in.gcount()));
  return out;
}

// Created with its final mode (O_EXCL: never through a file or symlink that was already there),
// so a Secret's content is never readable with looser permissions, not even for an instant.
void write_file(const fs::path& file, const std::string& content, unsigned mode) {
  fs::create_directories(file.parent_path());
  std::error_code ec;
  fs::remove(file, ec);  // a retried projection rewrites its files
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
                        static_cast<mode_t>(mode));
  if (fd < 0) throw std::runtime_error("cannot create " + file.string() + ": " + std::strerror(errno));
  // The umask may only have narrowed the mode; set exactly what was asked for, on our own fd.
  bool ok = ::fchmod(fd, static_cast<mode_t>(mode)) == 0;
  std::size_t off = 0;
  while (ok && off < content.size()) {
    const ssize_t n = ::write(fd, content.data() + off, content.size() - off);
    if (n < 0 && errno == EINTR) continue;
    ok = n > 0;
    if (ok) off += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (!ok) throw std::runtime_error("cannot write " + file.string());
}

std::vector<std::string> env_strings(const EnvList& env) {
  std::vector<std::string> out;
  for (const auto& [k, v] : env) out.push_back(k + "=" + v);
  return out;
}

std::map<std::string, std::string> decode_data(const std::string& kind, const nlohmann::json& obj) {
  std::map<std::string, std::string> out;
  const nlohmann::json data = obj.value("data", nlohmann::json::object());
  const nlohmann::json binary = obj.value("binaryData", nlohmann::json::object());
  for (auto it = data.begin(); it != data.end(); ++it) {
    const std::string value = it.value().get<std::string>();
    out[it.key()] = kind == "Secret" ? runtime::base64_decode(value) : value;
  }
  for (auto it = binary.begin(); it != binary.end(); ++it)
    out[it.key()] = runtime::base64_decode(it.value().get<std::string>());
  return out;
}

}  // namespace

PodWorker::PodWorker(NodeContext& ctx, nlohmann::json pod) : ctx_(ctx), pod_(std::move(pod)) {
  const auto& md = pod_["metadata"];
  ns_ = md.value("namespace", "");
  name_ = md.value("name", "");
  uid_ = md.value("uid", "");
  dir_ = ctx_.root / "pods" / pod_dir_name(pod_);
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod_["spec"].value(list, nlohmann::json::array())) {
      ContainerRun r;
      r.name = c.value("name", "");
      r.image = c.value("image", "");
      (std::string_view(list) == "initContainers" ? run_.init : run_.main).push_back(std::move(r));
    }
  }
  reset_waiting();
  observe(pod_);
}

PodWorker::~PodWorker() {
  shutdown();
  if (thread_.joinable()) thread_.join();
}

void PodWorker::start() { thread_ = std::thread([this] { run(); }); }

void PodWorker::observe(const nlohmann::json& pod) {
  const auto& md = pod["metadata"];
  if (!md.contains("deletionTimestamp") || md["deletionTimestamp"].is_null()) return;
  {
    std::lock_guard lock(mu_);
    deletion_requested_ = true;
    if (md.contains("deletionGracePeriodSeconds") && md["deletionGracePeriodSeconds"].is_number())
      deletion_grace_ = std::chrono::seconds(md["deletionGracePeriodSeconds"].get<int64_t>());
  }
  cv_.notify_all();
}

void PodWorker::pod_removed() {
  {
    std::lock_guard lock(mu_);
    removed_ = true;
    deletion_requested_ = true;
    deletion_grace_ = 0s;
  }
  cv_.notify_all();
}

void PodWorker::shutdown() {
  shutdown_ = true;
  cv_.notify_all();
}

void PodWorker::wait_signal(std::chrono::milliseconds d) {
  std::unique_lock lock(mu_);
  cv_.wait_for(lock, d, [&] { return deletion_requested_ || shutdown_.load(); });
}

std::chrono::seconds PodWorker::grace_period() const {
  {
    std::lock_guard lock(mu_);
    if (deletion_grace_) return *deletion_grace_;
  }
  const auto& spec = pod_["spec"];
  if (spec.contains("terminationGracePeriodSeconds") && spec["terminationGracePeriodSeconds"].is_number())
    return std::chrono::seconds(spec["terminationGracePeriodSeconds"].get<int64_t>());
  return 30s;
}

std::string PodWorker::container_dir(const std::string& name) const {
  return (dir_ / "containers" / name).string();
}

void PodWorker::push_status() {
  if (shutdown_) return;
  const nlohmann::json status = pod_status(run_, last_conditions_, kNodeIP, kNodeIP, now_text());
  last_conditions_ = status["conditions"];
  try {
    ctx_.client.patch(runtime::resources::kPods, ns_, name_, runtime::PatchType::Merge,
                      {{"status", status}}, /*status=*/true);
  } catch (const runtime::ApiError& e) {
    if (e.code() == 404) {
      pod_removed();
      return;
    }
    spdlog::warn("pod {}/{}: status update failed: {}", ns_, name_, e.what());
  } catch (const std::exception& e) {
    spdlog::warn("pod {}/{}: status update failed: {}", ns_, name_, e.what());
  }
}

std::optional<std::map<std::string, std::string>> PodWorker::fetch(const std::string& kind,
                                                                   const std::string& name) {
  const auto& type = kind == "Secret" ? runtime::resources::kSecrets : runtime::resources::kConfigMaps;
  try {
    return decode_data(kind, ctx_.client.get(type, ns_, name));
  } catch (const runtime::ApiError& e) {
    if (e.code() == 404) return std::nullopt;
    throw;
  }
}

PodWorker::Prepared PodWorker::prepare(const nlohmann::json& pod) {
  Prepared p;
  std::map<std::pair<std::string, std::string>, std::optional<std::map<std::string, std::string>>> cache;
  ObjectLookup lookup = [&](const std::string& kind, const std::string& name) {
    auto key = std::make_pair(kind, name);
    auto it = cache.find(key);
    if (it == cache.end()) it = cache.emplace(key, fetch(kind, name)).first;
    return it->second;
  };
  p.volumes = plan_volumes(pod, dir_, ctx_.root);
  for (const auto& v : pod["spec"].value("volumes", nlohmann::json::array())) {
    for (const char* kind : {"Secret", "ConfigMap"}) {
      const char* field = std::string_view(kind) == "Secret" ? "secret" : "configMap";
      if (!v.contains(field)) continue;
      const auto& source = v[field];
      const std::string obj = source.value(std::string_view(kind) == "Secret" ? "secretName" : "name", "");
      auto files = project_volume(kind, source, lookup(kind, obj), ns_);
      for (const auto& plan : p.volumes)
        if (plan.name == v.value("name", "")) p.projections.emplace_back(plan, std::move(files));
    }
  }
  for (const char* list : {"initContainers", "containers"}) {
    for (const auto& c : pod["spec"].value(list, nlohmann::json::array())) {
      EnvList base;
      std::string path = ctx_.host_path;
      if (auto it = ctx_.image_paths.find(c.value("image", "")); it != ctx_.image_paths.end())
        path = it->second + (path.empty() ? "" : ":" + path);
      base.emplace_back("PATH", path);
      base.emplace_back("HOSTNAME", name_);
      base.emplace_back("HOME", "/root");
      Prepared::Container pc;
      pc.env = resolve_env(pod, c, base, lookup);
      pc.argv = resolve_argv(c, pc.env);
      pc.mounts = plan_mounts(c, p.volumes);
      (std::string_view(list) == "initContainers" ? p.init : p.main).push_back(std::move(pc));
    }
  }
  return p;
}

void PodWorker::write_volumes(const Prepared& prepared) {
  for (const auto& v : prepared.volumes) {
    if (v.kind == VolumeKind::HostPath) {
      if (!fs::exists(v.host_dir)) throw ConfigError("hostPath " + v.host_dir.string() + " does not exist");
      continue;
    }
    fs::create_directories(v.host_dir);
    // Like the kubelet's emptyDir: writable by whichever user the container runs as.
    if (v.kind == VolumeKind::EmptyDir) ::chmod(v.host_dir.c_str(), 0777);
  }
  for (const auto& [plan, files] : prepared.projections) {
    for (const auto& f : files) write_file(plan.host_dir / f.path, f.content, f.mode);
  }
  // Directories of mounts with a subPath exist before the bind mount needs them.
  for (const auto* list : {&prepared.init, &prepared.main})
    for (const auto& c : *list)
      for (const auto& m : c.mounts)
        if (!fs::exists(m.source)) fs::create_directories(m.source);
}

void PodWorker::reset_waiting() {
  for (auto& c : run_.init) {
    c.reason = "PodInitializing";
    c.message.clear();
  }
  for (auto& c : run_.main) {
    c.reason = run_.init.empty() ? "ContainerCreating" : "PodInitializing";
    c.message.clear();
  }
}

pid_t PodWorker::start_container(ContainerRun& run, const nlohmann::json& spec,
                                const Prepared::Container& prepared) {
  const fs::path cdir = container_dir(run.name);
  fs::create_directories(cdir / "root");
  fs::create_directories(dir_ / "logs");
  const fs::path termination = cdir / "termination-log";
  write_file(termination, "", 0666);
  LaunchSpec launch;
  launch.argv = prepared.argv;
  launch.env = env_strings(prepared.env);
  launch.working_dir = spec.value("workingDir", "");
  launch.root_dir = cdir / "root";
  launch.mounts = prepared.mounts;
  launch.mounts.push_back({termination, spec.value("terminationMessagePath", "/dev/termination-log"), false});
  run.started_at = now_text();
  Launched launched = launch_container(ctx_.self_exe, launch, cdir / "launch.json",
                                       dir_ / "logs" / (run.name + ".log"));
  if (!launched.error.empty()) {
    spdlog::warn("pod {}/{}: container {} did not start: {}", ns_, name_, run.name, launched.error);
    run.state = ContainerRun::State::Terminated;
    run.exit_code = 128;
    run.reason = "StartError";
    run.message = launched.error;
    run.finished_at = now_text();
    return -1;
  }
  spdlog::info("pod {}/{}: container {} started (pid {})", ns_, name_, run.name, launched.pid);
  run.state = ContainerRun::State::Running;
  run.reason.clear();
  run.message.clear();
  // Pid, start time and boot id: a restarted node must not mistake a reused pid for this container.
  const auto identity = identity_of(launched.pid);
  run.container_id = container_id_of(identity ? *identity : ProcessIdentity{launched.pid, 0, current_boot_id()});
  return launched.pid;
}

void PodWorker::record_exit(Running& r, int exit_code, const std::string& reason_override) {
  ContainerRun& c = *r.run;
  c.exit_code = exit_code;
  c.state = ContainerRun::State::Terminated;
  c.reason = reason_override.empty() ? exit_reason(c.exit_code) : reason_override;
  c.finished_at = now_text();
  const fs::path cdir = container_dir(c.name);
  c.message = termination_message(read_head(cdir / "termination-log", kMaxTerminationMessage),
                                  r.spec->value("terminationMessagePolicy", "File"), c.exit_code,
                                  read_tail(dir_ / "logs" / (c.name + ".log"), 2 * kFallbackLogBytes));
  spdlog::info("pod {}/{}: container {} exited with {} ({})", ns_, name_, c.name, c.exit_code, c.reason);
  r.pid = -1;
}

void PodWorker::terminate(std::vector<Running>& running, std::chrono::seconds grace,
                          const std::string& reason) {
  for (auto& r : running)
    if (r.pid > 0) signal_container(r.pid, SIGTERM);
  const auto kill_at = std::chrono::steady_clock::now() + grace;
  bool killed = false;
  for (;;) {
    bool any = false;
    for (auto& r : running) {
      if (r.pid <= 0) continue;
      if (auto code = reap_if_exited(r.pid)) {
        record_exit(r, *code, reason);
      } else {
        any = true;
      }
    }
    if (!any) return;
    // The node is stopping: no grace period can be honoured any more.
    if (!killed && (shutdown_ || std::chrono::steady_clock::now() >= kill_at)) {
      for (auto& r : running)
        if (r.pid > 0) signal_container(r.pid, SIGKILL);
      killed = true;
    }
    std::this_thread::sleep_for(50ms);
  }
}

bool PodWorker::interrupted(std::vector<Running>* running) {
  std::vector<Running> none;
  std::vector<Running>& rs = running ? *running : none;
  if (shutdown_) {
    for (auto& r : rs)
      if (r.pid > 0) signal_container(r.pid, SIGKILL);
    for (auto& r : rs) {
      if (r.pid <= 0) continue;
      int status = 0;
      while (::waitpid(r.pid, &status, 0) < 0 && errno == EINTR) {
      }
      r.pid = -1;
    }
    return true;
  }
  bool deleting;
  {
    std::lock_guard lock(mu_);
    deleting = deletion_requested_;
  }
  if (deleting) {
    spdlog::info("pod {}/{}: deleted; stopping its containers (grace {}s)", ns_, name_, grace_period().count());
    terminate(rs, grace_period(), "");
    finish_deletion();
    return true;
  }
  if (deadline_ && std::chrono::steady_clock::now() >= *deadline_) {
    spdlog::info("pod {}/{}: activeDeadlineSeconds passed", ns_, name_);
    terminate(rs, grace_period(), "DeadlineExceeded");
    fail_pod("DeadlineExceeded", "Pod was active on the node longer than the specified deadline");
    return true;
  }
  return false;
}

void PodWorker::fail_pod(const std::string& reason, const std::string& message) {
  run_.failed_by_node = true;
  run_.reason = reason;
  run_.message = message;
  for (auto* list : {&run_.init, &run_.main}) {
    for (auto& c : *list) {
      if (c.state == ContainerRun::State::Terminated) continue;
      // Never started: reported as terminated the way the kubelet does for a failed pod.
      c.state = ContainerRun::State::Terminated;
      c.exit_code = c.exit_code == 0 ? 137 : c.exit_code;
      c.reason = reason == "DeadlineExceeded" ? "DeadlineExceeded" : "ContainerStatusUnknown";
      c.finished_at = now_text();
    }
  }
  push_status();
}

void PodWorker::finish_deletion() {
  bool removed;
  {
    std::lock_guard lock(mu_);
    removed = removed_;
  }
  if (!removed && !shutdown_) {
    runtime::DeleteOptions options;
    options.grace_period_seconds = 0;
    options.precondition_uid = uid_;
    try {
      ctx_.client.remove(runtime::resources::kPods, ns_, name_, options);
      spdlog::info("pod {}/{}: removed", ns_, name_);
    } catch (const runtime::ApiError& e) {
      if (e.code() != 404 && e.code() != 409)
        spdlog::warn("pod {}/{}: final delete failed: {}", ns_, name_, e.what());
    } catch (const std::exception& e) {
      spdlog::warn("pod {}/{}: final delete failed: {}", ns_, name_, e.what());
    }
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
}

PodWorker::Outcome PodWorker::wait_for(std::vector<Running> running) {
  for (;;) {
    bool any = false;
    bool changed = false;
    for (auto& r : running) {
      if (r.pid <= 0) continue;
      if (auto code = reap_if_exited(r.pid)) {
        // The container ends with its main process; what it left behind is gone too.
        record_exit(r, *code, "");
        changed = true;
      } else {
        any = true;
      }
    }
    if (changed && any) push_status();
    if (!any) return Outcome::Finished;
    if (interrupted(&running)) return Outcome::Stop;
    wait_signal(100ms);
  }
}

void PodWorker::run() {
  struct MarkFinished {
    std::atomic<bool>& flag;
    ~MarkFinished() { flag = true; }
  } mark_finished{finished_};
  try {
    fs::create_directories(dir_);
    started_ = std::chrono::steady_clock::now();
    run_.start_time = now_text();
    if (pod_["spec"].contains("activeDeadlineSeconds") && pod_["spec"]["activeDeadlineSeconds"].is_number())
      deadline_ = started_ + std::chrono::seconds(pod_["spec"]["activeDeadlineSeconds"].get<int64_t>());
    nlohmann::json pod = pod_;
    pod["status"]["podIP"] = kNodeIP;
    pod["status"]["hostIP"] = kNodeIP;
    push_status();

    std::optional<Prepared> prepared;
    // Projected Secret/ConfigMap content stays on disk only while the pod can still run.
    struct RemoveProjections {
      const std::optional<Prepared>& prepared;
      ~RemoveProjections() {
        if (!prepared) return;
        std::error_code ec;
        for (const auto& [plan, files] : prepared->projections) fs::remove_all(plan.host_dir, ec);
      }
    } remove_projections{prepared};
    std::string last_error;
    while (!prepared) {
      if (interrupted(nullptr)) return;
      try {
        Prepared candidate = prepare(pod);
        write_volumes(candidate);
        prepared = std::move(candidate);
      } catch (const ConfigError& e) {
        if (e.what() != last_error) {
          last_error = e.what();
          spdlog::warn("pod {}/{}: {}", ns_, name_, last_error);
          for (auto* list : {&run_.init, &run_.main}) {
            for (auto& c : *list) {
              c.reason = "CreateContainerConfigError";
              c.message = last_error;
            }
          }
          push_status();
        }
        wait_signal(ctx_.config_retry);
      } catch (const runtime::ApiError& e) {
        spdlog::warn("pod {}/{}: reading its configuration failed: {}", ns_, name_, e.what());
        wait_signal(ctx_.config_retry);
      } catch (const runtime::TransportError& e) {
        spdlog::warn("pod {}/{}: reading its configuration failed: {}", ns_, name_, e.what());
        wait_signal(ctx_.config_retry);
      }
    }
    reset_waiting();

    const auto& init_specs = pod_["spec"].value("initContainers", nlohmann::json::array());
    for (std::size_t i = 0; i < run_.init.size(); ++i) {
      if (interrupted(nullptr)) return;
      ContainerRun& c = run_.init[i];
      const pid_t pid = start_container(c, init_specs[i], prepared->init[i]);
      push_status();
      if (pid <= 0) break;
      if (wait_for({Running{&c, &init_specs[i], pid}}) == Outcome::Stop) return;
      if (c.exit_code != 0) break;
    }
    bool init_ok = true;
    for (const auto& c : run_.init) init_ok = init_ok && c.state == ContainerRun::State::Terminated && c.exit_code == 0;
    if (!init_ok) {
      // restartPolicy Never: the pod fails; the containers never start.
      spdlog::info("pod {}/{}: an init container failed", ns_, name_);
      push_status();
      finished_ = true;
      return;
    }

    const auto& specs = pod_["spec"]["containers"];
    std::vector<Running> running;
    for (std::size_t i = 0; i < run_.main.size(); ++i) {
      if (interrupted(&running)) return;
      ContainerRun& c = run_.main[i];
      if (const pid_t pid = start_container(c, specs[i], prepared->main[i]); pid > 0)
        running.push_back({&c, &specs[i], pid});
    }
    push_status();
    if (wait_for(std::move(running)) == Outcome::Stop) return;
    push_status();
    spdlog::info("pod {}/{}: {}", ns_, name_, pod_phase(run_));
    finished_ = true;
  } catch (const std::exception& e) {
    spdlog::error("pod {}/{}: {}", ns_, name_, e.what());
    if (!shutdown_) fail_pod("NodeError", std::string("the node could not run the pod: ") + e.what());
    finished_ = true;
  }
}

}  // namespace redraft::localnode
