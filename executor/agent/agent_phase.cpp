#include "executor/agent/agent_phase.hpp"

#include <cstdio>
#include <fstream>
#include <system_error>

#include "executor/agent/process.hpp"
#include "executor/prompt/compose.hpp"
#include "executor/prompt/repo_instructions.hpp"
#include "executor/support/redact.hpp"

namespace redraft::executor {

namespace fs = std::filesystem;

namespace {

constexpr const char* kLogPrefix = "[agent] ";
// Linux caps a single argv string at 128 KiB (MAX_ARG_STRLEN); stay well below it.
constexpr std::size_t kMaxArgPromptBytes = 100 * 1024;

void write_text(const fs::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(text.data(), static_cast<std::streamsize>(text.size()));
  if (!out) throw std::runtime_error("cannot write " + path.string());
}

}  // namespace

std::int64_t effective_timeout_seconds(const api::AgenticTask& task, const api::Agent& agent) {
  if (task.spec.timeoutSeconds && *task.spec.timeoutSeconds > 0) return *task.spec.timeoutSeconds;
  if (agent.spec.timeoutSeconds && *agent.spec.timeoutSeconds > 0) return *agent.spec.timeoutSeconds;
  return kDefaultAgentTimeoutSeconds;
}

AgentPhaseOutcome run_agent_phase(const api::AgenticTask& task, const api::Agent& agent,
                                  const fs::path& workspace, const fs::path& state_dir,
                                  const AgentPhaseOptions& options) {
  // Every line that leaves this phase goes through the redactor.
  auto log = [&](std::string_view line) {
    std::string clean = std::string(kLogPrefix) + redacted(line);
    if (options.log) {
      options.log(clean);
    } else {
      std::fwrite(clean.data(), 1, clean.size(), stdout);
      std::fputc('\n', stdout);
      std::fflush(stdout);
    }
  };
  auto invalid_spec = [&](std::string message) {
    AgentPhaseOutcome out;
    out.reason = api::reason::kInvalidSpec;
    out.message = redacted(message);
    out.verdict = task.spec.kind == api::task_kind::kReview ? api::verdict::kIncomplete : "";
    log(out.message);
    return out;
  };

  try {
    const auto& spec = agent.spec;
    if (spec.command.empty() || spec.command.front().empty()) {
      return invalid_spec("agent " + agent.metadata.name + ": spec.command: required");
    }
    const std::string via = spec.promptVia.empty() ? api::prompt_via::kFile : spec.promptVia;
    if (via != api::prompt_via::kFile && via != api::prompt_via::kStdin && via != api::prompt_via::kArg) {
      return invalid_spec("agent " + agent.metadata.name + ": spec.promptVia: unsupported value \"" +
                          via + "\" (file, stdin or arg)");
    }
    if (task.spec.kind != api::task_kind::kCode && task.spec.kind != api::task_kind::kReview) {
      return invalid_spec("spec.kind: unsupported value \"" + task.spec.kind + "\" (code or review)");
    }
    std::error_code ec;
    if (!fs::is_directory(workspace, ec)) {
      return invalid_spec("workspace " + workspace.string() + " does not exist");
    }
    fs::create_directories(state_dir);
    const fs::path prompt_file = fs::absolute(state_dir / kPromptFileName);
    const fs::path result_file = fs::absolute(state_dir / kAgentResultFileName);
    const fs::path diff_file = fs::absolute(state_dir / kReviewDiffFileName);
    const bool review = task.spec.kind == api::task_kind::kReview;
    // A result left by an earlier attempt must not be mistaken for this run's.
    fs::remove(result_file, ec);
    if (review && !fs::exists(diff_file, ec)) {
      log("warning: no diff at " + diff_file.string() + " (prepare writes it for reviews)");
    }

    RepoInstructions repo = read_repo_instructions(workspace, spec.instructionsPath);
    if (!repo.error.empty()) return invalid_spec("agent " + agent.metadata.name + ": " + repo.error);
    if (!repo.warning.empty()) log("warning: " + repo.warning);

    PromptInputs inputs;
    inputs.repo_instructions = repo.content;
    inputs.result_file = result_file.string();
    if (review) inputs.diff_file = diff_file.string();
    PromptLimits limits;
    if (via == api::prompt_via::kArg) limits.max_total_bytes = kMaxArgPromptBytes;
    const std::string prompt = compose_prompt(task, agent, inputs, limits);
    write_text(prompt_file, prompt);

    EnvMap redraft_vars{
        {"REDRAFT_PROMPT_FILE", prompt_file.string()},
        {"REDRAFT_RESULT_FILE", result_file.string()},
        {"REDRAFT_TASK_KIND", task.spec.kind},
        {"REDRAFT_WORKSPACE", fs::absolute(workspace).string()},
    };
    if (review) redraft_vars["REDRAFT_DIFF_FILE"] = diff_file.string();
    AgentEnvResult env = build_agent_env(options.parent_env ? *options.parent_env : current_environment(),
                                         spec.env, redraft_vars, global_redactor().secrets());
    for (const auto& warning : env.warnings) log("warning: " + warning);

    ProcessSpec process;
    process.argv.assign(spec.command.begin(), spec.command.end());
    process.argv.insert(process.argv.end(), spec.args.begin(), spec.args.end());
    if (via == api::prompt_via::kArg) process.argv.push_back(prompt);
    if (via == api::prompt_via::kStdin) process.stdin_data = prompt;
    process.cwd = workspace;
    process.env = std::move(env.env);
    const std::int64_t timeout_s = effective_timeout_seconds(task, agent);
    process.timeout = options.timeout ? *options.timeout : std::chrono::milliseconds(timeout_s * 1000);
    process.kill_grace = options.kill_grace;
    process.on_line = log;

    log("running " + spec.command.front() + " (" + task.spec.kind + " task, prompt via " + via +
        ", timeout " + std::to_string(process.timeout.count() / 1000) + "s)");
    ProcessResult run = run_process(process);

    AgentRunFacts facts;
    facts.task_kind = task.spec.kind;
    facts.started = run.started;
    facts.start_error = run.start_error;
    facts.exit_code = run.exit_code;
    facts.term_signal = run.term_signal;
    facts.timed_out = run.timed_out;
    facts.timeout_seconds = static_cast<double>(process.timeout.count()) / 1000.0;
    facts.seconds = run.seconds;
    AgentPhaseOutcome outcome = decide_agent_outcome(facts, read_agent_result(result_file));
    outcome.message = redacted(outcome.message);
    outcome.summary = redacted(outcome.summary);
    for (auto& f : outcome.findings) {
      f.message = redacted(f.message);
      f.suggestion = redacted(f.suggestion);
    }
    log(outcome.message);
    return outcome;
  } catch (const std::exception& e) {
    AgentPhaseOutcome out;
    out.reason = api::reason::kInternalError;
    out.message = redacted(std::string("agent phase failed: ") + e.what());
    out.verdict = task.spec.kind == api::task_kind::kReview ? api::verdict::kIncomplete : "";
    log(out.message);
    return out;
  }
}

}  // namespace redraft::executor
