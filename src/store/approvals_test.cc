#include "store/approvals.h"

#include <gtest/gtest.h>

#include <thread>

#include "support/temp_dir.h"

namespace chitin::store {
namespace {

class ApprovalStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    paths_.home = dir_.path();
    auto store = ApprovalStore::open(paths_);
    ASSERT_TRUE(store) << store.error().describe();
    store_ = std::move(*store);
  }
  testing::TempDir dir_;
  config::StatePaths paths_;
  std::unique_ptr<ApprovalStore> store_;
};

TEST_F(ApprovalStoreTest, RequestListResolveOnce) {
  const nlohmann::json action = {{"tool", "exec"}, {"argv", {"make", "test"}}};
  auto approval = store_->request(action, "agent:main", std::chrono::seconds(60));
  ASSERT_TRUE(approval);
  EXPECT_TRUE(approval->id.starts_with("ap_"));
  auto pending = store_->pending();
  ASSERT_TRUE(pending);
  ASSERT_EQ(pending->size(), 1U);
  EXPECT_EQ((*pending)[0].action, action);
  auto resolved = store_->resolve(approval->id, true, "cli");
  ASSERT_TRUE(resolved);
  EXPECT_EQ(resolved->status, "approved");
  EXPECT_EQ(resolved->resolved_by, "cli");
  const auto again = store_->resolve(approval->id, false, "cli");
  ASSERT_FALSE(again);
  EXPECT_NE(again.error().message.find("already approved"), std::string::npos);
  EXPECT_FALSE(store_->resolve("ap_missing", true, "cli"));
  EXPECT_TRUE(store_->pending()->empty());
}

TEST_F(ApprovalStoreTest, ATimeoutDenies) {
  auto approval = store_->request({{"tool", "exec"}}, "agent", std::chrono::seconds(0));
  ASSERT_TRUE(approval);
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  EXPECT_TRUE(store_->pending()->empty());
  EXPECT_EQ((*store_->get(approval->id))->status, "expired");
  EXPECT_FALSE(store_->resolve(approval->id, true, "cli"));
}

TEST_F(ApprovalStoreTest, AnotherProcessSeesTheSameApprovals) {
  auto approval = store_->request({{"tool", "write"}}, "agent", std::chrono::seconds(60));
  ASSERT_TRUE(approval);
  auto other = ApprovalStore::open(paths_);  // a second connection, as another process has
  ASSERT_TRUE(other);
  ASSERT_EQ((*other)->pending()->size(), 1U);
  ASSERT_TRUE((*other)->resolve(approval->id, false, "gateway"));
  EXPECT_EQ((*store_->get(approval->id))->status, "denied");
}

TEST_F(ApprovalStoreTest, OversizedActionsAreRefused) {
  EXPECT_FALSE(
      store_->request({{"blob", std::string(70000, 'x')}}, "agent", std::chrono::seconds(60)));
}

}  // namespace
}  // namespace chitin::store
