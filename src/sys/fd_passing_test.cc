#include "sys/fd_passing.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/socket.h>
#include <unistd.h>

#include <vector>

namespace chitin::sys {
namespace {

struct SocketPair {
  UniqueFd a;
  UniqueFd b;
};

SocketPair seqpacket_pair() {
  int fds[2];
  EXPECT_EQ(::socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds), 0);
  return {UniqueFd(fds[0]), UniqueFd(fds[1])};
}

TEST(FdPassingTest, PayloadAndFdsArriveTogetherAndCloseOnExec) {
  SocketPair pair = seqpacket_pair();
  auto pipe = make_pipe();
  ASSERT_TRUE(pipe);
  const int fds[] = {pipe->write.get()};
  ASSERT_TRUE(send_with_fds(pair.a.get(), "run", fds));
  auto message = receive_with_fds(pair.b.get(), 16, 4);
  ASSERT_TRUE(message) << message.error().describe();
  EXPECT_EQ(message->payload, "run");
  ASSERT_EQ(message->fds.size(), 1U);
  EXPECT_EQ(::fcntl(message->fds[0].get(), F_GETFD) & FD_CLOEXEC, FD_CLOEXEC);
  // The received fd is the same pipe: what is written through it comes out of ours.
  ASSERT_EQ(::write(message->fds[0].get(), "x", 1), 1);
  char byte = 0;
  ASSERT_EQ(::read(pipe->read.get(), &byte, 1), 1);
  EXPECT_EQ(byte, 'x');
}

TEST(FdPassingTest, ClosedPeerIsAnEmptyMessageAndSendingToItIsAnError) {
  SocketPair pair = seqpacket_pair();
  pair.a.reset();
  auto message = receive_with_fds(pair.b.get(), 16, 4);
  ASSERT_TRUE(message);
  EXPECT_TRUE(message->payload.empty());
  EXPECT_TRUE(message->fds.empty());
  const auto sent = send_with_fds(pair.b.get(), "run", {});
  ASSERT_FALSE(sent);
  EXPECT_EQ(sent.error().sys_errno, EPIPE);
}

TEST(FdPassingTest, OversizedPayloadsAndTooManyFdsAreRefusedAndTheFdsClosed) {
  SocketPair pair = seqpacket_pair();
  ASSERT_TRUE(send_with_fds(pair.a.get(), std::string(64, 'p'), {}));
  auto large = receive_with_fds(pair.b.get(), 16, 4);
  ASSERT_FALSE(large);
  EXPECT_EQ(large.error().code, ErrorCode::kLimitExceeded);

  auto pipe = make_pipe();
  ASSERT_TRUE(pipe);
  const std::vector<int> many(5, pipe->write.get());
  ASSERT_TRUE(send_with_fds(pair.a.get(), "run", many));
  auto crowded = receive_with_fds(pair.b.get(), 16, 4);
  ASSERT_FALSE(crowded);
  EXPECT_EQ(crowded.error().code, ErrorCode::kLimitExceeded);
  // Every copy that arrived was closed: with ours closed too, the reader sees EOF.
  pipe->write.reset();
  char byte;
  EXPECT_EQ(::read(pipe->read.get(), &byte, 1), 0);
}

TEST(FdPassingTest, EmptyPayloadsAndTooManyFdsAreNotSent) {
  SocketPair pair = seqpacket_pair();
  EXPECT_FALSE(send_with_fds(pair.a.get(), "", {}));
  const std::vector<int> many(kMaxPassedFds + 1, 0);
  EXPECT_FALSE(send_with_fds(pair.a.get(), "run", many));
}

}  // namespace
}  // namespace chitin::sys
