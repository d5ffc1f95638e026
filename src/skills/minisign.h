#pragma once
// minisign-compatible keys and signatures (https://jedisct1.github.io/minisign/), so that the
// stock `minisign -V` verifies what Chitin signs and `minisign -S` can use Chitin's keys.
//
//   public key:  "untrusted comment: ...\n" base64("Ed" || key_id[8] || ed25519_pk[32])
//   secret key:  "untrusted comment: ...\n" base64("Ed" || kdf[2] || "B2" || salt[32] ||
//                ops[8] || mem[8] || key_id[8] || ed25519_sk[64] || checksum[32]); only the
//                unencrypted form (kdf = 0x0000) is read and written here
//   signature:   "untrusted comment: ...\n" base64("ED" || key_id[8] || sig[64]) "\n"
//                "trusted comment: TEXT\n" base64(global_sig[64]) "\n"
// where sig = Ed25519(BLAKE2b-512(message)) ("ED", prehashed; legacy "Ed" signs the message
// itself and is accepted on verify) and global_sig = Ed25519(sig || TEXT).

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/crypto.h"
#include "base/result.h"

namespace chitin::skills {

using KeyId = std::array<std::uint8_t, 8>;

// minisign shows key ids as the 8 bytes read as a little-endian integer, in upper-case hex.
std::string key_id_hex(const KeyId& id);

struct MinisignPublicKey {
  KeyId key_id{};
  crypto::Ed25519PublicKey key{};
};

struct MinisignSecretKey {
  KeyId key_id{};
  crypto::Ed25519SecretKey key;
};

struct MinisignSignature {
  KeyId key_id{};
  bool prehashed = true;
  crypto::Ed25519Signature signature{};
  std::string trusted_comment;
  crypto::Ed25519Signature global_signature{};
};

inline constexpr std::size_t kMaxTrustedCommentBytes = 8192;
inline constexpr std::size_t kMaxKeyFileBytes = 4096;
inline constexpr std::size_t kMaxSignatureFileBytes = 16384;

struct MinisignKeyPair {
  MinisignPublicKey public_key;
  MinisignSecretKey secret_key;
};
MinisignKeyPair generate_key_pair();

std::string format_public_key(const MinisignPublicKey& key);
std::string format_secret_key(const MinisignSecretKey& key);
// Also accepts the bare base64 line (as `minisign -P` takes it).
Result<MinisignPublicKey> parse_public_key(std::string_view text);
Result<MinisignSecretKey> parse_secret_key(std::string_view text);

// Signs with the prehashed algorithm; `trusted_comment` must be one line.
Result<std::string> sign(const MinisignSecretKey& key, std::span<const std::uint8_t> message,
                         std::string_view trusted_comment);

Result<MinisignSignature> parse_signature(std::string_view text);

// Checks the signature and the trusted comment's global signature against `key`. The caller
// picks the key by signature.key_id; a key id mismatch is reported as such.
Result<void> verify(const MinisignPublicKey& key, const MinisignSignature& signature,
                    std::span<const std::uint8_t> message);

}  // namespace chitin::skills
