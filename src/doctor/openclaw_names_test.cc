#include "doctor/openclaw_names.h"

#include <gtest/gtest.h>

namespace chitin::doctor {
namespace {

TEST(OpenClawNames, ParameterCounts) {
  EXPECT_EQ(model_parameter_billions("ollama/gpt-oss-120b"), 120);
  EXPECT_EQ(model_parameter_billions("qwen2.5-7b-instruct"), 7);
  EXPECT_EQ(model_parameter_billions("llama-3.1-405b"), 405);
  EXPECT_EQ(model_parameter_billions("mixtral-8x7b"), 0);  // "8x7b": 7 follows a letter
  EXPECT_EQ(model_parameter_billions("deepseek-r1:1.5b"), 1);
  EXPECT_EQ(model_parameter_billions("model-70b-and-8b"), 70);
  EXPECT_EQ(model_parameter_billions("gpt-5"), 0);
  EXPECT_EQ(model_parameter_billions("v12345b"), 0);
  EXPECT_EQ(model_parameter_billions("x-12345b"), 0);  // five digits
  EXPECT_EQ(model_parameter_billions("x-7bit"), 0);
  EXPECT_EQ(model_parameter_billions(""), 0);
}

TEST(OpenClawNames, LegacyAndWeakTier) {
  EXPECT_TRUE(model_is_legacy("openai/gpt-3.5-turbo"));
  EXPECT_TRUE(model_is_legacy("anthropic/claude-2.1"));
  EXPECT_TRUE(model_is_legacy("openai/gpt-4-0613"));
  EXPECT_FALSE(model_is_legacy("openai/gpt-3.50"));
  EXPECT_FALSE(model_is_legacy("anthropic/claude-20"));
  EXPECT_FALSE(model_is_legacy("openai/gpt-5"));

  EXPECT_TRUE(model_is_weak_tier("openai/gpt-4o"));
  EXPECT_TRUE(model_is_weak_tier("anthropic/claude-3-5-sonnet"));
  EXPECT_TRUE(model_is_weak_tier("anthropic/claude-sonnet-4"));
  EXPECT_TRUE(model_is_weak_tier("anthropic/claude-haiku-4-5"));
  EXPECT_FALSE(model_is_weak_tier("anthropic/claude-sonnet-4-5"));
  EXPECT_FALSE(model_is_weak_tier("anthropic/claude-opus-4.6"));
  EXPECT_FALSE(model_is_weak_tier("openai/gpt-5"));
  EXPECT_FALSE(model_is_weak_tier("openai/gpt-10"));
  EXPECT_FALSE(model_is_weak_tier("ollama/my-gpt-4"));  // not at a segment start
  EXPECT_FALSE(model_is_weak_tier("deepseek/deepseek-chat"));
}

TEST(OpenClawNames, PinnedNpmSpecs) {
  EXPECT_TRUE(npm_spec_pinned("weather@1.2.3"));
  EXPECT_TRUE(npm_spec_pinned("@openclaw/slack@2026.9.6"));
  EXPECT_TRUE(npm_spec_pinned("x@1.0.0-rc.1+build.5"));
  EXPECT_FALSE(npm_spec_pinned("@openclaw/slack"));
  EXPECT_FALSE(npm_spec_pinned("weather"));
  EXPECT_FALSE(npm_spec_pinned("weather@^1.2.3"));
  EXPECT_FALSE(npm_spec_pinned("weather@1.2"));
  EXPECT_FALSE(npm_spec_pinned("weather@latest"));
  EXPECT_FALSE(npm_spec_pinned("weather@1.2.3 || 2"));
}

}  // namespace
}  // namespace chitin::doctor
