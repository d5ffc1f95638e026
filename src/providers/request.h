#pragma once
// Request bodies for the two APIs, from one conversation (messages.h), with streaming on.

#include <cstdint>
#include <string>
#include <vector>

#include "base/result.h"
#include "providers/messages.h"

namespace chitin::providers {

struct RequestOptions {
  std::string model;
  std::int64_t max_tokens = 4096;
};

// POST {base_url}/chat/completions
Result<std::string> openai_request_body(const std::vector<Message>& messages,
                                        const std::vector<ToolSpec>& tools,
                                        const RequestOptions& options);
// POST {base_url}/v1/messages; system messages become the top-level "system" text.
Result<std::string> anthropic_request_body(const std::vector<Message>& messages,
                                           const std::vector<ToolSpec>& tools,
                                           const RequestOptions& options);

}  // namespace chitin::providers
