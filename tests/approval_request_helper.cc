// Test helper: creates one pending approval in an installation's approvals store, as an agent
// turn does, and prints its id. Usage: approval_request_helper CHITIN_HOME [TTL_SECONDS]

#include <cstdio>
#include <string>

#include "base/parse.h"
#include "store/approvals.h"

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: approval_request_helper CHITIN_HOME [TTL_SECONDS]\n");
    return 2;
  }
  const int ttl = argc > 2 ? chitin::parse_integer<int>(argv[2], 0, 86400).value_or(300) : 300;
  auto store = chitin::store::ApprovalStore::open(chitin::config::StatePaths{argv[1]});
  if (!store) {
    std::fprintf(stderr, "%s\n", store.error().describe().c_str());
    return 1;
  }
  const nlohmann::json action = {{"tool", "exec"},
                                 {"argv", {"/usr/bin/make", "test"}},
                                 {"cwd", "/workspace"},
                                 {"env", nlohmann::json::array()}};
  auto approval = (*store)->request(action, "agent:test", std::chrono::seconds(ttl));
  if (!approval) {
    std::fprintf(stderr, "%s\n", approval.error().describe().c_str());
    return 1;
  }
  std::printf("%s\n", approval->id.c_str());
  return 0;
}
