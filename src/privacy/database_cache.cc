#include "privacy/database_cache.h"

#include <cstring>

#include "base/crypto.h"
#include "base/encoding.h"
#include "base/log.h"
#include "sys/file_ops.h"

namespace chitin::privacy {

namespace {

constexpr std::size_t kMaxCachedDatabaseBytes = 256U << 20;
constexpr std::size_t kChecksumBytes = 32;

std::string cache_key(const PatternSet& set) {
  crypto::Blake2b256 hash;
  auto add = [&](std::string_view bytes) {
    const std::string size = std::to_string(bytes.size()) + ":";
    hash.update(as_bytes(size));
    hash.update(as_bytes(bytes));
  };
  add(hs_version());
  for (std::size_t i = 0; i < set.expressions.size(); ++i) {
    add(set.expressions[i]);
    add(std::to_string(set.flags[i]) + "/" + std::to_string(set.ids[i]));
  }
  const auto digest = hash.finish();
  return hex_encode(std::span<const std::uint8_t>(digest.data(), 16));
}

struct HsMemoryFree {
  void operator()(char* bytes) const { std::free(bytes); }  // NOLINT: Vectorscan's malloc
};

}  // namespace

Result<HsDatabase> compile_patterns(const PatternSet& set) {
  std::vector<const char*> pointers;
  pointers.reserve(set.expressions.size());
  for (const std::string& expression : set.expressions) {
    pointers.push_back(expression.c_str());
  }
  hs_database_t* database = nullptr;
  hs_compile_error_t* error = nullptr;
  if (hs_compile_multi(pointers.data(), set.flags.data(), set.ids.data(),
                       static_cast<unsigned>(pointers.size()), HS_MODE_BLOCK, nullptr, &database,
                       &error) != HS_SUCCESS) {
    const std::string message = error != nullptr ? error->message : "unknown error";
    const int index = error != nullptr ? error->expression : -1;
    hs_free_compile_error(error);
    if (index >= 0) {
      return fail(ErrorCode::kInvalidInput, "{}: {}", set.describe(static_cast<unsigned>(index)),
                  message);
    }
    return fail(ErrorCode::kInvalidInput, "cannot compile the privacy patterns: {}", message);
  }
  return HsDatabase(database);
}

Result<HsDatabase> load_or_compile(const PatternSet& set, const std::string& cache_dir) {
  if (cache_dir.empty()) {
    return compile_patterns(set);
  }
  const std::string path = cache_dir + "/privacy-" + cache_key(set) + ".hsdb";
  if (auto cached = sys::read_regular_file(path, kMaxCachedDatabaseBytes);
      cached && cached->size() > kChecksumBytes) {
    const std::string_view blob = std::string_view(*cached).substr(kChecksumBytes);
    const auto digest = crypto::blake2b_256(as_bytes(blob));
    hs_database_t* database = nullptr;
    if (std::memcmp(digest.data(), cached->data(), kChecksumBytes) == 0 &&
        hs_deserialize_database(blob.data(), blob.size(), &database) == HS_SUCCESS) {
      // A database built for another CPU platform deserialises but cannot scan.
      hs_scratch_t* scratch = nullptr;
      const bool usable =
          hs_alloc_scratch(database, &scratch) == HS_SUCCESS &&
          hs_scan(
              database, "", 0, 0, scratch,
              [](unsigned, unsigned long long, unsigned long long, unsigned, void*) { return 0; },
              nullptr) == HS_SUCCESS;
      hs_free_scratch(scratch);
      if (usable) {
        return HsDatabase(database);
      }
      hs_free_database(database);
    }
    CHITIN_LOG(kInfo, "recompiling the privacy pattern cache {}", path);
  }
  HsDatabase database = CHITIN_TRY(compile_patterns(set));
  char* bytes = nullptr;
  std::size_t length = 0;
  if (hs_serialize_database(database.get(), &bytes, &length) == HS_SUCCESS) {
    const std::unique_ptr<char, HsMemoryFree> owned(bytes);
    const auto digest = crypto::blake2b_256(as_bytes(std::string_view(bytes, length)));
    std::string file(as_chars(digest));
    file.append(bytes, length);
    // The parent too: ~/.cache may not exist yet when there is no installation.
    const std::size_t slash = cache_dir.rfind('/');
    if (slash != std::string::npos && slash > 0) {
      (void)sys::ensure_directory(cache_dir.substr(0, slash), 0700);
    }
    auto made = sys::ensure_directory(cache_dir, 0700);
    auto written = made ? sys::write_file_atomic(path, file, 0600, sys::WriteMode::kReplace)
                        : Result<bool>(tl::make_unexpected(made.error()));
    if (!written) {
      CHITIN_LOG(kWarn, "cannot cache the privacy patterns in {}: {}", cache_dir,
                 written.error().describe());
    }
  }
  return database;
}

}  // namespace chitin::privacy
