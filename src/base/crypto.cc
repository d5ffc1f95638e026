#include "base/crypto.h"

#include <sodium.h>

#include <cstring>

#include "base/check.h"

namespace chitin::crypto {

namespace {

void ensure_sodium() {
  // sodium_init is itself thread-safe and idempotent; the static keeps the call cheap.
  static const bool initialised = [] {
    CHITIN_CHECK(sodium_init() >= 0, "libsodium failed to initialise (no entropy source?)");
    return true;
  }();
  (void)initialised;
}

static_assert(sizeof(crypto_generichash_state) <= 384);
static_assert(crypto_sign_PUBLICKEYBYTES == kEd25519PublicKeyBytes);
static_assert(crypto_sign_SECRETKEYBYTES == kEd25519SecretKeyBytes);
static_assert(crypto_sign_BYTES == kEd25519SignatureBytes);

crypto_generichash_state* as_state(std::array<std::uint8_t, 384>& storage) {
  return reinterpret_cast<crypto_generichash_state*>(storage.data());
}

}  // namespace

Sha256Digest sha256(std::span<const std::uint8_t> data) {
  ensure_sodium();
  Sha256Digest out{};
  crypto_hash_sha256(out.data(), data.data(), data.size());
  return out;
}

Blake2b256Digest blake2b_256(std::span<const std::uint8_t> data) {
  ensure_sodium();
  Blake2b256Digest out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Blake2b512Digest blake2b_512(std::span<const std::uint8_t> data) {
  ensure_sodium();
  Blake2b512Digest out{};
  crypto_generichash(out.data(), out.size(), data.data(), data.size(), nullptr, 0);
  return out;
}

Blake2b256::Blake2b256() {
  ensure_sodium();
  crypto_generichash_init(as_state(state_), nullptr, 0, 32);
}

void Blake2b256::update(std::span<const std::uint8_t> data) {
  crypto_generichash_update(as_state(state_), data.data(), data.size());
}

Blake2b256Digest Blake2b256::finish() {
  Blake2b256Digest out{};
  crypto_generichash_final(as_state(state_), out.data(), out.size());
  return out;
}

bool constant_time_equal(std::span<const std::uint8_t> a, std::span<const std::uint8_t> b) {
  ensure_sodium();
  if (a.size() != b.size()) {
    return false;
  }
  if (a.empty()) {
    return true;
  }
  return sodium_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool constant_time_equal(std::string_view a, std::string_view b) {
  return constant_time_equal(as_bytes(a), as_bytes(b));
}

void fill_random(std::span<std::uint8_t> out) {
  ensure_sodium();
  randombytes_buf(out.data(), out.size());
}

Bytes random_bytes(std::size_t count) {
  Bytes out(count);
  fill_random(out);
  return out;
}

std::string random_token(std::string_view prefix, std::size_t count) {
  Bytes raw = random_bytes(count);
  std::string token(prefix);
  token += base64_encode(raw, Base64Variant::kUrlNoPadding);
  wipe(raw);
  return token;
}

Ed25519SecretKey::Ed25519SecretKey(Ed25519SecretKey&& other) noexcept : bytes_(other.bytes_) {
  wipe(other.bytes_);
}

Ed25519SecretKey& Ed25519SecretKey::operator=(Ed25519SecretKey&& other) noexcept {
  if (this != &other) {
    bytes_ = other.bytes_;
    wipe(other.bytes_);
  }
  return *this;
}

Ed25519SecretKey::~Ed25519SecretKey() { wipe(bytes_); }

Result<Ed25519SecretKey> Ed25519SecretKey::from_bytes(std::span<const std::uint8_t> bytes) {
  if (bytes.size() != kEd25519SecretKeyBytes) {
    return fail(ErrorCode::kInvalidInput, "an Ed25519 secret key must have {} bytes, not {}",
                kEd25519SecretKeyBytes, bytes.size());
  }
  // The last 32 bytes must be the public key of the first 32 (the seed); a mismatch means a
  // damaged or forged key file, and signatures made with it would not verify.
  Ed25519SecretKey key = CHITIN_TRY(from_seed(bytes.first(32)));
  if (!constant_time_equal(key.bytes().subspan(32), bytes.subspan(32))) {
    return fail(ErrorCode::kIntegrity,
                "the Ed25519 secret key is damaged: its public half does not match its seed");
  }
  return key;
}

Result<Ed25519SecretKey> Ed25519SecretKey::from_seed(std::span<const std::uint8_t> seed32) {
  ensure_sodium();
  if (seed32.size() != crypto_sign_SEEDBYTES) {
    return fail(ErrorCode::kInvalidInput, "an Ed25519 seed must have {} bytes, not {}",
                crypto_sign_SEEDBYTES, seed32.size());
  }
  Ed25519SecretKey key;
  std::array<std::uint8_t, kEd25519PublicKeyBytes> public_key{};
  crypto_sign_seed_keypair(public_key.data(), key.bytes_.data(), seed32.data());
  return key;
}

Ed25519PublicKey Ed25519SecretKey::public_key() const {
  Ed25519PublicKey out{};
  std::memcpy(out.data(), bytes_.data() + 32, out.size());
  return out;
}

Ed25519KeyPair ed25519_generate() {
  ensure_sodium();
  Ed25519KeyPair pair;
  std::array<std::uint8_t, kEd25519SecretKeyBytes> secret{};
  crypto_sign_keypair(pair.public_key.data(), secret.data());
  auto key = Ed25519SecretKey::from_bytes(secret);
  wipe(secret);
  CHITIN_CHECK(key.has_value(), "libsodium produced an inconsistent key pair");
  pair.secret_key = std::move(*key);
  return pair;
}

Ed25519Signature ed25519_sign(const Ed25519SecretKey& key, std::span<const std::uint8_t> message) {
  ensure_sodium();
  Ed25519Signature signature{};
  crypto_sign_detached(signature.data(), nullptr, message.data(), message.size(),
                       key.bytes().data());
  return signature;
}

Result<void> ed25519_verify(const Ed25519PublicKey& key, std::span<const std::uint8_t> message,
                            std::span<const std::uint8_t> signature) {
  ensure_sodium();
  if (signature.size() != kEd25519SignatureBytes) {
    return fail(ErrorCode::kIntegrity, "an Ed25519 signature must have {} bytes, not {}",
                kEd25519SignatureBytes, signature.size());
  }
  if (crypto_sign_verify_detached(signature.data(), message.data(), message.size(), key.data()) !=
      0) {
    return fail(ErrorCode::kIntegrity, "Ed25519 signature does not verify");
  }
  return {};
}

void wipe(std::span<std::uint8_t> data) {
  ensure_sodium();
  sodium_memzero(data.data(), data.size());
}

void wipe(std::string& data) {
  ensure_sodium();
  sodium_memzero(data.data(), data.size());
  data.clear();
}

}  // namespace chitin::crypto
