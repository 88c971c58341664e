// A stand-in for a bundle's entry point where a build has no bundles (sanitized builds): a static
// binary that, like the real ones, prints "<its name> <version>" for --version.
#include <cstdio>
#include <cstring>

int main(int argc, char** argv) {
  if (argc != 2 || std::strcmp(argv[1], "--version") != 0) {
    std::fprintf(stderr, "usage: %s --version\n", argv[0]);
    return 2;
  }
  const char* slash = std::strrchr(argv[0], '/');
  std::printf("%s %s\n", slash != nullptr ? slash + 1 : argv[0], REDRAFT_VERSION);
  return 0;
}
