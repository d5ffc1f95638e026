#include "base/shared_library.h"

#include <gtest/gtest.h>
#include <unistd.h>

namespace chitin {
namespace {

TEST(SharedLibraryTest, AMissingLibraryIsNamedWithThePackageToInstall) {
  auto library = open_shared_library("libchitin-no-such-library.so.7", "chitin-no-such-package");
  ASSERT_FALSE(library.has_value());
  EXPECT_EQ(library.error().code, ErrorCode::kUnavailable);
  EXPECT_NE(library.error().message.find("libchitin-no-such-library.so.7"), std::string::npos);
  EXPECT_NE(library.error().message.find("apt-get install chitin-no-such-package"),
            std::string::npos)
      << library.error().message;
}

TEST(SharedLibraryTest, SymbolsBindWithTheirDeclaredTypeAndMissingOnesAreSaid) {
  auto library = open_shared_library("libc.so.6", "libc6");
  ASSERT_TRUE(library.has_value()) << library.error().message;
  decltype(&::getpid) pid = nullptr;
  ASSERT_TRUE(bind_symbol(*library, "getpid", pid));
  EXPECT_EQ(pid(), getpid());
  decltype(&::getpid) missing = nullptr;
  EXPECT_FALSE(bind_symbol(*library, "chitin_no_such_function", missing));
  EXPECT_EQ(missing, nullptr);
  EXPECT_NE(missing_symbol_error("libc.so.6", "libc6").message.find("libc.so.6"),
            std::string::npos);
}

}  // namespace
}  // namespace chitin
