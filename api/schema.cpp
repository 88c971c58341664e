// The openAPIV3Schema of each kind, built from small helpers so that every field states its
// type, bounds and meaning in one line. Values shared with validation (enums, limits, defaults)
// come from types.hpp / defaults.hpp / validation.hpp, so the two cannot silently diverge; the
// schema test checks the patterns against the validation functions.
#include "api/schema.hpp"

#include <algorithm>
#include <initializer_list>
#include <utility>

#include "api/codec.hpp"
#include "api/defaults.hpp"
#include "api/types.hpp"
#include "api/validation.hpp"

namespace redraft::api::schema {
namespace {

using nlohmann::json;

// ---- patterns ----

// Bytes git never allows in a ref name (control characters, space, DEL, ~ ^ : ? * [ \).
constexpr const char* kRefForbidden = "\\x00-\\x20\\x7f~^:?*\\[\\\\";
constexpr const char* kUrlForbidden = "\\x00-\\x20\\x7f";

// '-' goes last in a class, where it cannot form a range.
std::string char_class(const char* forbidden, std::string also_excluded) {
  bool dash = false;
  if (auto pos = also_excluded.find('-'); pos != std::string::npos) {
    also_excluded.erase(pos, 1);
    dash = true;
  }
  return std::string("[^") + forbidden + also_excluded + (dash ? "-" : "") + "]";
}

std::string ref_class(const std::string& also_excluded) {
  return char_class(kRefForbidden, also_excluded);
}

// ---- the branch pattern ----
//
// branch_name_pattern() accepts exactly what branch_name_problem() accepts (length aside), as one
// regular expression in the common subset of ECMA-262 and RE2: no lookaround, no backreferences;
// only the assertions ^, $ and \b. The API server quotes the whole pattern when it rejects a
// value, so it is built to be short (well under 1 KB); tests/api/branch_pattern_test.cpp checks
// it against branch_name_problem() and against the previous, 4.7 KB formulation.
//
// How the rules map onto the pattern:
// - A name is WORDS (runs of allowed characters other than '.' and '/') joined by the separators
//   ".", "/" and "./". That alone rules out "..", "//", a component starting with '.', and a
//   leading or trailing '/' or '.'.
// - A word never contains "@{": '{' may follow anything but '@'. Words are built from the units
//   "x{*" (x: an allowed character other than . / @ {) and "@", after an optional leading "{*".
// - ".lock" ending a component: after a plain '.', the word "lock" must be followed by another
//   '.', so a dot is followed by "(lock\.)*" and then by '/' or by a word other than "lock".
// - "refs/": the first word of a name with separators is not "refs". A name starting with
//   "refs." is matched by the "^refs" alternative of the dot token; that token can only sit at
//   the very start when the first word is empty, which `\b` allows only before a letter, digit
//   or '_' (so no name can start with a bare separator).
// - "HEAD" and "@" are rejected only as whole names: a name with separators may start with
//   them; a single-word name may not.
// - No leading '-': the first word's first character is not '-'.

// Bytes allowed in a word: anything git allows in a ref except '.' and '/', and '@' / '{'
// handled by the unit structure.
std::string plain_char() { return ref_class("./@{"); }

// The rest of a word after "@" or after a unit's braces: units "x{*" and "@", never a '{' first.
std::string word_rest() { return "(?:" + plain_char() + "\\{*|@)*"; }

// A whole, non-empty word.
std::string any_word() { return "(?:(?:\\{|@*" + plain_char() + ")+@*|@+)"; }

// "a(?:b(?:c)?)?": matches every non-empty prefix of `s`.
std::string prefix_chain(const std::string& s, std::size_t from = 0) {
  if (from + 1 >= s.size()) return s.substr(from, 1);
  const std::string rest = prefix_chain(s, from + 1);
  return s.substr(from, 1) + (rest.size() == 1 ? rest + "?" : "(?:" + rest + ")?");
}

std::string bracket(const std::string& chars) { return "[" + chars + "]"; }

std::string without(std::string chars, char c) {
  chars.erase(std::remove(chars.begin(), chars.end(), c), chars.end());
  return chars;
}

// A non-empty word other than `literal` (distinct letters, e.g. "lock"), built from where it
// first differs from `literal`: after a prefix of it (possibly all of it), either a character
// that is not a letter of `literal`, or a letter other than the next one, then anything; or a
// proper prefix of it alone. `dash_first`: may start with '-'. `bare_at`: may be exactly "@".
std::string word_other_than(const std::string& literal, bool dash_first, bool bare_at) {
  const std::string dash = dash_first ? "" : "-";
  const std::string prefixes = "(?:" + prefix_chain(literal) + ")?";
  // Letter divergences, as a trie over the prefixes of `literal`.
  std::string trie;
  for (std::size_t i = literal.size(); i-- > 0;) {
    const std::string other = (i + 1 < literal.size() ? without(literal, literal[i + 1]) : literal);
    const std::string here = bracket(dash + other);  // after literal[0..i]
    trie = literal.substr(i, 1) + (trie.empty() ? here : "(?:" + here + "|" + trie + ")");
  }
  trie = "(?:" + bracket(without(literal, literal[0])) + "|" + trie + ")";
  const std::string non_letter = ref_class("./@" + literal + dash);
  const std::string head =
      bare_at ? prefixes + "(?:" + non_letter + "\\{*|@)|" + trie + "\\{*"
              : "(?:" + prefixes + non_letter + "|" + trie + ")\\{*|" + prefix_chain(literal) +
                    "@|@(?:" + plain_char() + "\\{*|@)";
  const std::string proper_prefix = prefix_chain(literal.substr(0, literal.size() - 1));
  return "(?:(?:" + head + ")" + word_rest() + "|" + proper_prefix + ")";
}

std::string build_branch_pattern() {
  const std::string word = any_word();
  // Words after a plain '.': "lock" only when another '.' follows.
  const std::string dot = "(?:^refs)?\\.(?:lock\\.)*";
  const std::string token = "(?:(?:" + dot + ")?/" + word + "|" + dot +
                            word_other_than("lock", true, true) + ")";
  // First word of a name with separators: not '-'-led, not "refs" ("refs." goes through \b).
  const std::string first = word_other_than("refs", false, true);
  // A single-word name: not '-'-led, not "HEAD", not "@".
  const std::string single = word_other_than("HEAD", false, false);
  return "^(?:(?:" + first + "|\\b)" + token + "+|" + single + ")$";
}

std::string url_class(const std::string& also_excluded) {
  return char_class(kUrlForbidden, also_excluded);
}

std::string build_repo_url_pattern() {
  const std::string any = url_class("");
  const std::string path = "(?:/" + any + "*)?";
  const std::string host = url_class("@/-") + url_class("@/") + "*";  // no '@', no leading '-'
  const std::string user = "(?:" + url_class(":@/-") + url_class(":@/") + "*)?@";
  const std::string url_form = "(?:(?:https?|git)://" + host + "|ssh://(?:" + user + ")?" + host +
                               "|file://" + url_class("@/") + "*)" + path;
  const std::string local_path = "/" + any + "*";
  // scp-like [user@]host:path; the path may not start with "//" (that would be a URL).
  const std::string scp_host = url_class(":@/-") + url_class(":@/") + "*";
  const std::string scp_path =
      "(?:" + url_class(":@/") + "+(?:/" + any + "*)?|/(?:" + url_class("/") + any + "*)?)?";
  const std::string scp = "(?:" + user + ")?" + scp_host + ":" + scp_path;
  return "^(?:" + url_form + "|" + local_path + "|" + scp + ")$";
}

// ---- schema helpers ----

json with_description(json schema, const std::string& description) {
  schema["description"] = description;
  return schema;
}

json string_field(const std::string& description) {
  return {{"type", "string"}, {"description", description}};
}

json bounded_string(const std::string& description, std::size_t max_length) {
  json s = string_field(description);
  s["maxLength"] = max_length;
  return s;
}

json enum_field(const std::string& description, std::initializer_list<const char*> values) {
  json s = string_field(description);
  s["enum"] = json::array();
  for (const char* v : values) s["enum"].push_back(v);
  return s;
}

json integer_field(const std::string& description) {
  return {{"type", "integer"}, {"format", "int64"}, {"description", description}};
}

json integer_min(const std::string& description, std::int64_t minimum) {
  json s = integer_field(description);
  s["minimum"] = minimum;
  return s;
}

json text_field(const std::string& description) {
  return bounded_string(description, kMaxTextLength);
}

json number_field(const std::string& description) {
  return {{"type", "number"}, {"description", description}};
}

json bool_field(const std::string& description) {
  return {{"type", "boolean"}, {"description", description}};
}

json object_field(const std::string& description, json properties,
                  std::vector<std::string> required = {}) {
  json s = {
      {"type", "object"}, {"description", description}, {"properties", std::move(properties)}};
  if (!required.empty()) s["required"] = required;
  return s;
}

json array_of(const std::string& description, json items) {
  return {{"type", "array"}, {"description", description}, {"items", std::move(items)}};
}

// Spelled out because the API server's rejection message only quotes the (long) pattern.
constexpr const char* kBranchRules =
    " A git branch name without refs/heads/: no leading '-', no '..', '@{', '//', spaces, "
    "control characters or any of ~ ^ : ? * [ \\; path components must not start with '.' or "
    "end with '.lock'; must not end with '/' or '.', start with 'refs/', or be '@' or 'HEAD'.";

json branch_field(const std::string& description) {
  json s = string_field(description + kBranchRules);
  s["pattern"] = branch_name_pattern();
  s["minLength"] = 1;
  s["maxLength"] = kMaxBranchNameLength;
  return s;
}

json object_name_field(const std::string& description) {
  json s = string_field(description);
  s["pattern"] = object_name_pattern();
  s["maxLength"] = 253;
  return s;
}

json local_ref(const std::string& description) {
  return object_field(description, {{"name", object_name_field("Name of the object.")}}, {"name"});
}

json url_field(const std::string& description) {
  json s = string_field(description);
  s["pattern"] = repo_url_pattern();
  s["maxLength"] = 2048;
  return s;
}

json sha_field(const std::string& description) {
  json s = string_field(description);
  s["pattern"] = "^([0-9a-f]{40}|[0-9a-f]{64})$";
  return s;
}

// The controller-gen shape of resource.Quantity.
json quantity_map(const std::string& description) {
  json quantity = {{"anyOf", json::array({{{"type", "integer"}}, {{"type", "string"}}})},
                   {"pattern", kQuantityPattern},
                   {"x-kubernetes-int-or-string", true}};
  return {{"type", "object"}, {"description", description}, {"additionalProperties", quantity}};
}

json conditions_field() {
  json condition = object_field(
      "A metav1.Condition: one aspect of the object's state.",
      {{"type", bounded_string("Type of the condition, e.g. Ready.", 316)},
       {"status", enum_field("Status of the condition.", {"True", "False", "Unknown"})},
       {"observedGeneration", integer_min("metadata.generation the condition was set for.", 0)},
       {"lastTransitionTime", with_description({{"type", "string"}, {"format", "date-time"}},
                                               "When the condition last changed status.")},
       {"reason", bounded_string("Machine-readable reason in CamelCase.", 1024)},
       {"message", bounded_string("Human-readable details.", 32768)}},
      {"type", "status"});
  json s = array_of("Current state of the object, as metav1.Conditions.", condition);
  s["x-kubernetes-list-type"] = "map";
  s["x-kubernetes-list-map-keys"] = json::array({"type"});
  return s;
}

json finding_schema(bool as_feedback) {
  return object_field(
      "One review finding.",
      {{"severity", string_field("How serious the finding is (e.g. critical, major, minor).")},
       {"file", string_field("Path of the file the finding is about, relative to the repository.")},
       {"line", as_feedback
                    ? integer_min("Line number in the file (1-based; 0 for the whole file).", 0)
                    : integer_field("Line number in the file (1-based).")},
       {"message", string_field("What is wrong.")},
       {"suggestion", string_field("How to fix it.")},
       {"reviewer", string_field("The reviewer Agent that reported it (set by the operator).")}});
}

json repo_schema() {
  return object_field(
      "The git repository to work on.",
      {{"url", url_field("Clone URL (https://, http://, ssh://, git://, file://, host:path or an "
                         "absolute path). Never put credentials in it: use credentialsSecretRef.")},
       {"pushUrl", url_field("Where result branches are pushed (a fork); defaults to url.")},
       {"credentialsSecretRef",
        object_field("Secret with git credentials, mounted only into the prepare and publish "
                     "phases (never into the agent).",
                     {{"name", object_name_field("Name of the Secret.")}})}},
      {"url"});
}

json env_schema() {
  json key_selector = object_field("A key of a Secret or ConfigMap.",
                                   {{"name", object_name_field("Name of the object.")},
                                    {"key", string_field("The key to select.")},
                                    {"optional", bool_field("Whether the key may be missing.")}},
                                   {"key", "name"});
  json env_var = object_field(
      "An environment variable of the agent container.",
      {{"name",
        with_description(
            {{"type", "string"}, {"pattern", "^[-._a-zA-Z][-._a-zA-Z0-9]*$"}, {"minLength", 1}},
            "Name of the variable.")},
       {"value", string_field("Literal value.")},
       {"valueFrom",
        object_field("Source of the value (exactly one of the fields).",
                     {{"secretKeyRef", with_description(key_selector, "A key of a Secret.")},
                      {"configMapKeyRef", with_description(key_selector, "A key of a ConfigMap.")},
                      {"fieldRef",
                       object_field("A field of the Pod.",
                                    {{"apiVersion", string_field("Schema version of fieldPath.")},
                                     {"fieldPath",
                                      string_field("Path of the field, e.g. metadata.namespace.")}},
                                    {"fieldPath"})}})}},
      {"name"});
  json s = array_of("Environment of the agent process; use valueFrom for secrets.", env_var);
  s["x-kubernetes-list-type"] = "map";
  s["x-kubernetes-list-map-keys"] = json::array({"name"});
  return s;
}

json integer_range(const std::string& description, std::int64_t minimum, std::int64_t maximum) {
  json s = integer_min(description, minimum);
  s["maximum"] = maximum;
  return s;
}

json timeout_field(const std::string& description) {
  return integer_range(description, 1, kMaxTimeoutSeconds);
}

json phase_field(const std::string& description) {
  return enum_field(description,
                    {phase::kPending, phase::kRunning, phase::kSucceeded, phase::kFailed});
}

// ---- per kind ----

json agent_schema() {
  json spec = object_field(
      "A coder or reviewer profile: how to run one agent CLI.",
      {{"role", enum_field("What the agent does: write code or review it.",
                           {role::kCoder, role::kReviewer})},
       {"image", string_field("Container image holding the agent CLI; the executor binary is "
                              "injected into it.")},
       {"command",
        [] {
          json s = array_of("The agent's command line (argv[0] first).",
                            {{"type", "string"}, {"minLength", 1}});
          s["minItems"] = 1;
          return s;
        }()},
       {"args", array_of("Extra arguments after command.", {{"type", "string"}})},
       {"promptVia",
        [] {
          json s = enum_field(
              "How the prompt reaches the agent: a file named by "
              "REDRAFT_PROMPT_FILE, standard input, or the last argument.",
              {prompt_via::kFile, prompt_via::kStdin, prompt_via::kArg});
          s["default"] = prompt_via::kFile;
          return s;
        }()},
       {"instructions", text_field("Preamble prepended to every prompt.")},
       {"instructionsPath",
        with_description(
            {{"type", "string"}, {"pattern", repo_path_pattern()}, {"maxLength", kMaxPathLength}},
            "A file in the repository (e.g. .redraft/agents/coder.md) whose content "
            "is added to the prompt when present.")},
       {"env", env_schema()},
       {"resources",
        object_field("Compute resources of the agent container.",
                     {{"limits", quantity_map("Maximum resources, e.g. cpu: 2, memory: 4Gi.")},
                      {"requests", quantity_map("Requested resources.")}})},
       {"timeoutSeconds",
        [] {
          json s = timeout_field("How long the agent may run before it is stopped.");
          s["default"] = kDefaultAgentTimeoutSeconds;
          return s;
        }()}},
      {"command", "role"});
  json status =
      object_field("Observed state of the Agent.",
                   {{"observedGeneration", integer_min("The generation last processed.", 0)},
                    {"conditions", conditions_field()}});
  return {{"spec", spec}, {"status", status}};
}

json agentic_task_schema() {
  json spec = object_field(
      "One agent run against a repository branch.",
      {{"kind", enum_field("code: change the branch and push it; review: judge the pushed branch.",
                           {task_kind::kCode, task_kind::kReview})},
       {"agentRef", local_ref("The Agent to run.")},
       {"repo", repo_schema()},
       {"baseBranch",
        [] {
          json s = branch_field("Upstream branch new work starts from and reviews diff against.");
          s["default"] = kDefaultBaseBranch;
          return s;
        }()},
       {"branch", branch_field("The working branch (without refs/heads/).")},
       {"issue", object_field("The issue to work on.",
                              {{"number", integer_min("Issue number.", 1)},
                               {"title", text_field("Issue title.")},
                               {"body", text_field("Issue body.")}},
                              {"number"})},
       {"prompt", text_field("What to do, when there is no issue (or in addition to it).")},
       {"promptPrefix", text_field("Text placed before the prompt.")},
       {"intent", text_field("The Workload's intent, scoping every coder prompt.")},
       {"reviseFromBranch",
        branch_field("Branch on the push remote holding the prior attempt to revise.")},
       {"branchStrategy",
        [] {
          json s = enum_field(
              "How a revision starts: restore the prior attempt as it is, restore "
              "and rebase it onto the current base, or reset to the base.",
              {strategy::kRestore, strategy::kRebase, strategy::kReset});
          s["default"] = strategy::kRestore;
          return s;
        }()},
       {"allowOverwrite",
        [] {
          json s = bool_field("Permit a non-fast-forward push (always with a lease).");
          s["default"] = false;
          return s;
        }()},
       {"expectedRemoteSha", sha_field("The SHA last seen pushed on branch (lease hint).")},
       {"feedback", array_of("Review findings handed to a revision.", finding_schema(true))},
       {"forkOf", local_ref("Another AgenticTask whose result branch this task starts from.")},
       {"author",
        [] {
          json name = string_field("Author name.");
          name["default"] = kDefaultAuthorName;
          json email = string_field("Author email.");
          email["default"] = kDefaultAuthorEmail;
          json s = object_field("Author and committer of the result commit.",
                                {{"name", name}, {"email", email}});
          s["default"] = json::object();
          return s;
        }()},
       {"timeoutSeconds", timeout_field("Overrides the Agent's timeoutSeconds.")},
       {"backoffLimit",
        [] {
          json s = integer_range("Retries for infrastructure failures (never for model outcomes).",
                                 0, kMaxBackoffLimit);
          s["default"] = kDefaultBackoffLimit;
          return s;
        }()}},
      {"agentRef", "branch", "kind", "repo"});
  json status = object_field(
      "Observed state and result of the run.",
      {{"phase", phase_field("Lifecycle phase.")},
       {"verdict", enum_field("Outcome: PUSHED/NO-CHANGES for code, GO/NO-GO for reviews, "
                              "INCOMPLETE when no valid verdict was produced.",
                              {verdict::kPushed, verdict::kNoChanges, verdict::kGo, verdict::kNoGo,
                               verdict::kIncomplete})},
       {"reason", string_field("Machine-readable reason, e.g. RestoreFallback, LeaseRejected.")},
       {"message", string_field("Human-readable details.")},
       {"branch", string_field("The branch pushed or reviewed.")},
       {"commitSha", string_field("The commit pushed or reviewed.")},
       {"baseSha", string_field("The base commit the work was compared against.")},
       {"restore",
        object_field("What happened to the prior attempt.",
                     {{"outcome", enum_field("restored, fallback (rebuilt from the base) "
                                             "or none.",
                                             {restore_outcome::kRestored,
                                              restore_outcome::kFallback, restore_outcome::kNone})},
                      {"fromSha", string_field("The prior attempt's commit.")}})},
       {"findings", array_of("Review findings.", finding_schema(false))},
       {"summary", string_field("The agent's summary.")},
       {"podName", string_field("The Pod of the current attempt.")},
       {"attempts", integer_min("Attempts started.", 0)},
       {"startTime",
        with_description({{"type", "string"}, {"format", "date-time"}}, "When the run started.")},
       {"completionTime",
        with_description({{"type", "string"}, {"format", "date-time"}}, "When the run finished.")},
       {"timings", object_field("Seconds spent per executor phase.",
                                {{"prepareSeconds", number_field("prepare phase.")},
                                 {"agentSeconds", number_field("agent phase.")},
                                 {"publishSeconds", number_field("publish phase.")}})},
       {"forkedFrom", object_field("The task this one was forked from.",
                                   {{"name", string_field("Source AgenticTask.")},
                                    {"branch", string_field("Its result branch.")},
                                    {"commitSha", string_field("Its result commit.")}})},
       {"conditions", conditions_field()},
       {"observedGeneration", integer_min("The generation last processed.", 0)}});
  return {{"spec", spec}, {"status", status}};
}

json workload_schema() {
  json task = object_field(
      "An item defined by a prompt instead of an issue number.",
      {{"name",
        [] {
          json s = string_field("Item key, used in task and branch names.");
          s["pattern"] = task_name_pattern();
          s["maxLength"] = kMaxWorkloadTaskNameLength;
          return s;
        }()},
       {"prompt",
        with_description({{"type", "string"}, {"minLength", 1}, {"maxLength", kMaxTextLength}},
                         "What to do.")}},
      {"name", "prompt"});
  json spec = object_field(
      "Issues (or prompts) to implement, reviewed and revised until approved.",
      {{"repo", repo_schema()},
       {"baseBranch",
        [] {
          json s = branch_field("Upstream branch every item starts from.");
          s["default"] = kDefaultBaseBranch;
          return s;
        }()},
       {"issues",
        [] {
          json s = array_of("Issue numbers to implement.", integer_min("Issue number.", 1));
          s["x-kubernetes-list-type"] = "set";
          return s;
        }()},
       {"tasks",
        [] {
          json s = array_of("Prompt-defined items.", json());
          return s;
        }()},
       {"intent", text_field("Scopes every coder prompt.")},
       {"coderAgentRef", local_ref("The coder Agent for first attempts.")},
       {"reviewerAgentRefs",
        array_of("Reviewer Agents; each reviews every attempt.", local_ref("A reviewer Agent."))},
       {"revisionCoderAgentRef",
        local_ref("The coder Agent for revisions; defaults to coderAgentRef (with a warning).")},
       {"maxReviewIterations",
        [] {
          json s = integer_range("Review rounds per item before it fails; 0 disables review.", 0,
                                 kMaxReviewIterations);
          s["default"] = kDefaultMaxReviewIterations;
          return s;
        }()},
       {"branchStrategy",
        [] {
          json s = enum_field("How revisions start from the prior attempt.",
                              {strategy::kRestore, strategy::kRebase, strategy::kReset});
          s["default"] = strategy::kRebase;
          return s;
        }()},
       {"allowOverwrite",
        [] {
          json s = bool_field("Let revisions rewrite their branch (always with a lease).");
          s["default"] = true;
          return s;
        }()},
       {"parallelism",
        integer_range("Maximum items in flight; unset means no limit.", 1, kMaxParallelism)},
       {"branchPrefix",
        bounded_string("Prefix of item branches; defaults to redraft/<workload name>/.",
                       kMaxBranchNameLength)}},
      {"coderAgentRef", "repo"});
  spec["properties"]["tasks"]["items"] = task;
  json item = object_field(
      "Progress of one item.",
      {{"key", string_field("Issue number or task name.")},
       {"iteration", integer_min("Current review iteration (0 = first attempt).", 0)},
       {"phase", phase_field("Lifecycle phase of the item.")},
       {"branch", string_field("The item's branch.")},
       {"commitSha", string_field("The last pushed commit.")},
       {"verdicts", array_of("Verdicts of the latest review round.", {{"type", "string"}})},
       {"tasks", array_of("AgenticTasks created for the item.", {{"type", "string"}})}},
      {"key"});
  json counts = object_field("Items per phase.", {{"total", integer_min("All items.", 0)},
                                                  {"pending", integer_min("Not started.", 0)},
                                                  {"running", integer_min("In progress.", 0)},
                                                  {"succeeded", integer_min("Approved.", 0)},
                                                  {"failed", integer_min("Failed.", 0)}});
  json status = object_field(
      "Observed state of the Workload.",
      {{"phase", phase_field("Lifecycle phase.")},
       {"items", array_of("Per-item progress.", item)},
       {"counts", counts},
       {"reviewIterations", integer_min("Review iterations started over all items.", 0)},
       {"conditions", conditions_field()},
       {"observedGeneration", integer_min("The generation last processed.", 0)}});
  return {{"spec", spec}, {"status", status}};
}

json top_schema(const std::string& description, const json& spec_and_status) {
  return {{"type", "object"},
          {"description", description},
          {"required", json::array({"spec"})},
          {"properties",
           {{"apiVersion", string_field("Versioned schema of this representation of an object.")},
            {"kind", string_field("REST resource this object represents.")},
            {"metadata", {{"type", "object"}}},
            {"spec", spec_and_status.at("spec")},
            {"status", spec_and_status.at("status")}}}};
}

json column(const std::string& name, const std::string& type, const std::string& path,
            const std::string& description) {
  return {{"name", name}, {"type", type}, {"jsonPath", path}, {"description", description}};
}

json age_column() {
  return column("Age", "date", ".metadata.creationTimestamp", "Time since creation.");
}

json make_crd(const std::string& kind, const std::string& plural, const std::string& short_name,
              const json& schema, json columns) {
  std::string singular = plural.substr(0, plural.size() - 1);
  return {{"apiVersion", "apiextensions.k8s.io/v1"},
          {"kind", "CustomResourceDefinition"},
          {"metadata", {{"name", plural + "." + kGroup}}},
          {"spec",
           {{"group", kGroup},
            {"names",
             {{"kind", kind},
              {"listKind", kind + "List"},
              {"plural", plural},
              {"singular", singular},
              {"shortNames", json::array({short_name})},
              {"categories", json::array({"redraft"})}}},
            {"scope", "Namespaced"},
            {"versions", json::array({{{"name", kVersion},
                                       {"served", true},
                                       {"storage", true},
                                       {"subresources", {{"status", json::object()}}},
                                       {"additionalPrinterColumns", std::move(columns)},
                                       {"schema", {{"openAPIV3Schema", schema}}}}})}}}};
}

}  // namespace

std::string branch_name_pattern() {
  static const std::string pattern = build_branch_pattern();
  return pattern;
}

std::string object_name_pattern() {
  return "^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$";
}

std::string repo_url_pattern() {
  static const std::string pattern = build_repo_url_pattern();
  return pattern;
}

std::string repo_path_pattern() {
  const std::string any = "[^/\\x00-\\x1f\\x7f]";
  const std::string not_dot = "[^/.\\x00-\\x1f\\x7f]";
  // A non-empty component other than "..".
  const std::string component =
      "(?:" + not_dot + any + "*|\\.(?:" + not_dot + any + "*)?|\\.\\." + any + "+)";
  return "^" + component + "(?:/(?:" + component + ")?)*$";
}

std::string task_name_pattern() { return "^[a-z]([-a-z0-9]*[a-z0-9])?$"; }

json agent_crd() {
  return make_crd(
      "Agent", "agents", "rdag",
      top_schema("A coder or reviewer profile: the agent CLI, its image and how it "
                 "receives the prompt.",
                 agent_schema()),
      json::array({column("Role", "string", ".spec.role", "coder or reviewer."),
                   column("Image", "string", ".spec.image", "Agent image."), age_column()}));
}

json agentic_task_crd() {
  return make_crd(
      "AgenticTask", "agentictasks", "rdat",
      top_schema("One agent run against a git branch: prepare (clone, restore), agent, publish "
                 "(commit, push with a lease).",
                 agentic_task_schema()),
      json::array({column("Kind", "string", ".spec.kind", "code or review."),
                   column("Agent", "string", ".spec.agentRef.name", "The Agent."),
                   column("Branch", "string", ".spec.branch", "The working branch."),
                   column("Phase", "string", ".status.phase", "Lifecycle phase."),
                   column("Verdict", "string", ".status.verdict", "Outcome."),
                   column("Reason", "string", ".status.reason", "Machine reason."), age_column()}));
}

json workload_crd() {
  return make_crd(
      "Workload", "workloads", "rdwl",
      top_schema("Issues or prompts implemented by a coder Agent and reviewed by reviewer Agents, "
                 "revised until approved or out of iterations.",
                 workload_schema()),
      json::array({column("Phase", "string", ".status.phase", "Lifecycle phase."),
                   column("Items", "integer", ".status.counts.total", "Items in total."),
                   column("Succeeded", "integer", ".status.counts.succeeded", "Approved items."),
                   column("Failed", "integer", ".status.counts.failed", "Failed items."),
                   age_column()}));
}

std::vector<CrdFile> crd_files() {
  return {{"redraft.dev_agents.yaml", agent_crd()},
          {"redraft.dev_agentictasks.yaml", agentic_task_crd()},
          {"redraft.dev_workloads.yaml", workload_crd()}};
}

std::string render_crd_file(const CrdFile& file) {
  return "# Generated by redraft-crdgen from api/schema.cpp. Do not edit: run\n"
         "#   cmake --build build --target crds\n---\n" +
         to_yaml(file.crd);
}

const nlohmann::json& open_api_schema(const nlohmann::json& crd) {
  return crd.at("spec").at("versions").at(0).at("schema").at("openAPIV3Schema");
}

}  // namespace redraft::api::schema
