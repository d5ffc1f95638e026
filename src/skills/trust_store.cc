#include "skills/trust_store.h"

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <algorithm>

#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

constexpr std::string_view kSuffix = ".pub";
constexpr std::size_t kMaxKeys = 1000;

}  // namespace

Result<void> check_key_name(std::string_view name) {
  const bool ok = !name.empty() && name.size() <= 64 && name.front() != '.' &&
                  std::all_of(name.begin(), name.end(), [](char c) {
                    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                           (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
                  });
  if (!ok) {
    return fail(ErrorCode::kInvalidInput,
                "'{}' is not a key name: use 1..64 of a-z A-Z 0-9 . _ - (not starting with '.')",
                name.substr(0, 80));
  }
  return {};
}

std::optional<TrustedKey> find_key(const std::vector<TrustedKey>& keys, const KeyId& id) {
  for (const TrustedKey& key : keys) {
    if (key.key.key_id == id) {
      return key;
    }
  }
  return std::nullopt;
}

Result<std::vector<TrustedKey>> TrustStore::list() const {
  std::vector<TrustedKey> keys;
  auto exists = CHITIN_TRY(sys::status_if_exists(dir_));
  if (!exists) {
    return keys;
  }
  UniqueFd fd = CHITIN_TRY(sys::open_file(dir_, O_RDONLY | O_DIRECTORY | O_NOFOLLOW));
  for (const sys::DirectoryEntry& entry : CHITIN_TRY(sys::list_directory(fd.get(), kMaxKeys))) {
    if (!entry.name.ends_with(kSuffix) || !entry.status.is_regular) {
      continue;
    }
    const std::string path = dir_ + "/" + entry.name;
    const std::string text = CHITIN_TRY(sys::read_regular_file(path, kMaxKeyFileBytes));
    auto key = parse_public_key(text);
    if (!key) {
      return fail(ErrorCode::kInvalidInput, "{}: {}; remove it with 'chitin skill trust remove'",
                  path, key.error().message);
    }
    keys.push_back(TrustedKey{entry.name.substr(0, entry.name.size() - kSuffix.size()), *key});
  }
  return keys;
}

Result<TrustedKey> TrustStore::add(const std::string& name, std::string_view public_key_text) {
  CHITIN_RETURN_IF_ERROR(check_key_name(name));
  const MinisignPublicKey key = CHITIN_TRY(parse_public_key(public_key_text));
  CHITIN_TRY(sys::ensure_directory(dir_, 0700));
  for (const TrustedKey& existing : CHITIN_TRY(list())) {
    if (existing.name == name) {
      return fail(ErrorCode::kAlreadyExists,
                  "a key named '{}' is already trusted; remove it first or choose another name",
                  name);
    }
    if (existing.key.key_id == key.key_id) {
      return fail(ErrorCode::kAlreadyExists, "key {} is already trusted as '{}'",
                  key_id_hex(key.key_id), existing.name);
    }
  }
  const bool written =
      CHITIN_TRY(sys::write_file_atomic(dir_ + "/" + name + std::string(kSuffix),
                                        format_public_key(key), 0600, sys::WriteMode::kCreateOnly));
  if (!written) {
    return fail(ErrorCode::kAlreadyExists, "a key named '{}' is already trusted", name);
  }
  return TrustedKey{name, key};
}

Result<void> TrustStore::remove(const std::string& name) {
  CHITIN_RETURN_IF_ERROR(check_key_name(name));
  const std::string path = dir_ + "/" + name + std::string(kSuffix);
  if (::unlink(path.c_str()) != 0) {
    if (errno == ENOENT) {
      return fail(ErrorCode::kNotFound,
                  "no trusted key named '{}' (see 'chitin skill trust "
                  "list')",
                  name);
    }
    return errno_fail("cannot remove " + path);
  }
  return sys::fsync_directory(dir_);
}

}  // namespace chitin::skills
