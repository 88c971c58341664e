// A scripted agent for the empty-root test (bundle_test.cpp): there is no shell in that root, so
// this is a small static program. Run by the executor's agent phase in the workspace, it
//   - appends a line to NOTES.md (the change the executor commits and pushes),
//   - writes every environment variable it was given, one per line, to argv[1] (outside the
//     workspace), so the test can check what reached the agent,
//   - writes {"summary": ...} to $REDRAFT_RESULT_FILE.
// Only C library calls; exits 3 on any failure, naming it on stderr.
#include <stdio.h>
#include <stdlib.h>

extern char** environ;

namespace {

[[noreturn]] void fail(const char* what) {
  perror(what);
  exit(3);
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fputs("usage: bundle-agent ENV_DUMP_FILE\n", stderr);
    return 3;
  }
  FILE* notes = fopen("NOTES.md", "a");
  if (notes == nullptr) fail("NOTES.md");
  fputs("edited by the static bundle agent\n", notes);
  if (fclose(notes) != 0) fail("NOTES.md");

  FILE* dump = fopen(argv[1], "w");
  if (dump == nullptr) fail(argv[1]);
  for (char** e = environ; *e != nullptr; ++e) fprintf(dump, "%s\n", *e);
  if (fclose(dump) != 0) fail(argv[1]);

  const char* result_path = getenv("REDRAFT_RESULT_FILE");
  if (result_path == nullptr) {
    fputs("REDRAFT_RESULT_FILE is not set\n", stderr);
    return 3;
  }
  FILE* result = fopen(result_path, "w");
  if (result == nullptr) fail(result_path);
  fputs("{\"summary\": \"appended a line to NOTES.md\"}\n", result);
  if (fclose(result) != 0) fail(result_path);
  puts("bundle agent: done");
  return 0;
}
