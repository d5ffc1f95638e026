#pragma once
// The agent tests' fixture: an agent over a temporary installation, talking to a scripted
// fake model server (providers::ReplayServer), with helpers that resolve approvals from
// another thread as another process would.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <mutex>
#include <thread>

#include "agent/agent.h"
#include "privacy/test_detector.h"
#include "providers/replay_server.h"
#include "support/audit_fixture.h"
#include "support/temp_dir.h"

namespace chitin::agent {

using namespace std::chrono_literals;
using chitin::providers::ReplayServer;
using chitin::providers::Scripted;
using chitin::testing::TempDir;

// An agent over a temporary installation, talking to a scripted fake model server.
class AgentTest : public ::testing::Test {
 protected:
  void SetUp() override { std::filesystem::create_directories(temp_.file("ws")); }

  Agent& start(std::vector<Scripted> script, config::AgentConfig agent = {},
               std::vector<std::string> egress_allow = {},
               providers::Api api = providers::Api::kOpenAi) {
    agent_.reset();
    log_.reset();  // one writer at a time: the previous agent's log closes first
    server_ = std::make_unique<ReplayServer>(std::move(script));
    log_ = audit_.open();
    sessions_ = std::move(*store::SessionStore::open_path(temp_.file("state.db")));
    approvals_ = std::move(*store::ApprovalStore::open(config::StatePaths{temp_.path()}));
    memory_ = std::move(*store::MemoryStore::open_path(temp_.file("state.db")));
    AgentServices services;
    services.config.agent = agent;
    services.config.egress.allow = std::move(egress_allow);
    services.config.sandbox.timeout_s = 20;
    services.paths = config::StatePaths{temp_.path()};
    services.workspace = temp_.file("ws");
    services.audit = log_.get();
    services.sessions = sessions_.get();
    services.approvals = approvals_.get();
    services.memory = memory_.get();
    services.detector = &privacy::shared_detector();
    services.stored_secrets = std::make_shared<const secrets::LeakScanner>(
        std::vector<secrets::NamedValue>{{"openai", "sk-proj-TOPSECRETvalue0123456789"}});
    services.vault_key.fill(7);
    services.endpoint.api = api;
    services.endpoint.base_url = server_->base() + (api == providers::Api::kOpenAi ? "/v1" : "");
    services.endpoint.model = "scripted";
    services.endpoint.backoff = 5ms;
    services.endpoint.idle_timeout = 2s;
    services.sandbox_helper = CHITIN_SANDBOX_BINARY;
    services.approval_poll = 10ms;
    agent_ = std::make_unique<Agent>(std::move(services));
    return *agent_;
  }

  Result<TurnResult> turn(const std::string& text, const std::string& session = "test:main") {
    TurnRequest request;
    request.session = session;
    request.text = text;
    events_.clear();
    return agent_->run_turn(request, [this](const TurnEvent& event) {
      std::lock_guard lock(mu_);
      events_.push_back(event);
    });
  }

  std::vector<TurnEvent> events(const std::string& type) {
    std::lock_guard lock(mu_);
    std::vector<TurnEvent> out;
    for (const TurnEvent& event : events_) {
      if (event.type == type) {
        out.push_back(event);
      }
    }
    return out;
  }

  // Resolves the first approval that appears, from another thread (as another process would).
  // It keeps looking until the test's turn has returned (stop_): under ASan the first
  // web_fetch compiles the proxy's secret-shape patterns, which takes many seconds.
  std::thread resolver(bool approve) {
    stop_ = false;
    return std::thread([this, approve] {
      while (!stop_) {
        auto pending = approvals_->pending();
        if (pending && !pending->empty()) {
          (void)approvals_->resolve(pending->front().id, approve, "test");
          return;
        }
        std::this_thread::sleep_for(10ms);
      }
    });
  }

  // Denies the next `count` approvals as they appear.
  std::thread denier(int count) {
    stop_ = false;
    return std::thread([this, count] {
      int done = 0;
      while (!stop_ && done < count) {
        auto pending = approvals_->pending();
        if (pending) {
          for (const store::Approval& approval : *pending) {
            done += approvals_->resolve(approval.id, false, "test").has_value() ? 1 : 0;
          }
        }
        std::this_thread::sleep_for(10ms);
      }
    });
  }

  std::vector<std::string> audit_types() {
    return chitin::testing::audit_record_types(*log_, audit_.dir());
  }

  TempDir temp_;
  chitin::testing::AuditFixture audit_;
  std::unique_ptr<ReplayServer> server_;
  std::unique_ptr<audit::AuditLog> log_;
  std::unique_ptr<store::SessionStore> sessions_;
  std::unique_ptr<store::ApprovalStore> approvals_;
  std::unique_ptr<store::MemoryStore> memory_;
  std::unique_ptr<Agent> agent_;
  std::mutex mu_;
  std::vector<TurnEvent> events_;
  std::atomic<bool> stop_{false};  // set when a turn has returned: helper threads end
};

}  // namespace chitin::agent
