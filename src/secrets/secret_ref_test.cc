#include "secrets/secret_ref.h"

#include <gtest/gtest.h>

#include <cstdlib>

#include "support/temp_dir.h"

namespace chitin::secrets {
namespace {

using chitin::testing::TempDir;
using chitin::testing::write_text;

TEST(SecretRef, EnvAndFileSourcesResolve) {
  ::setenv("CHITIN_TEST_REF_KEY", "sk-from-env-123", 1);
  auto env =
      parse_secret_ref(R"({"source":"env","provider":"default","id":"CHITIN_TEST_REF_KEY"})");
  ASSERT_TRUE(env) << env.error().describe();
  EXPECT_EQ(*resolve_secret_ref(*env, ""), "sk-from-env-123");
  ::unsetenv("CHITIN_TEST_REF_KEY");
  EXPECT_FALSE(resolve_secret_ref(*env, ""));

  TempDir dir;
  const std::string file = dir.file("secrets.json");
  write_text(file, R"({"providers":{"openai":{"apiKey":"sk-from-file-1"}},"a/b":["x","y~z"]})");
  auto ref = parse_secret_ref(
      R"({"source":"file","provider":"filemain","id":"/providers/openai/apiKey"})");
  ASSERT_TRUE(ref);
  EXPECT_EQ(*resolve_secret_ref(*ref, file), "sk-from-file-1");
  ref->id = "/a~1b/1";
  EXPECT_EQ(*resolve_secret_ref(*ref, file), "y~z");
  for (const char* missing : {"/providers/none", "/a~1b/2", "/a~1b/01", "/providers", "/a~2b"}) {
    ref->id = missing;
    EXPECT_FALSE(resolve_secret_ref(*ref, file)) << missing;
  }
  ref->id = "providers/openai";
  EXPECT_FALSE(resolve_secret_ref(*ref, file));
  write_text(file, "single-value-secret\n");
  ref->id = "value";
  EXPECT_EQ(*resolve_secret_ref(*ref, file), "single-value-secret");
  EXPECT_FALSE(resolve_secret_ref(*ref, dir.file("absent.json")));
}

TEST(SecretRef, UnsupportedAndMalformedRefsAreRefused) {
  for (const char* bad :
       {"", "[]", R"({"source":"env"})", R"({"source":"exec","provider":"p","id":"x"})",
        R"({"source":"store","provider":"p","id":"x"})",
        R"({"source":"s3","provider":"p","id":"x"})", R"({"source":"env","provider":"p","id":""})",
        R"({"source":1,"provider":"p","id":"x"})"}) {
    EXPECT_FALSE(parse_secret_ref(bad)) << bad;
  }
}

}  // namespace
}  // namespace chitin::secrets
