// The images hack/build-images.sh writes (issue 9 §2), built for real into a temporary --out:
// the config (non-root user, entry point, no shell, labels), the OCI layout's digests, the
// docker-archive's structure (what `docker load`, `ctr import` and `kind load image-archive`
// read), the layer's normalisation (owners, modes, mtimes, order), reproducibility, an
// independent reader (skopeo), and the unpacked root file system running the binary in an
// otherwise empty root as the image's user.
#include <gtest/gtest.h>

#include <grp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <nlohmann/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "tar_reader.hpp"
#include "tests/fixtures/command.hpp"
#include "tests/fixtures/temp_dir.hpp"

namespace fs = std::filesystem;
using nlohmann::json;
using redraft::fixtures::CommandOptions;
using redraft::fixtures::CommandResult;
using redraft::fixtures::TempDir;
using redraft::fixtures::read_file;
using redraft::fixtures::run_command;
using redraft::fixtures::write_file;
using redraft::images_test::TarEntry;
using redraft::images_test::read_tar;

namespace {

const std::string kScript = std::string(REDRAFT_SOURCE_DIR) + "/hack/build-images.sh";
const std::string kSource = "https://example.invalid/redraft.git";

std::string sha256_hex(const std::string& data) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(data.data(), data.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("EVP_Digest failed");
  }
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < length; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

std::string app_version() {
  return YAML::LoadFile(std::string(REDRAFT_SOURCE_DIR) + "/charts/redraft/Chart.yaml")["appVersion"].as<std::string>();
}

// The bundle directories the images are built from (CMake targets redraft-<name>-bundle).
std::vector<std::string> bundle_args() {
  std::vector<std::string> args;
  for (const std::string name : {"operator", "executor"}) {
    const fs::path dir = fs::path(REDRAFT_IMAGE_BUNDLES_DIR) / ("redraft-" + name);
    args.insert(args.end(), {"--" + name + "-bundle", dir.string()});
  }
  return args;
}

CommandResult build_images(const fs::path& out, std::map<std::string, std::string> env = {}) {
  std::vector<std::string> argv = {kScript, "--no-build", "--out", out.string(), "--source",
                                   "https://user:s3cret@example.invalid/redraft.git"};
  const auto bundles = bundle_args();
  argv.insert(argv.end(), bundles.begin(), bundles.end());
  CommandOptions options;
  options.timeout = std::chrono::seconds(120);
  options.env = std::move(env);
  return run_command(argv, options);
}

struct Image {
  std::string name;   // operator
  std::string title;  // redraft-operator
  std::string ref;    // redraft/operator:0.1.0
  fs::path oci;       // the OCI layout directory
  fs::path archive;   // the docker-archive
  json config;
  std::vector<TarEntry> layer;  // the uncompressed layer's entries (from the docker-archive)
  std::string layer_tar;
};

std::string blob_path(const fs::path& oci, const std::string& digest) {
  if (digest.rfind("sha256:", 0) != 0) throw std::runtime_error("digest without sha256: " + digest);
  return (oci / "blobs" / "sha256" / digest.substr(7)).string();
}

const TarEntry* find_entry(const std::vector<TarEntry>& entries, const std::string& name) {
  for (const auto& e : entries) {
    if (e.name == name || e.name == name + "/") return &e;
  }
  return nullptr;
}

// Runs the script into dir/out and reads both images back. Throws with the script's output when
// it fails.
std::vector<Image> build_and_read(const TempDir& dir, std::map<std::string, std::string> env = {}) {
  const CommandResult r = build_images(dir / "out", std::move(env));
  if (!r.ok()) {
    throw std::runtime_error("hack/build-images.sh failed (" + std::to_string(r.exit_code) + "):\n" + r.out + r.err);
  }
  const std::string version = app_version();
  std::vector<Image> images;
  for (const std::string name : {"operator", "executor"}) {
    Image image;
    image.name = name;
    image.title = "redraft-" + name;
    image.ref = "redraft/" + name + ":" + version;
    image.oci = dir / "out" / image.title;
    image.archive = dir / "out" / (image.title + ".tar");
    const auto entries = read_tar(read_file(image.archive));
    auto data = [&](const std::string& entry_name) {
      const TarEntry* e = find_entry(entries, entry_name);
      if (e == nullptr) throw std::runtime_error(image.archive.string() + " has no " + entry_name);
      return e->data;
    };
    const json manifest = json::parse(data("manifest.json"));
    image.config = json::parse(data(manifest.at(0).at("Config").get<std::string>()));
    image.layer_tar = data(manifest.at(0).at("Layers").at(0).get<std::string>());
    image.layer = read_tar(image.layer_tar);
    images.push_back(std::move(image));
  }
  return images;
}

void check_config_runs_the_binary_as_non_root_without_a_shell(const std::vector<Image>& images) {
  for (const auto& image : images) {
    SCOPED_TRACE(image.title);
    const json& c = image.config.at("config");
    EXPECT_EQ(c.at("User"), "65532:65532");
    EXPECT_EQ(c.at("Entrypoint"), json::array({"/" + image.title}));
    EXPECT_FALSE(c.contains("Cmd")) << "no Cmd: nothing defaults to a shell";
    EXPECT_EQ(image.config.at("os"), "linux");
    EXPECT_EQ(image.config.at("architecture"), "amd64");
    const auto env = c.at("Env").get<std::vector<std::string>>();
    EXPECT_NE(std::find(env.begin(), env.end(), "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt"), env.end());
    // The operator's install container runs the bare name `redraft-executor`: a PATH entry
    // must hold it (checked against the layer below).
    const auto path = std::find_if(env.begin(), env.end(), [](const std::string& e) { return e.rfind("PATH=", 0) == 0; });
    ASSERT_NE(path, env.end());
    bool resolves = false;
    std::string dirs = path->substr(5) + ":";
    for (std::size_t at = 0, next; (next = dirs.find(':', at)) != std::string::npos; at = next + 1) {
      std::string d = dirs.substr(at, next - at);
      while (!d.empty() && d.back() == '/') d.pop_back();
      const std::string candidate = d.empty() ? image.title : d.substr(1) + "/" + image.title;
      const TarEntry* e = find_entry(image.layer, candidate);
      if (e != nullptr && e->type == '0' && (e->mode & 0111) != 0) resolves = true;
    }
    EXPECT_TRUE(resolves) << image.title << " is not found through " << *path;
  }
}

void check_labels_name_the_version_revision_and_source(const std::vector<Image>& images) {
  const std::string version = app_version();
  for (const auto& image : images) {
    SCOPED_TRACE(image.title);
    const json& labels = image.config.at("config").at("Labels");
    EXPECT_EQ(labels.at("org.opencontainers.image.title"), image.title);
    EXPECT_EQ(labels.at("org.opencontainers.image.version"), version);
    EXPECT_EQ(labels.at("org.opencontainers.image.source"), kSource) << "user:password@ must be removed";
    EXPECT_EQ(image.config.dump().find("s3cret"), std::string::npos);
    // "<40 hex digits>" or "<40 hex digits>-dirty" (no std::regex: GCC 12's ASan build warns in it).
    const std::string revision = labels.at("org.opencontainers.image.revision");
    const std::string commit = revision.substr(0, 40);
    EXPECT_TRUE(commit.size() == 40 && commit.find_first_not_of("0123456789abcdef") == std::string::npos &&
                (revision.size() == 40 || revision.substr(40) == "-dirty"))
        << revision;
    // Other work may commit meanwhile, so not necessarily HEAD now, but a commit of this repository.
    const CommandResult exists = run_command({"git", "-C", REDRAFT_SOURCE_DIR, "cat-file", "-e", commit + "^{commit}"});
    EXPECT_TRUE(exists.ok()) << revision << " is not a commit here";
    // RFC 3339 in UTC, whole seconds: 2026-12-04T18:06:35Z.
    const std::string created = labels.at("org.opencontainers.image.created");
    const std::string shape = "dddd-dd-ddTdd:dd:ddZ";
    bool matches = created.size() == shape.size();
    for (std::size_t i = 0; matches && i < shape.size(); ++i) {
      matches = shape[i] == 'd' ? (created[i] >= '0' && created[i] <= '9') : created[i] == shape[i];
    }
    EXPECT_TRUE(matches) << created;
  }
}

void check_oci_layout_digests_and_sizes(const std::vector<Image>& images) {
  const std::string version = app_version();
  for (const auto& image : images) {
    SCOPED_TRACE(image.title);
    EXPECT_EQ(json::parse(read_file(image.oci / "oci-layout")), json({{"imageLayoutVersion", "1.0.0"}}));
    // Every blob is named by its own digest.
    std::set<std::string> unreferenced;
    for (const auto& blob : fs::directory_iterator(image.oci / "blobs" / "sha256")) {
      EXPECT_EQ(sha256_hex(read_file(blob.path())), blob.path().filename().string()) << blob.path();
      unreferenced.insert("sha256:" + blob.path().filename().string());
    }
    auto check_descriptor = [&](const json& d, const std::string& media_type) -> std::string {
      EXPECT_EQ(d.at("mediaType"), media_type);
      const std::string text = read_file(blob_path(image.oci, d.at("digest")));
      EXPECT_EQ(d.at("size").get<std::size_t>(), text.size()) << d.dump();
      unreferenced.erase(d.at("digest").get<std::string>());
      return text;
    };
    const json index = json::parse(read_file(image.oci / "index.json"));
    EXPECT_EQ(index.at("schemaVersion"), 2);
    ASSERT_EQ(index.at("manifests").size(), 1u);
    const json& entry = index["manifests"][0];
    EXPECT_EQ(entry.at("annotations").at("org.opencontainers.image.ref.name"), version);
    EXPECT_EQ(entry.at("annotations").at("io.containerd.image.name"), "docker.io/" + image.ref);
    EXPECT_EQ(entry.at("platform"), json({{"architecture", "amd64"}, {"os", "linux"}}));
    const json manifest = json::parse(check_descriptor(entry, "application/vnd.oci.image.manifest.v1+json"));
    EXPECT_EQ(manifest.at("schemaVersion"), 2);
    const json config = json::parse(check_descriptor(manifest.at("config"), "application/vnd.oci.image.config.v1+json"));
    EXPECT_EQ(config, image.config) << "the OCI layout and the docker-archive carry the same config";
    ASSERT_EQ(manifest.at("layers").size(), 1u);
    check_descriptor(manifest["layers"][0], "application/vnd.oci.image.layer.v1.tar+gzip");
    EXPECT_TRUE(unreferenced.empty()) << "blobs nothing refers to: " << *unreferenced.begin();
    // The compressed layer unpacks to the tar whose digest the config lists.
    const CommandResult gunzip = run_command({"gzip", "-dc", blob_path(image.oci, manifest["layers"][0]["digest"])});
    ASSERT_TRUE(gunzip.ok()) << gunzip.err;
    EXPECT_EQ(config.at("rootfs"), json({{"type", "layers"}, {"diff_ids", {"sha256:" + sha256_hex(gunzip.out)}}}));
  }
}

void check_docker_archive_is_what_docker_load_reads(const std::vector<Image>& images) {
  for (const auto& image : images) {
    SCOPED_TRACE(image.title);
    const auto entries = read_tar(read_file(image.archive));
    std::map<std::string, const TarEntry*> files;
    for (const auto& e : entries) {
      EXPECT_EQ(e.type, '0') << e.name << ": only regular files";
      EXPECT_TRUE(e.name.find('/') == std::string::npos) << e.name << ": flat, relative names";
      files[e.name] = &e;
    }
    ASSERT_TRUE(files.count("manifest.json"));
    const json manifest = json::parse(files["manifest.json"]->data);
    ASSERT_TRUE(manifest.is_array());
    ASSERT_EQ(manifest.size(), 1u);
    EXPECT_EQ(manifest[0].at("RepoTags"), json::array({image.ref}));
    // The config is named by its digest (= the image ID, the same as the OCI layout's config).
    const std::string config_name = manifest[0].at("Config");
    ASSERT_TRUE(files.count(config_name)) << config_name;
    const std::string config_digest = sha256_hex(files[config_name]->data);
    EXPECT_EQ(config_name, config_digest + ".json");
    const json oci_manifest = json::parse(read_file(blob_path(
        image.oci, json::parse(read_file(image.oci / "index.json"))["manifests"][0]["digest"])));
    EXPECT_EQ(oci_manifest["config"]["digest"], "sha256:" + config_digest);
    // docker load checks each layer's digest against the config's diff_ids, in order.
    const json config = json::parse(files[config_name]->data);
    const auto layers = manifest[0].at("Layers").get<std::vector<std::string>>();
    const auto diff_ids = config.at("rootfs").at("diff_ids").get<std::vector<std::string>>();
    ASSERT_EQ(layers.size(), diff_ids.size());
    for (std::size_t i = 0; i < layers.size(); ++i) {
      ASSERT_TRUE(files.count(layers[i])) << layers[i];
      EXPECT_EQ("sha256:" + sha256_hex(files[layers[i]]->data), diff_ids[i]);
    }
    EXPECT_EQ(files.size(), 2u + layers.size()) << "nothing but manifest.json, the config and the layers";
  }
}

void check_layer_is_normalised_and_holds_users_and_certificates(const std::vector<Image>& images) {
  const std::string host_ca = read_file("/etc/ssl/certs/ca-certificates.crt");
  for (const auto& image : images) {
    SCOPED_TRACE(image.title);
    ASSERT_FALSE(image.layer.empty());
    const std::int64_t epoch = image.layer.front().mtime;
    std::vector<std::string> names;
    for (const auto& e : image.layer) {
      EXPECT_EQ(e.mtime, epoch) << e.name;
      EXPECT_FALSE(e.name.empty() || e.name[0] == '/' || e.name.rfind("./", 0) == 0 ||
                   e.name.find("..") != std::string::npos)
          << e.name;
      EXPECT_EQ(e.mode & 06000, 0u) << e.name << ": no set-id bits";
      const bool home = e.name == "home/nonroot/";
      EXPECT_EQ(e.uid, home ? 65532u : 0u) << e.name;
      EXPECT_EQ(e.gid, home ? 65532u : 0u) << e.name;
      if (e.type == '5') {
        EXPECT_EQ(e.mode, e.name == "tmp/" ? 01777u : home ? 0700u : 0755u) << e.name;
      } else if (e.type == '0') {
        EXPECT_TRUE(e.mode == 0644u || e.mode == 0755u) << e.name << std::oct << " mode " << e.mode;
      }
      if (!home) names.push_back(e.name);
    }
    EXPECT_EQ(image.layer.back().name, "home/nonroot/") << "appended after the sorted entries";
    EXPECT_TRUE(std::is_sorted(names.begin(), names.end())) << "entries in name order";
    EXPECT_EQ(std::set<std::string>(names.begin(), names.end()).size(), names.size()) << "no duplicates";

    const TarEntry* entry = find_entry(image.layer, image.title);
    ASSERT_NE(entry, nullptr);
    EXPECT_EQ(entry->type, '0');
    EXPECT_EQ(entry->mode, 0755u);
    const TarEntry* passwd = find_entry(image.layer, "etc/passwd");
    const TarEntry* group = find_entry(image.layer, "etc/group");
    const TarEntry* ca = find_entry(image.layer, "etc/ssl/certs/ca-certificates.crt");
    ASSERT_TRUE(passwd && group && ca);
    EXPECT_EQ(passwd->mode, 0644u);
    EXPECT_EQ(group->mode, 0644u);
    EXPECT_EQ(ca->mode, 0644u);
    EXPECT_NE(passwd->data.find("\nnonroot:x:65532:65532:nonroot:/home/nonroot:"), std::string::npos) << passwd->data;
    EXPECT_NE(group->data.find("\nnonroot:x:65532:"), std::string::npos) << group->data;
    EXPECT_EQ(ca->data, host_ca) << "the host's CA bundle";
    ASSERT_NE(find_entry(image.layer, "tmp"), nullptr);
  }
}

}  // namespace

// One build, every property of both images.
TEST(Images, ConfigOciLayoutDockerArchiveAndLayerAreRight) {
  TempDir dir("redraft-images");
  const std::vector<Image> images = build_and_read(dir);
  {
    SCOPED_TRACE("config");
    check_config_runs_the_binary_as_non_root_without_a_shell(images);
  }
  {
    SCOPED_TRACE("labels");
    check_labels_name_the_version_revision_and_source(images);
  }
  {
    SCOPED_TRACE("OCI layout");
    check_oci_layout_digests_and_sizes(images);
  }
  {
    SCOPED_TRACE("docker-archive");
    check_docker_archive_is_what_docker_load_reads(images);
  }
  {
    SCOPED_TRACE("layer");
    check_layer_is_normalised_and_holds_users_and_certificates(images);
  }
}

TEST(Images, TheSameInputsGiveByteIdenticalImages) {
  // The first build takes its epoch and revision from git; the second gets the same values
  // explicitly, from another scratch and output directory: every file must be equal.
  TempDir first("redraft-images");
  const std::vector<Image> images = build_and_read(first);
  const json& labels = images[0].config["config"]["Labels"];
  TempDir again("redraft-images-again");
  const CommandResult r = build_images(again / "out",
                                       {{"SOURCE_DATE_EPOCH", std::to_string(images[0].layer.front().mtime)},
                                        {"REDRAFT_IMAGE_REVISION", labels["org.opencontainers.image.revision"]}});
  ASSERT_TRUE(r.ok()) << r.err;
  std::size_t compared = 0;
  for (const auto& f : fs::recursive_directory_iterator(first / "out")) {
    if (!f.is_regular_file()) continue;
    const fs::path relative = fs::relative(f.path(), first / "out");
    ASSERT_TRUE(fs::exists(again / "out" / relative)) << relative;
    EXPECT_TRUE(read_file(f.path()) == read_file(again / "out" / relative)) << relative << " differs";
    ++compared;
  }
  EXPECT_EQ(compared, 2u * 6u) << "per image: a docker-archive, oci-layout, index.json, three blobs";
}

// skopeo (containers/image, the library of podman and CRI-O) reads both formats, checking every
// blob's digest as it copies, and finds the image in the docker-archive by its RepoTag.
TEST(Images, SkopeoReadsBothFormats) {
  if (run_command({"sh", "-c", "command -v skopeo"}).exit_code != 0) {
    GTEST_SKIP() << "skopeo is not installed (hack/install-deps.sh installs it)";
  }
  TempDir dir("redraft-images");
  for (const auto& image : build_and_read(dir)) {
    SCOPED_TRACE(image.title);
    TempDir copies("redraft-images-skopeo");
    const CommandResult from_oci = run_command({"skopeo", "--insecure-policy", "copy", "-q",
                                                "oci:" + image.oci.string() + ":" + app_version(),
                                                "dir:" + (copies / "from-oci").string()});
    EXPECT_TRUE(from_oci.ok()) << from_oci.err;
    const CommandResult from_archive = run_command({"skopeo", "--insecure-policy", "copy", "-q",
                                                    "docker-archive:" + image.archive.string() + ":" + image.ref,
                                                    "dir:" + (copies / "from-archive").string()});
    ASSERT_TRUE(from_archive.ok()) << from_archive.err;
    // The docker-archive's config came through unchanged: the same image ID as ours.
    const json manifest = json::parse(read_file(copies / "from-archive" / "manifest.json"));
    const std::string config_digest = manifest["config"]["digest"];
    const std::string config = read_file(copies / "from-archive" / config_digest.substr(7));
    EXPECT_EQ(config_digest, "sha256:" + sha256_hex(config));
    EXPECT_EQ(json::parse(config), image.config);
  }
}

struct RunResult {
  int exit_code = -1;  // -1: killed (by the timeout) or not exited normally
  std::string output;  // stdout and stderr
};

// Runs argv in `root` (chroot, then the image's uid/gid, no supplementary groups) with exactly
// `env`, like a container runtime would, minus the namespaces. Needs root.
RunResult run_in_root(const fs::path& root, uid_t uid, gid_t gid, std::vector<std::string> args,
                      std::vector<std::string> env) {
  // Everything the child needs is prepared before fork: after it, only system calls.
  std::vector<char*> argv, envp;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  const std::string root_text = root.string();
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    dup2(pipe_fds[1], 1);
    dup2(pipe_fds[1], 2);
    close(pipe_fds[0]);
    close(pipe_fds[1]);
    if (chroot(root_text.c_str()) != 0 || chdir("/") != 0) _exit(120);
    if (setgroups(0, nullptr) != 0 || setgid(gid) != 0 || setuid(uid) != 0) _exit(121);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(pipe_fds[1]);
  RunResult result;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{pipe_fds[0], POLLIN, 0};
    if (poll(&p, 1, 200) <= 0) continue;
    char buffer[4096];
    const ssize_t n = read(pipe_fds[0], buffer, sizeof buffer);
    if (n <= 0) break;
    result.output.append(buffer, static_cast<std::size_t>(n));
  }
  close(pipe_fds[0]);
  kill(pid, SIGKILL);  // no effect when it has exited; ends a hung child
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  return result;
}

// The unpacked layer is a whole root file system: the binary runs in it with nothing else
// there (no /proc, no /dev, no libc from the host), as the image's user. The executor image
// also does what a task pod's install container does with it: copy the executor into a
// volume (here a directory owned by the pod's user) from which it runs again.
TEST(Images, UnpackedRootFileSystemRunsTheBinaryInAnEmptyRoot) {
  if (geteuid() != 0) GTEST_SKIP() << "chroot needs root (CI runs as root)";
  const std::string version = app_version();
  TempDir dir("redraft-images");
  for (const auto& image : build_and_read(dir)) {
    SCOPED_TRACE(image.title);
    TempDir scratch("redraft-images-root");
    const fs::path root = scratch / "root";
    fs::create_directories(root);
    write_file(scratch / "layer.tar", image.layer_tar);
    const CommandResult untar =
        run_command({"tar", "-xpf", (scratch / "layer.tar").string(), "--numeric-owner", "-C", root.string()});
    ASSERT_TRUE(untar.ok()) << untar.err;

    const json& c = image.config["config"];
    const std::string user = c["User"];  // "uid:gid", numeric (checked by the config test)
    ASSERT_NE(user.find(':'), std::string::npos) << user;
    const uid_t uid = static_cast<uid_t>(std::stoul(user.substr(0, user.find(':'))));
    const gid_t gid = static_cast<gid_t>(std::stoul(user.substr(user.find(':') + 1)));
    const auto entrypoint = c["Entrypoint"].get<std::vector<std::string>>();
    const auto env = c["Env"].get<std::vector<std::string>>();
    auto with = [&](std::vector<std::string> args) {
      args.insert(args.begin(), entrypoint.begin(), entrypoint.end());
      return args;
    };

    const RunResult run = run_in_root(root, uid, gid, with({"--version"}), env);
    EXPECT_EQ(run.exit_code, 0) << "120 chroot, 121 setuid, 127 exec failed; output: " << run.output;
    EXPECT_EQ(run.output, image.title + " " + version + "\n");

    if (image.name != "executor") continue;
    const fs::path volume = root / "redraft" / "bin";  // the pod's emptyDir, owned by its fsGroup
    fs::create_directories(volume);
    ASSERT_EQ(chown(volume.c_str(), uid, gid), 0);
    const RunResult install = run_in_root(root, uid, gid, with({"install", "--to", "/redraft/bin"}), env);
    EXPECT_EQ(install.exit_code, 0) << install.output;
    const RunResult installed = run_in_root(root, uid, gid, {"/redraft/bin/redraft-executor", "--version"}, env);
    EXPECT_EQ(installed.exit_code, 0) << installed.output;
    EXPECT_EQ(installed.output, "redraft-executor " + version + "\n");
  }
}
