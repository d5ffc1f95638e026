// `chitin approvals list|approve|deny`: the pending approvals every process of this
// installation shares (the gateway, the web console and agent turns see the same ones).

#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "base/log.h"
#include "cli/command.h"
#include "store/approvals.h"

namespace chitin::cli {

namespace {

int run_list(const CommandContext& context, bool json) {
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  auto store = store::ApprovalStore::open(*paths);
  auto pending =
      store ? (*store)->pending() : Result<std::vector<store::Approval>>(fail(store.error()));
  if (!pending) {
    print_error(pending.error());
    return kExitProblem;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const store::Approval& approval : *pending) {
    out.push_back(store::to_json(approval));
    if (!json) {
      fmt::print("{}  {}  {}\n", approval.id, approval.requested_by,
                 log::escaped(approval.action.dump(), 200));
    }
  }
  if (json) {
    fmt::print("{}\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else if (pending->empty()) {
    fmt::print("no pending approvals\n");
  }
  return kExitOk;
}

int run_resolve(const CommandContext& context, const std::string& id, bool approve) {
  auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  // While another process holds the audit log (the gateway, or `chitin agent --local` waiting
  // for this very decision), the record is relayed to it (audit/relay.h); the waiting turn
  // also records approval.result when it sees the decision.
  auto log = audit::open_installation_log(state->paths, state->config);
  auto store = store::ApprovalStore::open(state->paths);
  if (!log || !store) {
    print_error(!store ? store.error() : log.error());
    return kExitProblem;
  }
  auto resolved = (*store)->resolve(id, approve, "cli");
  if (!resolved) {
    print_error(resolved.error());
    return exit_code_for(resolved.error());
  }
  if (auto audited = (*log)->append(audit::Event{"approval.resolve",
                                                 "cli",
                                                 "",
                                                 {{"id", id},
                                                  {"decision", resolved->status},
                                                  {"by", "cli"},
                                                  {"action", resolved->action}}});
      !audited) {
    print_error(audited.error());
    return kExitProblem;
  }
  fmt::print("{} {}\n", id, resolved->status);
  return kExitOk;
}

}  // namespace

void add_approvals_command(CLI::App& app, CommandContext& context) {
  CLI::App* approvals = app.add_subcommand(
      "approvals", "List and resolve pending approvals (shared with the gateway and console).");
  approvals->group("Commands");
  approvals->require_subcommand(1);
  CLI::App* list = approvals->add_subcommand("list", "List pending approvals.");
  auto json = std::make_shared<bool>(false);
  list->add_flag("--json", *json, "Print JSON objects with id, status and the action");
  list->callback([&context, json] { context.exit_code = run_list(context, *json); });
  for (const bool approve : {true, false}) {
    CLI::App* resolve = approvals->add_subcommand(
        approve ? "approve" : "deny",
        approve ? "Approve one pending action." : "Deny one pending action.");
    auto id = std::make_shared<std::string>();
    resolve->add_option("ID", *id, "Approval id from 'approvals list'")->required();
    resolve->callback(
        [&context, id, approve] { context.exit_code = run_resolve(context, *id, approve); });
  }
}

}  // namespace chitin::cli
