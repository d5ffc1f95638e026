// Fuzz target: the sandbox policy parser (the helper trusts nothing it is given). Any input
// gives a policy or an error; an accepted policy re-validates and survives a round trip.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "fuzz_target.h"
#include "sandbox/policy.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto policy = chitin::sandbox::policy_from_json(text);
  if (policy) {
    if (!chitin::sandbox::validate_policy(*policy)) {
      std::abort();
    }
    auto again = chitin::sandbox::policy_from_json(chitin::sandbox::policy_to_json(*policy).dump());
    if (!again || again->argv != policy->argv || again->env != policy->env) {
      std::abort();
    }
  }
  return 0;
}
