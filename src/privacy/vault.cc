#include "privacy/vault.h"

#include <sodium.h>

#include <cstring>

#include "base/crypto.h"
#include "base/encoding.h"
#include "privacy/placeholder.h"
#include "sys/file_ops.h"

namespace chitin::privacy {

namespace {

constexpr std::string_view kMagic = "CHITINVAULT1";

// Keys are built into a caller's buffer, which keeps its capacity across lookups.
std::string_view value_key(std::string_view label, std::string_view canonical, std::string& key) {
  key.assign(label);
  key.push_back('\0');
  key.append(canonical);
  return key;
}

void put_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xFF));
  }
}

void put_field(std::string& out, std::string_view field) {
  put_u64(out, field.size());
  out.append(field);
}

struct Reader {
  std::string_view data;
  std::size_t at = 0;
  bool u64(std::uint64_t& value) {
    if (data.size() - at < 8) {
      return false;
    }
    value = 0;
    for (int i = 0; i < 8; ++i) {
      value |= static_cast<std::uint64_t>(static_cast<unsigned char>(data[at + i])) << (8 * i);
    }
    at += 8;
    return true;
  }
  bool field(std::string& out) {
    std::uint64_t size = 0;
    if (!u64(size) || size > data.size() - at) {
      return false;
    }
    out.assign(data.substr(at, size));
    at += size;
    return true;
  }
};

}  // namespace

Result<void> Vault::insert(VaultEntry entry) {
  if (entries_.size() >= kMaxVaultEntries) {
    return fail(ErrorCode::kLimitExceeded,
                "the privacy vault holds {} values, its limit; start a new session or vault",
                kMaxVaultEntries);
  }
  auto numbers = numbered_.find(entry.label);
  const std::uint64_t expected = (numbers == numbered_.end() ? 0 : numbers->second.size()) + 1;
  if (entry.number != expected) {
    return fail(ErrorCode::kInvalidInput, "vault entry {}_{} is out of sequence (expected {}_{})",
                entry.label, entry.number, entry.label, expected);
  }
  const std::size_t index = entries_.size();
  if (!by_value_.emplace(value_key(entry.label, entry.canonical, key_), index).second) {
    return fail(ErrorCode::kInvalidInput, "duplicate vault entry {}_{}", entry.label, entry.number);
  }
  if (numbers == numbered_.end()) {
    numbers = numbered_.emplace(entry.label, std::vector<std::uint32_t>()).first;
  }
  numbers->second.push_back(static_cast<std::uint32_t>(index));
  entries_.push_back(std::move(entry));
  return {};
}

Result<std::string> Vault::placeholder_for(std::string_view label, std::string_view canonical,
                                           std::string_view original) {
  const auto found = by_value_.find(value_key(label, canonical, key_));
  if (found != by_value_.end()) {
    const VaultEntry& entry = entries_[found->second];
    return format_placeholder(entry.label, entry.number);
  }
  const auto numbers = numbered_.find(label);
  const std::uint64_t number = (numbers == numbered_.end() ? 0 : numbers->second.size()) + 1;
  CHITIN_RETURN_IF_ERROR(insert(
      VaultEntry{std::string(label), number, std::string(canonical), std::string(original)}));
  return format_placeholder(label, number);
}

const std::string* Vault::original(std::string_view label, std::uint64_t number) const {
  const auto numbers = numbered_.find(label);
  if (numbers == numbered_.end() || number == 0 || number > numbers->second.size()) {
    return nullptr;
  }
  return &entries_[numbers->second[number - 1]].original;
}

std::string Vault::seal(const VaultKey& key) const {
  std::string plain;
  put_u64(plain, entries_.size());
  for (const VaultEntry& entry : entries_) {
    put_field(plain, entry.label);
    put_u64(plain, entry.number);
    put_field(plain, entry.canonical);
    put_field(plain, entry.original);
  }
  std::string out(kMagic);
  std::array<std::uint8_t, crypto_secretbox_NONCEBYTES> nonce{};
  crypto::fill_random(nonce);
  out.append(as_chars(nonce));
  const std::size_t header = out.size();
  out.resize(header + crypto_secretbox_MACBYTES + plain.size());
  crypto_secretbox_easy(reinterpret_cast<unsigned char*>(out.data() + header),
                        reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
                        nonce.data(), key.data());
  crypto::wipe(plain);
  return out;
}

Result<Vault> Vault::open_sealed(std::string_view sealed, const VaultKey& key,
                                 std::string_view source) {
  const std::size_t header = kMagic.size() + crypto_secretbox_NONCEBYTES;
  if (sealed.size() < header + crypto_secretbox_MACBYTES || !sealed.starts_with(kMagic)) {
    return fail(ErrorCode::kInvalidInput,
                "{} is not a Chitin privacy vault (written by `chitin privacy redact --vault`)",
                source);
  }
  std::string plain(sealed.size() - header - crypto_secretbox_MACBYTES, '\0');
  if (crypto_secretbox_open_easy(
          reinterpret_cast<unsigned char*>(plain.data()),
          reinterpret_cast<const unsigned char*>(sealed.data() + header), sealed.size() - header,
          reinterpret_cast<const unsigned char*>(sealed.data() + kMagic.size()), key.data()) != 0) {
    return fail(ErrorCode::kIntegrity,
                "{} does not decrypt with this installation's vault key: it was damaged, or "
                "written by another installation",
                source);
  }
  auto vault = parse_contents(plain, source);
  crypto::wipe(plain);
  return vault;
}

Result<Vault> Vault::parse_contents(std::string_view plain, std::string_view source) {
  Vault vault;
  Reader reader{plain};
  std::uint64_t count = 0;
  if (!reader.u64(count) || count > kMaxVaultEntries) {
    return fail(ErrorCode::kInvalidInput, "{}: malformed vault contents", source);
  }
  for (std::uint64_t i = 0; i < count; ++i) {
    VaultEntry entry;
    if (!reader.field(entry.label) || !reader.u64(entry.number) || !reader.field(entry.canonical) ||
        !reader.field(entry.original)) {
      return fail(ErrorCode::kInvalidInput, "{}: malformed vault entry {}", source, i);
    }
    if (auto inserted = vault.insert(std::move(entry)); !inserted) {
      return fail(ErrorCode::kInvalidInput, "{}: {}", source, inserted.error().message);
    }
  }
  if (reader.at != plain.size()) {
    return fail(ErrorCode::kInvalidInput, "{}: trailing bytes after the vault entries", source);
  }
  return vault;
}

Result<void> Vault::save(const std::string& path, const VaultKey& key) const {
  CHITIN_TRY(sys::write_file_atomic(path, seal(key), 0600, sys::WriteMode::kReplace));
  return {};
}

Result<Vault> Vault::load(const std::string& path, const VaultKey& key) {
  const std::string sealed = CHITIN_TRY(sys::read_regular_file(path, kMaxVaultFileBytes));
  return open_sealed(sealed, key, path);
}

std::string entity_fingerprint(std::string_view text, const VaultKey& vault_key) {
  static constexpr std::string_view kLabel = "chitin privacy scan fingerprint v1";
  VaultKey derived{};
  crypto_generichash(derived.data(), derived.size(),
                     reinterpret_cast<const unsigned char*>(kLabel.data()), kLabel.size(),
                     vault_key.data(), vault_key.size());
  std::array<std::uint8_t, 16> out{};
  crypto_generichash(out.data(), out.size(), reinterpret_cast<const unsigned char*>(text.data()),
                     text.size(), derived.data(), derived.size());
  crypto::wipe(derived);
  return hex_encode(out);
}

Result<VaultKey> load_or_create_vault_key(const std::string& keys_dir) {
  const std::string path = keys_dir + "/privacy-vault.key";
  VaultKey key{};
  auto existing = sys::read_regular_file(path, 1024);
  if (existing) {
    if (existing->size() != kVaultKeyBytes) {
      return fail(ErrorCode::kIntegrity,
                  "{} has {} bytes, not {}: it is damaged; restore it from a backup (vaults "
                  "written with it cannot be opened otherwise)",
                  path, existing->size(), kVaultKeyBytes);
    }
    std::memcpy(key.data(), existing->data(), kVaultKeyBytes);
    crypto::wipe(*existing);
    return key;
  }
  if (existing.error().sys_errno != ENOENT) {
    return tl::make_unexpected(existing.error());
  }
  crypto::fill_random(key);
  const bool written = CHITIN_TRY(
      sys::write_file_atomic(path, std::string(as_chars(key)), 0600, sys::WriteMode::kCreateOnly));
  if (!written) {
    return load_or_create_vault_key(keys_dir);  // another process created it first
  }
  return key;
}

}  // namespace chitin::privacy
