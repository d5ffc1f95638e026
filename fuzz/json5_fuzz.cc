// Fuzz target: JSON5 (OpenClaw's openclaw.json, read by the doctor and the importer from
// another program's installation). Any input gives a value or an error; an accepted value
// always serialises (valid UTF-8 throughout) and parses back as plain JSON.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/json5.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto value = chitin::config::parse_json5(text, "fuzz");
  if (value) {
    const std::string dumped = value->dump(-1, ' ', false, nlohmann::json::error_handler_t::strict);
    if (nlohmann::json::parse(dumped, nullptr, false).is_discarded()) {
      std::abort();
    }
  }
  return 0;
}
