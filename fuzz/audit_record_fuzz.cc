// Fuzz target: audit record parsing (the verifier's fixed-offset frame parse and the full
// JSON parse used by tail/export). Neither may crash; a frame that parses with a matching
// hash must also parse fully and re-encode to the same bytes (the encoding is canonical).

#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "audit/record.h"
#include "audit/segments.h"
#include "fuzz_target.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace chitin::audit;
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  (void)is_checkpoint_line(line);
  auto record = parse_record(line);
  auto frame = parse_frame(line);
  if (frame && frame->hash_matches() && record) {
    auto again = encode_record(record->seq, record->ts,
                               Event{record->type, record->actor, record->session, record->details},
                               frame->prev);
    // Only records we could have written must round-trip exactly.
    if (again && again->line.substr(0, again->line.size() - 1) != line &&
        check_event_type(record->type).has_value() && record->details.is_object()) {
      std::abort();
    }
  }
  return 0;
}
