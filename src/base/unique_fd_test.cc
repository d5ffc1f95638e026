#include "base/unique_fd.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

namespace chitin {
namespace {

bool is_open(int fd) { return fcntl(fd, F_GETFD) != -1; }

TEST(UniqueFdTest, ClosesOnDestruction) {
  int raw = -1;
  {
    UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    ASSERT_TRUE(fd.valid());
    raw = fd.get();
    EXPECT_TRUE(is_open(raw));
  }
  EXPECT_FALSE(is_open(raw));
}

TEST(UniqueFdTest, MoveTransfersOwnership) {
  UniqueFd a(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = a.get();
  UniqueFd b(std::move(a));
  EXPECT_FALSE(a.valid());  // NOLINT(bugprone-use-after-move): checking the moved-from state
  EXPECT_EQ(b.get(), raw);
  UniqueFd c;
  c = std::move(b);
  EXPECT_EQ(c.get(), raw);
  EXPECT_TRUE(is_open(raw));
}

TEST(UniqueFdTest, ReleaseGivesUpOwnershipAndCloseReportsErrors) {
  UniqueFd fd(::open("/dev/null", O_RDONLY | O_CLOEXEC));
  const int raw = fd.release();
  EXPECT_FALSE(fd.valid());
  EXPECT_TRUE(is_open(raw));
  UniqueFd again(raw);
  EXPECT_TRUE(again.close().has_value());
  EXPECT_FALSE(is_open(raw));
  EXPECT_TRUE(again.close().has_value());  // closing an empty fd is a no-op
}

TEST(UniqueFdTest, PipeEndsAreCloseOnExec) {
  auto pipe = make_pipe();
  ASSERT_TRUE(pipe.has_value());
  EXPECT_TRUE(fcntl(pipe->read.get(), F_GETFD) & FD_CLOEXEC);
  EXPECT_TRUE(fcntl(pipe->write.get(), F_GETFD) & FD_CLOEXEC);
}

}  // namespace
}  // namespace chitin
