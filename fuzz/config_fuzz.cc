// Fuzz target: chitin.toml parsing and validation. Any input must give a Config or an Error,
// never a crash; a Config that parses must render to text that parses to the same rendering.

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto config = chitin::config::parse_config(text, "fuzz.toml");
  if (config) {
    const std::string rendered = chitin::config::render_config(*config, true);
    auto again = chitin::config::parse_config(rendered, "rendered.toml");
    if (!again || chitin::config::render_config(*again, true) != rendered) {
      std::abort();
    }
  }
  return 0;
}
