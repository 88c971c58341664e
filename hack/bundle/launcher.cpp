// The entry point of a Redraft bundle (hack/bundle/README.md): a tiny statically linked program
// that starts the real, dynamically linked binary with the loader and libraries shipped next to
// it, so the bundle runs on a machine (or in an image) that has nothing but a kernel.
//
//   <dir>/<name>               this launcher (static: no loader, no libc needed)
//   <dir>/lib/ld.so            the glibc dynamic loader the binary was linked against
//   <dir>/lib/<soname>...      every shared library `ldd` listed for the binary
//   <dir>/lib/<name>.bin       the real program
//   <dir>/lib/redraft-bundle.files   the names of the files in lib/ (what `install` copies)
//
// It runs `<dir>/lib/ld.so --library-path <dir>/lib --inhibit-cache --argv0 <argv0>
// <dir>/lib/<name>.bin ARGS...`: the loader is given explicitly (the binary's PT_INTERP path,
// /lib64/ld-linux-x86-64.so.2, need not exist), --library-path replaces LD_LIBRARY_PATH (so
// nothing leaks into the environment of programs the binary starts, such as the agent CLI),
// --inhibit-cache keeps the image's /etc/ld.so.cache (if any) out of the search.
//
// It finds <dir> from /proc/self/exe; where /proc is not mounted (a bare chroot) it falls back to
// argv[0]: a path (absolute or relative) as given, a bare name looked up in PATH as the caller's
// execvp did.
// It exports REDRAFT_BUNDLE_DIR=<dir> so the program can find its own tree again (under the
// loader, /proc/self/exe names ld.so): `redraft-executor install` copies that tree.
//
// Only C library calls, no allocation beyond one argv array: the static binary stays ~1 MiB.
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#ifndef REDRAFT_BUNDLE_PROGRAM
#error "REDRAFT_BUNDLE_PROGRAM (the program's name, e.g. \"redraft-executor\") must be defined"
#endif

namespace {

// Where images keep a PEM bundle of the trusted CAs (Debian/Ubuntu/Alpine, Fedora/RHEL,
// openSUSE, Alpine/BSD style). Used only with REDRAFT_LAUNCHER_EXPORT_CA (the operator, whose
// OpenSSL otherwise looks only below its build-time OPENSSLDIR, /usr/lib/ssl, which a minimal
// image lacks). The executor chooses its own CA files (executor/git/tls_trust.hpp).
[[maybe_unused]] constexpr const char* kCaBundles[] = {
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/ssl/cert.pem",
};

[[noreturn]] void fail(const char* what, const char* path) {
  const char* reason = strerror(errno);
  fprintf(stderr, "%s: %s %s: %s\n", REDRAFT_BUNDLE_PROGRAM, what, path, reason);
  exit(127);
}

bool join(char* out, size_t size, const char* dir, const char* name) {
  int n = snprintf(out, size, "%s/%s", dir, name);
  return n > 0 && static_cast<size_t>(n) < size;
}

// Without /proc: the real path of the program argv[0] names, found the way execvp found it.
bool resolve_argv0(const char* argv0, char* out) {
  if (strchr(argv0, '/') != nullptr) return realpath(argv0, out) != nullptr;
  const char* path = getenv("PATH");
  if (path == nullptr || path[0] == '\0') path = "/usr/local/bin:/usr/bin:/bin";
  char candidate[PATH_MAX];
  while (true) {
    const char* end = strchr(path, ':');
    const size_t length = end != nullptr ? static_cast<size_t>(end - path) : strlen(path);
    // An empty PATH entry means the current directory.
    int n = snprintf(candidate, sizeof candidate, "%.*s%s%s", static_cast<int>(length), path,
                     length == 0 ? "" : "/", argv0);
    if (n > 0 && static_cast<size_t>(n) < sizeof candidate && access(candidate, X_OK) == 0) {
      return realpath(candidate, out) != nullptr;
    }
    if (end == nullptr) return false;
    path = end + 1;
  }
}

}  // namespace

int main(int argc, char** argv) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n > 0) {
    self[n] = '\0';
  } else if (argc < 1 || !resolve_argv0(argv[0], self)) {
    fprintf(stderr,
            "%s: cannot find its own directory: /proc is not mounted and argv[0] (%s) names no "
            "file; run it by its path (e.g. /redraft/bin/%s)\n",
            REDRAFT_BUNDLE_PROGRAM, argc > 0 ? argv[0] : "", REDRAFT_BUNDLE_PROGRAM);
    return 127;
  }
  char* slash = strrchr(self, '/');
  if (slash == nullptr) {
    errno = EINVAL;
    fail("cannot find its own directory in", self);
  }
  *slash = '\0';
  const char* dir = self[0] == '\0' ? "/" : self;

  char lib[PATH_MAX], loader[PATH_MAX], program[PATH_MAX];
  if (!join(lib, sizeof lib, self, "lib") || !join(loader, sizeof loader, lib, "ld.so") ||
      !join(program, sizeof program, lib, REDRAFT_BUNDLE_PROGRAM ".bin")) {
    errno = ENAMETOOLONG;
    fail("bundle directory path too long:", dir);
  }
  if (setenv("REDRAFT_BUNDLE_DIR", dir, 1) != 0) fail("cannot set REDRAFT_BUNDLE_DIR to", dir);
#ifdef REDRAFT_LAUNCHER_EXPORT_CA
  if (getenv("SSL_CERT_FILE") == nullptr && getenv("SSL_CERT_DIR") == nullptr) {
    for (const char* candidate : kCaBundles) {
      struct stat st {};
      if (stat(candidate, &st) == 0 && S_ISREG(st.st_mode)) {
        setenv("SSL_CERT_FILE", candidate, 1);
        break;
      }
    }
  }
#endif

  // loader, 6 options/values, program, the arguments, the terminating null.
  const size_t count = 8 + static_cast<size_t>(argc > 1 ? argc - 1 : 0) + 1;
  char** args = static_cast<char**>(calloc(count, sizeof(char*)));
  if (args == nullptr) fail("out of memory starting", program);
  size_t i = 0;
  args[i++] = loader;
  args[i++] = const_cast<char*>("--library-path");
  args[i++] = lib;
  args[i++] = const_cast<char*>("--inhibit-cache");
  args[i++] = const_cast<char*>("--argv0");
  args[i++] = argc > 0 ? argv[0] : const_cast<char*>(REDRAFT_BUNDLE_PROGRAM);
  args[i++] = program;
  for (int a = 1; a < argc; ++a) args[i++] = argv[a];
  args[i] = nullptr;
  execv(loader, args);
  fail("cannot start the bundled loader", loader);
}
