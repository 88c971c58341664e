// Semantic validation of the API kinds. The CRD schema (api/schema.cpp) rejects most of this at
// apply time already; this is the second line, run by the operator before it creates anything
// and by the executor before it touches git, so nothing depends on the server having checked.
#include "api/validation.hpp"

#include <cctype>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>

#include "api/defaults.hpp"
#include "api/schema.hpp"

namespace redraft::api {
namespace {

using Errors = std::vector<FieldError>;

// Echoing user input is fine for enums and names (never secrets), but escape it so a hostile
// value cannot forge extra lines in logs or events.
std::string quote(std::string_view value) {
  return nlohmann::json(std::string(value))
      .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

void require(Errors& errors, const std::string& field, std::string_view value) {
  if (value.empty()) errors.push_back({field, "Required value"});
}

void check_enum(Errors& errors, const std::string& field, std::string_view value,
                std::initializer_list<const char*> allowed, bool required) {
  if (value.empty()) {
    if (required) errors.push_back({field, "Required value"});
    return;
  }
  std::string supported;
  for (const char* option : allowed) {
    if (value == option) return;
    if (!supported.empty()) supported += ", ";
    supported += quote(option);
  }
  errors.push_back(
      {field, "Unsupported value: " + quote(value) + ": supported values: " + supported});
}

bool is_lower_alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }

// RFC 1123 subdomain: what Kubernetes accepts as an object name.
std::optional<std::string> dns_subdomain_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > 253) return "must be no more than 253 characters";
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-' && c != '.') {
      return "must consist of lower case alphanumeric characters, '-' or '.'";
    }
  }
  if (!is_lower_alnum(name.front()) || !is_lower_alnum(name.back())) {
    return "must start and end with an alphanumeric character";
  }
  if (name.find("..") != std::string_view::npos || name.find(".-") != std::string_view::npos ||
      name.find("-.") != std::string_view::npos) {
    return "each dot-separated part must start and end with an alphanumeric character";
  }
  return std::nullopt;
}

void check_object_name(Errors& errors, const std::string& field, std::string_view name,
                       bool required) {
  if (name.empty()) {
    if (required) errors.push_back({field, "Required value"});
    return;
  }
  if (auto problem = dns_subdomain_problem(name)) errors.push_back({field, *problem});
}

void check_ref(Errors& errors, const std::string& field, const LocalObjectReference& ref) {
  check_object_name(errors, field + ".name", ref.name, true);
}

void check_branch(Errors& errors, const std::string& field, std::string_view name,
                  bool required) {
  if (name.empty() && !required) return;
  if (auto problem = branch_name_problem(name)) errors.push_back({field, *problem});
}

bool has_control_or_space(std::string_view s) {
  for (unsigned char c : s) {
    if (c <= 0x20 || c == 0x7f) return true;
  }
  return false;
}

// Repository URLs: https/http/ssh/git/file URLs, scp-like "[user@]host:path", or an absolute
// local path (local mode). Credentials belong in credentialsSecretRef, never in the URL — the
// URL ends up in status, events and logs. Messages never repeat the URL. The specific checks
// give helpful messages; the final check is the CRD's own pattern, so the two always agree.
std::optional<std::string> repo_url_problem(std::string_view url) {
  if (url.empty()) return "Required value";
  if (url.front() == '-') return "must not start with '-'";
  if (has_control_or_space(url)) return "must not contain spaces or control characters";
  const std::string credentials =
      "must not contain credentials (user information before '@'); use credentialsSecretRef";
  if (url.front() != '/') {
    // git's remote-helper syntax "<transport>::<address>" runs arbitrary helpers.
    std::size_t i = 0;
    while (i < url.size() && (std::isalnum(static_cast<unsigned char>(url[i])) || url[i] == '+' ||
                              url[i] == '-' || url[i] == '.')) {
      ++i;
    }
    if (i > 0 && url.substr(i, 2) == "::") return "remote-helper syntax ('::') is not allowed";
    auto scheme_end = url.find("://");
    if (scheme_end != std::string_view::npos) {
      std::string_view scheme = url.substr(0, scheme_end);
      static const std::set<std::string, std::less<>> supported = {"https", "http", "ssh", "git",
                                                                   "file"};
      if (supported.count(scheme) == 0) {
        return "unsupported URL scheme; use https://, http://, ssh://, git:// or file://";
      }
      std::string_view rest = url.substr(scheme_end + 3);
      std::string_view authority = rest.substr(0, rest.find('/'));
      auto at = authority.find('@');
      if (at != std::string_view::npos) {
        // An ssh user name ("ssh://git@host/...") is not a secret; a password, or any user
        // information on http(s)/git/file (tokens are commonly passed as the user name), is.
        std::string_view userinfo = authority.substr(0, at);
        if (scheme != "ssh" || userinfo.find(':') != std::string_view::npos ||
            authority.find('@', at + 1) != std::string_view::npos) {
          return credentials;
        }
      }
      if (scheme != "file" && authority.substr(at == std::string_view::npos ? 0 : at + 1).empty()) {
        return "must name a host";
      }
    } else {
      // "user:token@host:path", whatever git would make of it, holds a secret.
      auto at = url.find('@');
      if (at != std::string_view::npos && at < url.find('/') &&
          url.substr(0, at).find(':') != std::string_view::npos) {
        return credentials;
      }
    }
  }
  static const std::regex pattern(schema::repo_url_pattern(), std::regex::ECMAScript);
  if (!std::regex_match(url.begin(), url.end(), pattern)) {
    return "must be a URL (https://, http://, ssh://, git://, file://), [user@]host:path or an "
           "absolute path, with no user or host starting with '-'";
  }
  return std::nullopt;
}

void check_repo(Errors& errors, const std::string& field, const RepoSpec& repo) {
  if (auto problem = repo_url_problem(repo.url)) errors.push_back({field + ".url", *problem});
  if (!repo.pushUrl.empty()) {
    if (auto problem = repo_url_problem(repo.pushUrl)) {
      errors.push_back({field + ".pushUrl", *problem});
    }
  }
  check_object_name(errors, field + ".credentialsSecretRef.name", repo.credentialsSecretRef.name,
                    false);
}

void check_min(Errors& errors, const std::string& field, const std::optional<std::int64_t>& value,
               std::int64_t minimum) {
  if (value && *value < minimum) {
    errors.push_back({field, "must be greater than or equal to " + std::to_string(minimum)});
  }
}

void check_range(Errors& errors, const std::string& field, const std::optional<std::int64_t>& value,
                 std::int64_t minimum, std::int64_t maximum) {
  check_min(errors, field, value, minimum);
  if (value && *value > maximum) {
    errors.push_back({field, "must be less than or equal to " + std::to_string(maximum)});
  }
}

bool env_name_ok(std::string_view name) {
  if (name.empty()) return false;
  auto ok_first = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == '-' || c == '.';
  };
  if (!ok_first(name.front())) return false;
  for (char c : name) {
    if (!ok_first(c) && !(c >= '0' && c <= '9')) return false;
  }
  return true;
}

void check_key_selector(Errors& errors, const std::string& field, const KeySelector& selector) {
  check_object_name(errors, field + ".name", selector.name, true);
  require(errors, field + ".key", selector.key);
}

void check_env(Errors& errors, const std::string& field, const std::vector<EnvVar>& env) {
  std::set<std::string> seen;
  for (std::size_t i = 0; i < env.size(); ++i) {
    const auto& var = env[i];
    const std::string at = field + "[" + std::to_string(i) + "]";
    if (var.name.empty()) {
      errors.push_back({at + ".name", "Required value"});
    } else if (!env_name_ok(var.name)) {
      errors.push_back({at + ".name",
                        "must consist of letters, digits, '_', '-' or '.', and not start with a "
                        "digit"});
    } else if (!seen.insert(var.name).second) {
      errors.push_back({at + ".name", "Duplicate value: " + quote(var.name)});
    }
    if (var.value && var.valueFrom) {
      errors.push_back({at + ".valueFrom", "may not be specified when `value` is not empty"});
    }
    if (var.valueFrom) {
      const auto& from = *var.valueFrom;
      int sources =
          (from.secretKeyRef ? 1 : 0) + (from.configMapKeyRef ? 1 : 0) + (from.fieldRef ? 1 : 0);
      if (sources != 1) {
        errors.push_back({at + ".valueFrom",
                          "must specify exactly one of secretKeyRef, configMapKeyRef, fieldRef"});
      }
      if (from.secretKeyRef)
        check_key_selector(errors, at + ".valueFrom.secretKeyRef", *from.secretKeyRef);
      if (from.configMapKeyRef) {
        check_key_selector(errors, at + ".valueFrom.configMapKeyRef", *from.configMapKeyRef);
      }
      if (from.fieldRef)
        require(errors, at + ".valueFrom.fieldRef.fieldPath", from.fieldRef->fieldPath);
    }
  }
}

void check_quantities(Errors& errors, const std::string& field,
                      const StringMap& quantities) {
  static const std::regex quantity(kQuantityPattern, std::regex::ECMAScript);
  for (const auto& [name, value] : quantities) {
    const std::string at = field + "." + name;
    if (name.empty()) errors.push_back({field, "resource names must not be empty"});
    if (!std::regex_match(value.begin(), value.end(), quantity)) {
      errors.push_back({at, "must be a quantity such as \"500m\", \"2\" or \"1Gi\""});
    }
  }
}

// A path inside the repository: relative and unable to escape the workspace.
std::optional<std::string> repo_path_problem(std::string_view path) {
  if (path.size() > kMaxPathLength) {
    return "must be no more than " + std::to_string(kMaxPathLength) + " characters";
  }
  if (path.front() == '/') return "must be a relative path inside the repository";
  for (unsigned char c : path) {
    if (c < 0x20 || c == 0x7f) return "must not contain control characters";
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (path.substr(start, end - start) == "..") return "must not contain '..' components";
    start = end + 1;
  }
  return std::nullopt;
}

void check_text(Errors& errors, const std::string& field, std::string_view text) {
  if (text.size() > kMaxTextLength) {
    errors.push_back({field, "must be no more than " + std::to_string(kMaxTextLength) + " bytes"});
  }
}

bool is_hex_sha(std::string_view sha) {
  if (sha.size() != 40 && sha.size() != 64) return false;
  for (char c : sha) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// Git refuses identities containing '<', '>' or line breaks.
bool ident_ok(std::string_view s) {
  for (char c : s) {
    if (c == '<' || c == '>' || c == '\n' || c == '\r' || c == '\0') return false;
  }
  return true;
}

// Workload item keys become parts of object names and branches: a DNS label that starts with a
// letter, so a task name can never collide with an issue number.
std::optional<std::string> task_name_problem(std::string_view name) {
  if (name.empty()) return "Required value";
  if (name.size() > kMaxWorkloadTaskNameLength) {
    return "must be no more than " + std::to_string(kMaxWorkloadTaskNameLength) + " characters";
  }
  if (!(name.front() >= 'a' && name.front() <= 'z')) return "must start with a lower case letter";
  if (!is_lower_alnum(name.back())) return "must end with a lower case letter or digit";
  for (char c : name) {
    if (!is_lower_alnum(c) && c != '-') {
      return "must consist of lower case letters, digits or '-'";
    }
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> branch_name_problem(std::string_view name) {
  if (name.empty()) return "must not be empty";
  if (name.size() > kMaxBranchNameLength) {
    return "must be no more than " + std::to_string(kMaxBranchNameLength) + " characters";
  }
  if (name.front() == '-') return "must not start with '-'";
  if (name.substr(0, 5) == "refs/") {
    return "must be a branch name without 'refs/' (refs/heads/ is added by Redraft)";
  }
  for (unsigned char c : name) {
    if (c <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
  }
  for (char c : name) {
    if (std::string_view("~^:?*[\\").find(c) != std::string_view::npos) {
      return "must not contain any of ~ ^ : ? * [ \\";
    }
  }
  if (name.find("..") != std::string_view::npos) return "must not contain '..'";
  if (name.find("@{") != std::string_view::npos) return "must not contain '@{'";
  if (name == "@") return "must not be '@'";
  if (name == "HEAD") return "must not be 'HEAD'";
  if (name.front() == '/') return "must not start with '/'";
  if (name.back() == '/') return "must not end with '/'";
  if (name.find("//") != std::string_view::npos) return "must not contain '//'";
  if (name.back() == '.') return "must not end with '.'";
  std::size_t start = 0;
  while (start < name.size()) {
    auto end = name.find('/', start);
    if (end == std::string_view::npos) end = name.size();
    std::string_view component = name.substr(start, end - start);
    if (component.front() == '.') return "path components must not start with '.'";
    if (component.size() >= 5 && component.substr(component.size() - 5) == ".lock") {
      return "path components must not end with '.lock'";
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::vector<FieldError> validate(const Agent& agent) {
  Errors errors;
  check_object_name(errors, "metadata.name", agent.metadata.name, false);
  const auto& spec = agent.spec;
  check_enum(errors, "spec.role", spec.role, {role::kCoder, role::kReviewer}, true);
  if (!spec.image.empty() && has_control_or_space(spec.image)) {
    errors.push_back({"spec.image", "must not contain spaces or control characters"});
  }
  if (spec.command.empty()) {
    errors.push_back({"spec.command", "Required value: the agent's command line"});
  }
  for (std::size_t i = 0; i < spec.command.size(); ++i) {
    if (spec.command[i].empty()) {
      errors.push_back({"spec.command[" + std::to_string(i) + "]", "must not be empty"});
    }
  }
  check_enum(errors, "spec.promptVia", spec.promptVia,
             {prompt_via::kFile, prompt_via::kStdin, prompt_via::kArg}, false);
  if (!spec.instructionsPath.empty()) {
    if (auto problem = repo_path_problem(spec.instructionsPath)) {
      errors.push_back({"spec.instructionsPath", *problem});
    }
  }
  check_text(errors, "spec.instructions", spec.instructions);
  check_env(errors, "spec.env", spec.env);
  if (spec.resources) {
    check_quantities(errors, "spec.resources.limits", spec.resources->limits);
    check_quantities(errors, "spec.resources.requests", spec.resources->requests);
  }
  check_range(errors, "spec.timeoutSeconds", spec.timeoutSeconds, 1, kMaxTimeoutSeconds);
  return errors;
}

std::vector<FieldError> validate(const AgenticTask& task) {
  Errors errors;
  check_object_name(errors, "metadata.name", task.metadata.name, false);
  const auto& spec = task.spec;
  check_enum(errors, "spec.kind", spec.kind, {task_kind::kCode, task_kind::kReview}, true);
  check_ref(errors, "spec.agentRef", spec.agentRef);
  check_repo(errors, "spec.repo", spec.repo);
  check_branch(errors, "spec.baseBranch", spec.baseBranch, false);
  check_branch(errors, "spec.branch", spec.branch, true);
  check_branch(errors, "spec.reviseFromBranch", spec.reviseFromBranch, false);
  const std::string base = spec.baseBranch.empty() ? kDefaultBaseBranch : spec.baseBranch;
  if (!spec.branch.empty() && spec.branch == base) {
    errors.push_back(
        {"spec.branch", "must differ from spec.baseBranch (Redraft never pushes to the base)"});
  }
  if (spec.kind == task_kind::kCode && !spec.issue && spec.prompt.empty()) {
    errors.push_back({"spec.issue", "Required value: code tasks need spec.issue or spec.prompt"});
  }
  if (spec.issue) {
    if (spec.issue->number < 1) {
      errors.push_back({"spec.issue.number", "must be greater than or equal to 1"});
    }
    check_text(errors, "spec.issue.title", spec.issue->title);
    check_text(errors, "spec.issue.body", spec.issue->body);
  }
  check_text(errors, "spec.prompt", spec.prompt);
  check_text(errors, "spec.promptPrefix", spec.promptPrefix);
  check_text(errors, "spec.intent", spec.intent);
  if (spec.kind == task_kind::kReview && !spec.reviseFromBranch.empty()) {
    errors.push_back({"spec.reviseFromBranch", "must not be set on review tasks"});
  }
  check_enum(errors, "spec.branchStrategy", spec.branchStrategy,
             {strategy::kRestore, strategy::kRebase, strategy::kReset}, false);
  if (!spec.expectedRemoteSha.empty() && !is_hex_sha(spec.expectedRemoteSha)) {
    errors.push_back({"spec.expectedRemoteSha",
                      "must be a full lower-case hexadecimal commit SHA (40 or 64 characters)"});
  }
  for (std::size_t i = 0; i < spec.feedback.size(); ++i) {
    check_min(errors, "spec.feedback[" + std::to_string(i) + "].line", spec.feedback[i].line, 0);
  }
  if (spec.forkOf) check_ref(errors, "spec.forkOf", *spec.forkOf);
  if (spec.author) {
    if (spec.author->name.empty()) {
      errors.push_back({"spec.author.name", "Required value"});
    } else if (!ident_ok(spec.author->name)) {
      errors.push_back({"spec.author.name", "must not contain '<', '>' or line breaks"});
    }
    if (spec.author->email.empty()) {
      errors.push_back({"spec.author.email", "Required value"});
    } else if (!ident_ok(spec.author->email)) {
      errors.push_back({"spec.author.email", "must not contain '<', '>' or line breaks"});
    }
  }
  check_range(errors, "spec.timeoutSeconds", spec.timeoutSeconds, 1, kMaxTimeoutSeconds);
  check_range(errors, "spec.backoffLimit", spec.backoffLimit, 0, kMaxBackoffLimit);
  return errors;
}

std::vector<FieldError> validate(const Workload& workload) {
  Errors errors;
  const auto& name = workload.metadata.name;
  check_object_name(errors, "metadata.name", name, false);
  // Task names are "<workload>-<key>-review-<n>", which must still be valid object names.
  if (name.size() > kMaxWorkloadNameLength) {
    errors.push_back({"metadata.name", "must be no more than " +
                                           std::to_string(kMaxWorkloadNameLength) +
                                           " characters (task names are derived from it)"});
  }
  const auto& spec = workload.spec;
  check_repo(errors, "spec.repo", spec.repo);
  check_branch(errors, "spec.baseBranch", spec.baseBranch, false);
  if (spec.issues.empty() && spec.tasks.empty()) {
    errors.push_back({"spec.issues", "Required value: at least one of spec.issues or spec.tasks"});
  }
  std::set<std::int64_t> issues;
  for (std::size_t i = 0; i < spec.issues.size(); ++i) {
    const std::string at = "spec.issues[" + std::to_string(i) + "]";
    if (spec.issues[i] < 1) {
      errors.push_back({at, "must be greater than or equal to 1"});
    } else if (!issues.insert(spec.issues[i]).second) {
      errors.push_back({at, "Duplicate value: " + std::to_string(spec.issues[i])});
    }
  }
  std::set<std::string> task_names;
  for (std::size_t i = 0; i < spec.tasks.size(); ++i) {
    const auto& item = spec.tasks[i];
    const std::string at = "spec.tasks[" + std::to_string(i) + "]";
    if (auto problem = task_name_problem(item.name)) {
      errors.push_back({at + ".name", *problem});
    } else if (!task_names.insert(item.name).second) {
      errors.push_back({at + ".name", "Duplicate value: " + quote(item.name)});
    }
    require(errors, at + ".prompt", item.prompt);
    check_text(errors, at + ".prompt", item.prompt);
  }
  check_text(errors, "spec.intent", spec.intent);
  check_ref(errors, "spec.coderAgentRef", spec.coderAgentRef);
  for (std::size_t i = 0; i < spec.reviewerAgentRefs.size(); ++i) {
    check_ref(errors, "spec.reviewerAgentRefs[" + std::to_string(i) + "]",
              spec.reviewerAgentRefs[i]);
  }
  if (spec.revisionCoderAgentRef) {
    check_ref(errors, "spec.revisionCoderAgentRef", *spec.revisionCoderAgentRef);
  }
  check_range(errors, "spec.maxReviewIterations", spec.maxReviewIterations, 0,
              kMaxReviewIterations);
  check_enum(errors, "spec.branchStrategy", spec.branchStrategy,
             {strategy::kRestore, strategy::kRebase, strategy::kReset}, false);
  check_range(errors, "spec.parallelism", spec.parallelism, 1, kMaxParallelism);
  // Item branches are prefix + key; check the prefix with a representative key. A default
  // prefix comes from the name, so a name like "x.lock" is reported against metadata.name.
  if (!spec.branchPrefix.empty()) {
    if (auto problem = branch_name_problem(spec.branchPrefix + "1")) {
      errors.push_back({"spec.branchPrefix", *problem + " (as the start of item branch names)"});
    }
  } else if (!name.empty() && !dns_subdomain_problem(name)) {
    if (auto problem = branch_name_problem(default_branch_prefix(name) + "1")) {
      errors.push_back(
          {"metadata.name", "the default branch prefix made from it is invalid: " + *problem});
    }
  }
  return errors;
}

std::string join_errors(const std::vector<FieldError>& errors) {
  std::string out;
  for (const auto& error : errors) {
    if (!out.empty()) out += "; ";
    out += error.to_string();
  }
  return out;
}

}  // namespace redraft::api
