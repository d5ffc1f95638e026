#include "base/crypto.h"

#include <gtest/gtest.h>

#include <set>

namespace chitin::crypto {
namespace {

TEST(HashTest, Sha256MatchesFips180Vector) {
  EXPECT_EQ(hex_encode(sha256(as_bytes("abc"))),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_encode(sha256({})),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
}

TEST(HashTest, Blake2b256MatchesReferenceAndIncrementalAgrees) {
  // BLAKE2b-256("abc"), from the reference implementation (b2sum -l 256).
  EXPECT_EQ(hex_encode(blake2b_256(as_bytes("abc"))),
            "bddd813c634239723171ef3fee98579b94964e3bb1cb3e427262c8c068d52319");
  Blake2b256 incremental;
  incremental.update("a");
  incremental.update("bc");
  EXPECT_EQ(incremental.finish(), blake2b_256(as_bytes("abc")));
}

TEST(ConstantTimeEqualTest, ComparesLengthAndContent) {
  EXPECT_TRUE(constant_time_equal("token", "token"));
  EXPECT_FALSE(constant_time_equal("token", "tokem"));
  EXPECT_FALSE(constant_time_equal("token", "token2"));
  EXPECT_TRUE(constant_time_equal("", ""));
}

TEST(RandomTest, TokensAreUniqueAndCarry256Bits) {
  std::set<std::string> seen;
  for (int i = 0; i < 100; ++i) {
    const std::string token = random_token("chtn_", 32);
    EXPECT_EQ(token.rfind("chtn_", 0), 0u);
    EXPECT_EQ(token.size(), 5u + 43u);  // 32 bytes -> 43 base64url characters
    EXPECT_TRUE(seen.insert(token).second);
  }
  EXPECT_NE(random_bytes(32), random_bytes(32));
}

// RFC 8032 §7.1, TEST 1 (empty message).
TEST(Ed25519Test, MatchesRfc8032Vector) {
  auto seed = hex_decode("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60");
  ASSERT_TRUE(seed.has_value());
  auto key = Ed25519SecretKey::from_seed(*seed);
  ASSERT_TRUE(key.has_value());
  EXPECT_EQ(hex_encode(key->public_key()),
            "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a");
  const auto signature = ed25519_sign(*key, {});
  EXPECT_EQ(hex_encode(signature),
            "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
            "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  EXPECT_TRUE(ed25519_verify(key->public_key(), {}, signature).has_value());
}

TEST(Ed25519Test, RejectsTamperedMessageSignatureAndWrongKey) {
  const Ed25519KeyPair pair = ed25519_generate();
  const auto message = as_bytes("seq=1 hash=abcd");
  auto signature = ed25519_sign(pair.secret_key, message);
  EXPECT_TRUE(ed25519_verify(pair.public_key, message, signature).has_value());
  EXPECT_FALSE(ed25519_verify(pair.public_key, as_bytes("seq=2 hash=abcd"), signature));
  auto bad = signature;
  bad[10] ^= 1;
  auto result = ed25519_verify(pair.public_key, message, bad);
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(result.error().code, ErrorCode::kIntegrity);
  const Ed25519KeyPair other = ed25519_generate();
  EXPECT_FALSE(ed25519_verify(other.public_key, message, signature));
  EXPECT_FALSE(ed25519_verify(pair.public_key, message, std::span(signature).first(63)));
}

TEST(Ed25519Test, SecretKeyFromBytesDetectsDamage) {
  const Ed25519KeyPair pair = ed25519_generate();
  Bytes bytes(pair.secret_key.bytes().begin(), pair.secret_key.bytes().end());
  EXPECT_TRUE(Ed25519SecretKey::from_bytes(bytes).has_value());
  bytes[40] ^= 1;  // in the public half
  auto damaged = Ed25519SecretKey::from_bytes(bytes);
  ASSERT_FALSE(damaged.has_value());
  EXPECT_EQ(damaged.error().code, ErrorCode::kIntegrity);
  EXPECT_FALSE(Ed25519SecretKey::from_bytes(std::span(bytes).first(32)).has_value());
}

TEST(WipeTest, ZeroesBytesAndClearsStrings) {
  Bytes data = {1, 2, 3};
  wipe(data);
  EXPECT_EQ(data, (Bytes{0, 0, 0}));
  std::string secret = "hunter2";
  wipe(secret);
  EXPECT_TRUE(secret.empty());
}

}  // namespace
}  // namespace chitin::crypto
