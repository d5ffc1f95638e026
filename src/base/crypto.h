#pragma once
// Thin, typed wrappers over libsodium: hashing, constant-time comparison, random tokens and
// Ed25519. All functions are thread-safe. libsodium is initialised on first use; a failure to
// initialise it (no entropy source) aborts, because nothing secure can run without it.

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "base/encoding.h"
#include "base/result.h"

namespace chitin::crypto {

using Sha256Digest = std::array<std::uint8_t, 32>;
using Blake2b256Digest = std::array<std::uint8_t, 32>;

Sha256Digest sha256(std::span<const std::uint8_t> data);
Blake2b256Digest blake2b_256(std::span<const std::uint8_t> data);
// BLAKE2b-512: minisign's prehash (its "ED" signature algorithm signs this digest).
using Blake2b512Digest = std::array<std::uint8_t, 64>;
Blake2b512Digest blake2b_512(std::span<const std::uint8_t> data);

// Incremental BLAKE2b-256, for hashing a record from several parts without copying.
class Blake2b256 {
 public:
  Blake2b256();
  void update(std::span<const std::uint8_t> data);
  void update(std::string_view data) { update(as_bytes(data)); }
  Blake2b256Digest finish();

 private:
  alignas(64) std::array<std::uint8_t, 384> state_;  // crypto_generichash_state, opaque
};

// Equal length and equal bytes, in time that depends only on the length (the length itself
// is not secret for our tokens, which all have a fixed size).
bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b);
bool constant_time_equal(std::string_view a, std::string_view b);

// Bytes from the kernel CSPRNG (getrandom via libsodium).
Bytes random_bytes(std::size_t count);
void fill_random(std::span<std::uint8_t> out);
// `prefix` + base64url(count random bytes), e.g. random_token("chtn_", 32): 256 bits.
std::string random_token(std::string_view prefix, std::size_t count);

inline constexpr std::size_t kEd25519PublicKeyBytes = 32;
inline constexpr std::size_t kEd25519SecretKeyBytes = 64;  // seed || public key
inline constexpr std::size_t kEd25519SignatureBytes = 64;
using Ed25519PublicKey = std::array<std::uint8_t, kEd25519PublicKeyBytes>;
using Ed25519Signature = std::array<std::uint8_t, kEd25519SignatureBytes>;

// An Ed25519 secret key; the bytes are wiped when the object is destroyed.
class Ed25519SecretKey {
 public:
  Ed25519SecretKey() = default;
  Ed25519SecretKey(const Ed25519SecretKey&) = delete;
  Ed25519SecretKey& operator=(const Ed25519SecretKey&) = delete;
  Ed25519SecretKey(Ed25519SecretKey&& other) noexcept;
  Ed25519SecretKey& operator=(Ed25519SecretKey&& other) noexcept;
  ~Ed25519SecretKey();

  static Result<Ed25519SecretKey> from_bytes(std::span<const std::uint8_t> bytes);
  static Result<Ed25519SecretKey> from_seed(std::span<const std::uint8_t> seed32);
  std::span<const std::uint8_t> bytes() const { return bytes_; }
  Ed25519PublicKey public_key() const;

 private:
  std::array<std::uint8_t, kEd25519SecretKeyBytes> bytes_{};
};

struct Ed25519KeyPair {
  Ed25519PublicKey public_key{};
  Ed25519SecretKey secret_key;
};
Ed25519KeyPair ed25519_generate();

Ed25519Signature ed25519_sign(const Ed25519SecretKey& key, std::span<const std::uint8_t> message);
// Result<void> so that a bad signature is an error with a message, not a silent false.
Result<void> ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                            std::span<const std::uint8_t> signature);

// Overwrites memory in a way the compiler may not elide.
void wipe(std::span<std::uint8_t> data);
void wipe(std::string& data);

}  // namespace chitin::crypto
