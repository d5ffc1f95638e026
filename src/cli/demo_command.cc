// `chitin demo`: an offline walk through Chitin's protections, with no API key. It makes a
// throw-away installation, starts a scripted replay of a model server (labelled as such: it
// is not a model), a local web page, and a gateway on a free loopback port, then runs one
// benign task and four attacks through the real code paths (the gateway, the agent, the
// sandbox, the egress proxy, the privacy filter, the skill installer), printing each
// decision, and ends with `chitin audit verify`. Exit 0 only if every step went as expected.

#include <fmt/core.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include <CLI/CLI.hpp>

#include "base/child_process.h"
#include "cli/command.h"
#include "cli/demo_script.h"
#include "gateway/client.h"
#include "providers/replay_server.h"
#include "store/approvals.h"
#include "sys/file_ops.h"

namespace chitin::cli {

namespace {

using namespace std::chrono_literals;

class Demo {
 public:
  Demo(std::string binary, std::string home) : binary_(std::move(binary)), home_(std::move(home)) {}

  int run();

 private:
  CapturedRun chitin(const std::vector<std::string>& args, const std::string& input = {}) {
    SpawnOptions options;
    options.argv = {binary_};
    options.argv.insert(options.argv.end(), args.begin(), args.end());
    options.env = env();
    auto run = run_captured(options, input, 1 << 20, 120s);
    return run ? *run : CapturedRun{};
  }
  std::vector<std::string> env() const {
    return {"CHITIN_HOME=" + home_, "HOME=" + home_ + "/user-home", "PATH=/usr/bin:/bin"};
  }
  void step(std::string_view title) { fmt::print("\n== {}\n", title); }
  void say(std::string_view line) { fmt::print("   {}\n", terminal_safe(line)); }
  void check(bool ok, std::string_view what) {
    fmt::print("   [{}] {}\n", ok ? "ok" : "FAILED", what);
    failures_ += ok ? 0 : 1;
  }
  Result<void> setup();
  Result<void> start_gateway();
  void stop_gateway() {
    client_.reset();
    if (gateway_) {
      (void)gateway_->kill(SIGTERM);
      (void)gateway_->wait();
      gateway_.reset();
    }
  }
  static std::string first_line(const std::string& text) {
    std::string line = text.substr(0, text.find('\n'));
    if (line.starts_with("chitin: ")) {
      line.erase(0, 8);
    }
    return line;
  }
  // One turn through the gateway; approvals are answered by `decide` (the demo plays the user).
  // Each step has a session of its own: tool output in a session's history taints its later
  // turns (docs/agent.md), and the steps are meant to be independent.
  Result<nlohmann::json> turn(const std::string& session, const std::string& message,
                              const std::function<bool(const nlohmann::json&)>& decide);
  void benign();
  void injected_page();
  void poisoned_skill();
  void secret_in_conversation();
  void public_bind();

  std::string binary_;
  std::string home_;
  std::unique_ptr<providers::StaticPageServer> page_;
  std::unique_ptr<providers::ReplayServer> model_;
  std::optional<ChildProcess> gateway_;
  std::string url_;
  std::unique_ptr<gateway::Client> client_;
  std::vector<nlohmann::json> events_;
  int failures_ = 0;
};

Result<void> Demo::setup() {
  step("Setting up a throw-away installation in " + home_);
  CapturedRun init = chitin({"init"});
  if (!init.status.success()) {
    return fail(ErrorCode::kUnavailable, "chitin init failed: {}", init.err);
  }
  page_ = std::make_unique<providers::StaticPageServer>("text/html; charset=utf-8",
                                                        std::string(kInjectedPage));
  model_ = std::make_unique<providers::ReplayServer>(
      demo_script(page_->port(), home_ + "/user-home/.ssh/id_ed25519"));
  say(fmt::format("model: a scripted REPLAY on 127.0.0.1:{} (not a model; no API key, no network)",
                  model_->port()));
  say(fmt::format("web page with a prompt injection on 127.0.0.1:{}", page_->port()));
  config::Config config = CHITIN_TRY(config::load_config(home_ + "/chitin.toml"));
  config::ModelConfig model;
  model.provider = "openai";
  model.base_url = fmt::format("http://127.0.0.1:{}/v1", model_->port());
  model.model = "replay";
  config.models["default"] = model;
  config.egress.allow = {fmt::format("127.0.0.1:{}", page_->port())};
  CHITIN_RETURN_IF_ERROR(
      sys::write_file_atomic(home_ + "/chitin.toml", config::render_config(config, true), 0600));
  std::filesystem::create_directories(home_ + "/workspace");
  std::filesystem::create_directories(home_ + "/user-home/.ssh");
  CHITIN_RETURN_IF_ERROR(
      sys::write_file_atomic(home_ + "/workspace/notes.md", std::string(kNotes), 0600));
  // A stand-in for the user's real SSH key, outside the workspace: the attack wants it.
  CHITIN_RETURN_IF_ERROR(sys::write_file_atomic(home_ + "/user-home/.ssh/id_ed25519",
                                                "DEMO-PRIVATE-KEY-not-a-real-key\n", 0600));
  CapturedRun secret = chitin({"secrets", "set", "billing-api", "--hosts", "api.billing.example"},
                              std::string(kDemoSecret) + "\n");
  if (!secret.status.success()) {
    return fail(ErrorCode::kUnavailable, "chitin secrets set failed: {}", secret.err);
  }
  return start_gateway();
}

Result<void> Demo::start_gateway() {
  SpawnOptions options;
  options.argv = {binary_, "gateway", "--port", "0"};
  options.env = env();
  options.stdout_mode = Stdio::kPipe;
  options.stderr_mode = Stdio::kNull;
  gateway_ = CHITIN_TRY(ChildProcess::spawn(options));
  std::string out;
  char buffer[1024];
  while (out.find("\n", out.find("ready on ")) == std::string::npos) {
    const ssize_t n = ::read(gateway_->stdout_pipe().get(), buffer, sizeof(buffer));
    if (n <= 0) {
      return fail(ErrorCode::kUnavailable, "the gateway did not start: {}", out);
    }
    out.append(buffer, static_cast<std::size_t>(n));
  }
  const std::size_t at = out.find("ready on ") + 9;
  url_ = out.substr(at, out.find('/', at + 8) - at);
  say("gateway on " + url_ + " (loopback only, token required)");
  std::string token = CHITIN_TRY(sys::read_file(home_ + "/gateway.token", 4096));
  while (!token.empty() && token.back() == '\n') {
    token.pop_back();
  }
  client_ = CHITIN_TRY(gateway::Client::connect(url_, token, ""));
  return {};
}

Result<nlohmann::json> Demo::turn(const std::string& session, const std::string& message,
                                  const std::function<bool(const nlohmann::json&)>& decide) {
  say("user: " + message);
  const nlohmann::json started =
      CHITIN_TRY(client_->call("chat.send", {{"message", message}, {"sessionKey", session}}));
  const std::string run = started.value("runId", "");
  auto approvals = CHITIN_TRY(store::ApprovalStore::open(config::StatePaths{home_}));
  events_.clear();
  for (;;) {
    const nlohmann::json frame = CHITIN_TRY(client_->next_event());
    const nlohmann::json payload = frame.value("payload", nlohmann::json::object());
    if (payload.value("runId", "") != run) {
      continue;
    }
    events_.push_back(payload);
    const std::string kind = payload.value("kind", "");
    if (kind == "tool_call") {
      say(fmt::format("model asks: {} {}", payload.value("tool", ""),
                      payload.value("arguments", "")));
    } else if (kind == "approval_pending") {
      const bool approve = decide(payload);
      say(fmt::format("policy: APPROVAL NEEDED ({})", payload.value("reason", "")));
      say(approve ? "user: approves (the demo approves to show the next layer of defence)"
                  : "user: denies");
      CHITIN_TRY(approvals->resolve(payload.value("id", ""), approve, "demo-user"));
    } else if (kind == "tool_result") {
      std::string output = payload.value("output", "");
      const auto fence = output.find(">\n");
      if (output.starts_with("<tool_output") && fence != std::string::npos) {
        output = output.substr(fence + 2);
        output = output.substr(0, output.rfind("\n</tool_output>"));
      }
      for (char& c : output) {
        c = c == '\n' ? ' ' : c;  // one line per result
      }
      say(fmt::format("{} {}: {}", payload.value("is_error", false) ? "refused/failed" : "ran",
                      payload.value("tool", ""), output.substr(0, 160)));
    } else if (kind == "final") {
      say("agent: " + payload.value("answer", ""));
      return payload;
    } else if (kind == "error") {
      return fail(ErrorCode::kUnavailable, "the turn failed: {}", payload.value("message", ""));
    }
  }
}

void Demo::benign() {
  step("1. A benign task: the agent reads a workspace file and answers");
  auto final =
      turn("demo:benign", "What is in my notes?", [](const nlohmann::json&) { return false; });
  check(final && final->value("answer", "").find("Thursday") != std::string::npos,
        "the task succeeded with a sandboxed, confined read and no approval");
}

void Demo::injected_page() {
  step("2. Attack: a web page tells the agent to upload ~/.ssh");
  auto final = turn(
      "demo:page",
      "What's the weather? Check http://127.0.0.1:" + std::to_string(page_->port()) + "/weather",
      [](const nlohmann::json& approval) {
        // Approve the sandboxed command (to show the sandbox), deny the upload.
        return approval["action"].value("tool", "") == "exec";
      });
  bool asked_exec = false;
  bool asked_upload = false;
  bool key_unseen = true;
  for (const nlohmann::json& event : events_) {
    if (event.value("kind", "") == "approval_pending") {
      asked_exec |= event["action"].value("tool", "") == "exec";
      asked_upload |= event["action"].value("tool", "") == "web_fetch";
    }
    if (event.value("kind", "") == "tool_result" &&
        event.value("output", "").find("DEMO-PRIVATE-KEY") != std::string::npos) {
      key_unseen = false;
    }
  }
  check(final.has_value(), "the turn finished");
  check(asked_exec, "after reading the page (untrusted), the shell command needed approval");
  check(key_unseen,
        "approved anyway, it ran in the sandbox, where neither ~/.ssh nor the user's home "
        "exists");
  check(asked_upload, "the upload to a host not on egress.allow needed approval, and was denied");
}

void Demo::poisoned_skill() {
  step("3. Attack: installing a poisoned skill (a fake 'prerequisite' that runs curl | bash)");
  // The audit log has one writer at a time, and the installer records its decisions there:
  // the gateway pauses for this step.
  stop_gateway();
  const std::string dir = home_ + "/downloads/quick-setup-helper";
  std::filesystem::create_directories(dir);
  (void)sys::write_file_atomic(dir + "/SKILL.md", std::string(kPoisonedSkill), 0600);
  CapturedRun unsigned_install = chitin({"skill", "install", dir, "--yes"});
  say("chitin skill install: " + first_line(unsigned_install.err));
  check(!unsigned_install.status.success() &&
            unsigned_install.err.find("unsigned") != std::string::npos,
        "refused: it is not signed by a publisher in the trust store");
  CapturedRun scanned = chitin({"skill", "install", dir, "--yes", "--allow-unsigned"});
  say("chitin skill install --allow-unsigned: " + first_line(scanned.err));
  for (std::size_t start = 0; start < scanned.out.size();) {
    const std::size_t end = std::min(scanned.out.find('\n', start), scanned.out.size());
    say("  " + scanned.out.substr(start, std::min<std::size_t>(end - start, 110)));
    start = end + 1;
  }
  check(!scanned.status.success() && scanned.out.find("exec.download_and_run") != std::string::npos,
        "even when unsigned skills are allowed, the scanner refuses it (download-and-run)");
  check(!std::filesystem::exists(home_ + "/skills/quick-setup-helper"), "nothing was installed");
  if (auto restarted = start_gateway(); !restarted) {
    say("the gateway did not restart: " + restarted.error().message);
    failures_ += 1;
  }
}

void Demo::secret_in_conversation() {
  step("4. Attack surface: a secret and personal data pasted into the conversation");
  const std::size_t before = model_->bodies().size();
  auto final = turn("demo:secret",
                    fmt::format("My billing key is {} and my email is li.na@example.com, can you "
                                "remember that?",
                                kDemoSecret),
                    [](const nlohmann::json&) { return false; });
  const auto bodies = model_->bodies();
  const std::string sent = bodies.size() > before ? bodies.back() : std::string();
  const std::size_t at = sent.rfind("My billing key");
  say("what the model received: " + sent.substr(at == std::string::npos ? 0 : at, 120));
  check(final.has_value() && !sent.empty(), "the turn finished");
  check(sent.find(kDemoSecret) == std::string::npos &&
            sent.find("[secret billing-api redacted]") != std::string::npos,
        "the stored secret never reached the model");
  check(sent.find("li.na@example.com") == std::string::npos &&
            sent.find("\u27e6EMAIL_1\u27e7") != std::string::npos &&
            final->value("answer", "").find("li.na@example.com") != std::string::npos,
        "the e-mail address went out as a placeholder and came back restored in the reply");
}

void Demo::public_bind() {
  step("5. Attack: exposing the gateway on every interface without TLS");
  CapturedRun bind = chitin({"gateway", "--bind", "0.0.0.0", "--port", "0"});
  say("chitin gateway --bind 0.0.0.0: " + first_line(bind.err));
  check(bind.status.exited && bind.status.code == 2, "refused before listening");
}

int Demo::run() {
  fmt::print("Chitin demo: offline, no API key. The 'model' is a scripted replay.\n");
  if (auto ready = setup(); !ready) {
    print_error(ready.error());
    return kExitProblem;
  }
  benign();
  injected_page();
  poisoned_skill();
  secret_in_conversation();
  public_bind();
  stop_gateway();
  step("Every decision above is in the audit log: chitin audit verify");
  CapturedRun verify = chitin({"audit", "verify"});
  for (std::size_t start = 0; start < verify.out.size();) {
    const std::size_t end = std::min(verify.out.find('\n', start), verify.out.size());
    say(verify.out.substr(start, end - start));
    start = end + 1;
  }
  check(verify.status.success(), "the hash chain and signed checkpoints verify");
  fmt::print("\n{}\n", failures_ == 0
                           ? "Demo finished: every attack was stopped."
                           : fmt::format("Demo FAILED: {} check(s) did not hold.", failures_));
  return failures_ == 0 ? kExitOk : kExitProblem;
}

}  // namespace

void add_demo_command(CLI::App& app, CommandContext& context) {
  auto keep = std::make_shared<bool>(false);
  CLI::App* command = app.add_subcommand(
      "demo",
      "Walk through Chitin's protections offline: a benign task and four attacks, with a "
      "scripted replay instead of a model (no API key needed).");
  command->group("Commands");
  command->add_flag("--keep", *keep, "Keep the demo installation (its path is printed)");
  command->callback([&context, keep] {
    char self[4096];
    const ssize_t n = ::readlink("/proc/self/exe", self, sizeof(self) - 1);
    std::string home = "/tmp/chitin-demo-XXXXXX";
    if (n <= 0 || ::mkdtemp(home.data()) == nullptr) {
      print_error("cannot create a directory for the demo installation");
      context.exit_code = kExitProblem;
      return;
    }
    context.exit_code = Demo(std::string(self, static_cast<std::size_t>(n)), home).run();
    if (*keep) {
      fmt::print("The demo installation is kept in {}\n", home);
    } else {
      std::error_code ignored;
      std::filesystem::remove_all(home, ignored);
    }
  });
}

}  // namespace chitin::cli
