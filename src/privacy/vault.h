#pragma once
// The reversible mapping of one session: (label, canonical value) <-> numbered placeholder.
// It never leaves the process unless saved, encrypted and authenticated (libsodium
// crypto_secretbox, XSalsa20-Poly1305) with the installation's vault key, to a file the user
// names. Not thread-safe; one per session.

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"
#include "base/string_hash.h"

namespace chitin::privacy {

inline constexpr std::size_t kMaxVaultEntries = 1'000'000;
inline constexpr std::size_t kMaxVaultFileBytes = 512U << 20;
inline constexpr std::size_t kVaultKeyBytes = 32;
using VaultKey = std::array<std::uint8_t, kVaultKeyBytes>;

struct VaultEntry {
  std::string label;
  std::uint64_t number = 0;
  std::string canonical;
  std::string original;  // the text first seen for this value
};

class Vault {
 public:
  // The placeholder for this value, created on first sight (numbered per label from 1).
  Result<std::string> placeholder_for(std::string_view label, std::string_view canonical,
                                      std::string_view original);
  // The original text behind LABEL_N, or null.
  const std::string* original(std::string_view label, std::uint64_t number) const;

  std::size_t size() const { return entries_.size(); }
  std::span<const VaultEntry> entries() const { return entries_; }

  // Atomic write, mode 0600.
  Result<void> save(const std::string& path, const VaultKey& key) const;
  static Result<Vault> load(const std::string& path, const VaultKey& key);
  // The encrypted form itself (for callers that store it elsewhere), and back.
  std::string seal(const VaultKey& key) const;
  static Result<Vault> open_sealed(std::string_view sealed, const VaultKey& key,
                                   std::string_view source);
  // The decrypted contents (bounded, length-prefixed fields), parsed; public for fuzzing.
  static Result<Vault> parse_contents(std::string_view plain, std::string_view source);

 private:
  Result<void> insert(VaultEntry entry);
  std::vector<VaultEntry> entries_;
  StringMap<std::size_t> by_value_;  // label \0 canonical -> entry
  // Per label, the entry of LABEL_N at [N - 1]: numbers run 1, 2, 3... per label in entry
  // order (placeholder_for assigns them so, and load checks it), so restore's lookup is a
  // small map and an array index.
  StringMap<std::vector<std::uint32_t>> numbered_;
  std::string key_;  // scratch for building lookup keys without allocating each time
};

// A keyed BLAKE2b-128 of an entity's text (hex), for reports that must not show the text:
// keyed with a key derived from `vault_key` (never the vault key itself), so values cannot be
// found by hashing guesses.
std::string entity_fingerprint(std::string_view text, const VaultKey& vault_key);

// The installation's vault key ($CHITIN_HOME/keys/privacy-vault.key, 0600), created on first
// use.
Result<VaultKey> load_or_create_vault_key(const std::string& keys_dir);

}  // namespace chitin::privacy
