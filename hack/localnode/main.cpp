// redraft-localnode: a node agent that runs the Pods bound to it as local processes (see
// README.md in this folder, node_agent.hpp and sandbox.hpp).
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "hack/localnode/log_server.hpp"
#include "hack/localnode/node_agent.hpp"
#include "hack/localnode/options.hpp"
#include "hack/localnode/sandbox.hpp"
#include "operator/runtime/client/client.hpp"
#include "operator/runtime/client/config.hpp"

namespace fs = std::filesystem;
using namespace redraft;

int main(int argc, char** argv) {
  // The container helper: must run before anything else starts threads.
  if (argc == 3 && std::string_view(argv[1]) == "--run-container") localnode::run_container_helper(argv[2]);

  localnode::Options options;
  try {
    options = localnode::parse_options(std::vector<std::string>(argv + 1, argv + argc));
  } catch (const std::exception& e) {
    std::cerr << "redraft-localnode: " << e.what() << "\n" << localnode::usage();
    return 2;
  }
  if (options.help) {
    std::cout << localnode::usage();
    return 0;
  }
  auto logger = spdlog::stderr_color_mt("localnode");
  spdlog::set_default_logger(logger);
  spdlog::set_level(options.verbosity > 0 ? spdlog::level::debug : spdlog::level::info);

  // Signals are taken synchronously by the main thread; every other thread inherits the mask.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  ::signal(SIGPIPE, SIG_IGN);

  // A temporary --root (the default) is this run's only: removed on every exit path below.
  fs::path temp_root;
  struct RemoveTempRoot {
    fs::path& dir;
    ~RemoveTempRoot() {
      std::error_code ec;
      if (!dir.empty()) fs::remove_all(dir, ec);
    }
  } remove_temp_root{temp_root};
  try {
    fs::path root = options.root;
    if (root.empty()) {
      std::string tmpl = (fs::temp_directory_path() / "redraft-localnode-XXXXXX").string();
      if (!::mkdtemp(tmpl.data())) throw std::runtime_error("cannot create a temporary --root");
      root = tmpl;
      temp_root = root;
    }
    root = fs::absolute(root);
    fs::create_directories(root / "pods");
    spdlog::info("pods under {}", root.string());

    runtime::RestConfig config = runtime::load_kubeconfig(options.kubeconfig);
    config.user_agent = "redraft-localnode";
    runtime::Client client(config);

    localnode::LogServer logs(root);
    const std::uint16_t port = logs.start();
    spdlog::info("serving container logs on 127.0.0.1:{}", port);

    const char* path = std::getenv("PATH");
    localnode::NodeContext ctx{client,
                               options.name,
                               root,
                               fs::read_symlink("/proc/self/exe"),
                               options.image_paths,
                               path ? path : "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
                               std::chrono::seconds(options.config_retry_seconds)};
    localnode::NodeAgent agent(client, ctx, port, options.bind_unscheduled,
                               std::chrono::seconds(options.heartbeat_seconds));
    agent.start();
    std::cout << "node " << options.name << " ready" << std::endl;

    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("signal {}: stopping", sig);
    agent.stop();
    logs.stop();
    return 0;
  } catch (const std::exception& e) {
    spdlog::error("{}", e.what());
    return 1;
  }
}
