#include "store/sessions.h"

#include <gtest/gtest.h>

#include <thread>

#include "store/memory.h"
#include "support/temp_dir.h"

namespace chitin::store {
namespace {

using namespace std::chrono_literals;

TEST(SessionStore, TranscriptKeepsOrderAndReturnsTheNewestEntries) {
  chitin::testing::TempDir dir;
  auto store = SessionStore::open_path(dir.file("state.db"));
  ASSERT_TRUE(store.has_value()) << store.error().describe();
  ASSERT_TRUE((*store)->ensure("cli:main", "main").has_value());
  for (int i = 1; i <= 5; ++i) {
    auto seq = (*store)->append("cli:main", "user", "{\"n\":" + std::to_string(i) + "}");
    ASSERT_TRUE(seq.has_value());
    EXPECT_EQ(*seq, i);
  }
  auto last = (*store)->history("cli:main", 3);
  ASSERT_TRUE(last.has_value());
  ASSERT_EQ(last->size(), 3U);
  EXPECT_EQ(last->front().content, "{\"n\":3}");
  EXPECT_EQ(last->back().content, "{\"n\":5}");
  auto sessions = (*store)->list(10);
  ASSERT_TRUE(sessions.has_value());
  ASSERT_EQ(sessions->size(), 1U);
  EXPECT_EQ(sessions->front().entries, 5);
  // Another connection (another process) sees the same transcript.
  auto other = SessionStore::open_path(dir.file("state.db"));
  ASSERT_TRUE(other.has_value());
  EXPECT_EQ((*other)->history("cli:main", 100)->size(), 5U);
  EXPECT_TRUE((*other)->history("cli:other", 100)->empty());
}

TEST(SessionStore, BadSessionIdsAndOversizeEntriesAreRefused) {
  chitin::testing::TempDir dir;
  auto store = SessionStore::open_path(dir.file("state.db"));
  ASSERT_TRUE(store.has_value());
  for (const char* bad : {"", "a b", "x/../y", "名字"}) {
    auto made = (*store)->ensure(bad, "main");
    ASSERT_FALSE(made.has_value()) << bad;
    EXPECT_NE(made.error().message.find("session id"), std::string::npos);
  }
  EXPECT_FALSE((*store)->ensure(std::string(129, 'a'), "main").has_value());
  ASSERT_TRUE((*store)->ensure("s", "main").has_value());
  auto big = (*store)->append("s", "user", std::string(kMaxTranscriptEntryBytes + 1, 'x'));
  ASSERT_FALSE(big.has_value());
  EXPECT_EQ(big.error().code, ErrorCode::kLimitExceeded);
}

TEST(SessionStore, OneLeaseHolderAtATimeUntilReleaseOrExpiry) {
  chitin::testing::TempDir dir;
  auto a = SessionStore::open_path(dir.file("state.db"));
  auto b = SessionStore::open_path(dir.file("state.db"));
  ASSERT_TRUE(a.has_value() && b.has_value());
  ASSERT_TRUE((*a)->ensure("s", "main").has_value());
  EXPECT_TRUE(*(*a)->try_lease("s", "one", 60s));
  EXPECT_FALSE(*(*b)->try_lease("s", "two", 60s));
  EXPECT_TRUE(*(*a)->try_lease("s", "one", 60s));      // renewal
  ASSERT_TRUE((*b)->release("s", "two").has_value());  // not the holder: no effect
  EXPECT_FALSE(*(*b)->try_lease("s", "two", 60s));
  ASSERT_TRUE((*a)->release("s", "one").has_value());
  EXPECT_TRUE(*(*b)->try_lease("s", "two", 1ms));
  std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(*(*a)->try_lease("s", "one", 60s));  // the other's lease expired
  EXPECT_FALSE(*(*a)->try_lease("missing", "one", 60s));
}

TEST(SessionStore, BudgetCountersAndVault) {
  chitin::testing::TempDir dir;
  auto store = SessionStore::open_path(dir.file("state.db"));
  ASSERT_TRUE(store.has_value());
  ASSERT_TRUE((*store)->ensure("s", "main").has_value());
  const std::int64_t before = now_ms();
  ASSERT_TRUE((*store)->record_turn("s").has_value());
  ASSERT_TRUE((*store)->record_turn("s").has_value());
  EXPECT_EQ(*(*store)->turns_since("s", before), 2);
  EXPECT_EQ(*(*store)->turns_since("s", now_ms() + 1000), 0);
  EXPECT_EQ(*(*store)->tokens_on("main", "2026-12-07"), 0);
  ASSERT_TRUE((*store)->add_tokens("main", "2026-12-07", 100).has_value());
  ASSERT_TRUE((*store)->add_tokens("main", "2026-12-07", 23).has_value());
  EXPECT_EQ(*(*store)->tokens_on("main", "2026-12-07"), 123);
  EXPECT_EQ(*(*store)->tokens_on("main", "2026-12-08"), 0);
  EXPECT_EQ(*(*store)->vault("s"), "");
  ASSERT_TRUE((*store)->save_vault("s", "c2VhbGVk").has_value());
  EXPECT_EQ(*(*store)->vault("s"), "c2VhbGVk");
}

TEST(MemoryStore, FindsNotesByWordsInAnyScriptAndOnlyTheAgentsOwn) {
  chitin::testing::TempDir dir;
  auto memory = MemoryStore::open_path(dir.file("state.db"));
  ASSERT_TRUE(memory.has_value()) << memory.error().describe();
  ASSERT_TRUE((*memory)->write("main", "The deploy key rotates every Friday").has_value());
  ASSERT_TRUE((*memory)->write("main", "用户喜欢简短的回答，周五开会").has_value());
  ASSERT_TRUE((*memory)->write("main", "Lunch at noon").has_value());
  ASSERT_TRUE((*memory)->write("other", "Friday is for the other agent").has_value());
  auto friday = (*memory)->search("main", "when does the key rotate? friday", 10);
  ASSERT_TRUE(friday.has_value()) << friday.error().describe();
  ASSERT_FALSE(friday->empty());
  EXPECT_EQ(friday->front().text, "The deploy key rotates every Friday");
  for (const MemoryNote& note : *friday) {
    EXPECT_EQ(note.text.find("other agent"), std::string::npos);
  }
  auto chinese = (*memory)->search("main", "简短的回答", 10);
  ASSERT_TRUE(chinese.has_value());
  ASSERT_EQ(chinese->size(), 1U);
  auto short_term = (*memory)->search("main", "周五", 10);  // two characters: substring scan
  ASSERT_TRUE(short_term.has_value());
  ASSERT_EQ(short_term->size(), 1U);
  // FTS5 syntax in a query is text, never an operator or an error.
  auto syntax = (*memory)->search("main", "\"NEAR(deploy* OR -noon) AND ^", 10);
  ASSERT_TRUE(syntax.has_value()) << syntax.error().describe();
  auto none = (*memory)->search("main", "?! ...", 10);
  ASSERT_FALSE(none.has_value());
  EXPECT_FALSE((*memory)->search("main", std::string(2000, 'a'), 10).has_value());
  EXPECT_FALSE((*memory)->write("main", "").has_value());
  EXPECT_FALSE((*memory)->write("main", std::string(kMaxMemoryNoteBytes + 1, 'x')).has_value());
}

}  // namespace
}  // namespace chitin::store
