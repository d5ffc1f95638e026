#include "base/result.h"

#include <gtest/gtest.h>

#include <cerrno>

#include "base/parse.h"

namespace chitin {
namespace {

Result<int> half(int value) {
  if (value % 2 != 0) {
    return fail(ErrorCode::kInvalidInput, "{} is odd", value);
  }
  return value / 2;
}

Result<int> quarter(int value) {
  const int h = CHITIN_TRY(half(value));
  return CHITIN_TRY(half(h));
}

Result<void> check_even(int value) {
  CHITIN_RETURN_IF_ERROR(half(value));
  return {};
}

TEST(ResultTest, TryPropagatesValueAndError) {
  ASSERT_TRUE(quarter(8).has_value());
  EXPECT_EQ(*quarter(8), 2);
  auto bad = quarter(6);  // 6 -> 3 -> odd
  ASSERT_FALSE(bad.has_value());
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(bad.error().message, "3 is odd");
}

TEST(ResultTest, ReturnIfErrorWorksForVoid) {
  EXPECT_TRUE(check_even(4).has_value());
  EXPECT_FALSE(check_even(5).has_value());
}

TEST(ResultTest, ErrnoFailMapsCommonErrnosAndDescribesThem) {
  auto e = errno_fail(ENOENT, "open /nowhere").value();
  EXPECT_EQ(e.code, ErrorCode::kNotFound);
  EXPECT_EQ(e.describe(), "open /nowhere: No such file or directory");
  EXPECT_EQ(errno_fail(EACCES, "x").value().code, ErrorCode::kPermission);
  EXPECT_EQ(errno_fail(EEXIST, "x").value().code, ErrorCode::kAlreadyExists);
  EXPECT_EQ(errno_fail(EIO, "x").value().code, ErrorCode::kIo);
}

TEST(ParseIntegerTest, AcceptsOnlyWholeDecimalIntegersInRange) {
  EXPECT_EQ(*parse_integer<int>("42"), 42);
  EXPECT_EQ(*parse_integer<int>("-7"), -7);
  EXPECT_FALSE(parse_integer<int>("").has_value());
  EXPECT_FALSE(parse_integer<int>("12abc").has_value());
  EXPECT_FALSE(parse_integer<int>(" 12").has_value());
  EXPECT_FALSE(parse_integer<int>("0x10").has_value());
  EXPECT_FALSE(parse_integer<int>("99999999999").has_value());
  auto out_of_range = parse_integer<int>("70000", 1, 65535);
  ASSERT_FALSE(out_of_range.has_value());
  EXPECT_EQ(out_of_range.error().message, "70000 is out of range 1..65535");
  EXPECT_FALSE(parse_integer<unsigned>("-1").has_value());
}

}  // namespace
}  // namespace chitin
