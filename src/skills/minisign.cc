#include "skills/minisign.h"

#include <fmt/core.h>

#include <algorithm>
#include <vector>

#include "base/encoding.h"

namespace chitin::skills {

namespace {

constexpr std::string_view kAlgEd = "Ed";
constexpr std::string_view kAlgPrehashed = "ED";
constexpr std::string_view kChecksumAlg = "B2";
constexpr std::string_view kUntrusted = "untrusted comment: ";
constexpr std::string_view kTrusted = "trusted comment: ";
constexpr std::size_t kPublicKeyBytes = 2 + 8 + 32;
constexpr std::size_t kSecretKeyBytes = 2 + 2 + 2 + 32 + 8 + 8 + 8 + 64 + 32;
constexpr std::size_t kSignatureBytes = 2 + 8 + 64;

void append(Bytes& out, std::span<const std::uint8_t> bytes) {
  out.insert(out.end(), bytes.begin(), bytes.end());
}

// Splits a key or signature file into lines (LF or CRLF), dropping one trailing empty line.
std::vector<std::string_view> lines_of(std::string_view text) {
  std::vector<std::string_view> lines;
  std::size_t start = 0;
  while (start < text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) {
      end = text.size();
    }
    std::string_view line = text.substr(start, end - start);
    if (line.ends_with('\r')) {
      line.remove_suffix(1);
    }
    lines.push_back(line);
    start = end + 1;
  }
  return lines;
}

Result<Bytes> decode_line(std::string_view line, std::size_t expected, std::string_view what) {
  auto bytes = base64_decode(line);
  if (!bytes || bytes->size() != expected) {
    return fail(ErrorCode::kInvalidInput, "{} is not valid: expected base64 of {} bytes", what,
                expected);
  }
  return std::move(*bytes);
}

// The base64 line of a one-key file: after an optional untrusted comment line.
Result<std::string_view> key_line(std::string_view text, std::string_view what) {
  if (text.size() > kMaxKeyFileBytes) {
    return fail(ErrorCode::kLimitExceeded, "{} is larger than {} bytes", what, kMaxKeyFileBytes);
  }
  const auto lines = lines_of(text);
  if (lines.size() == 1) {
    return lines[0];
  }
  if (lines.size() == 2 && lines[0].starts_with(kUntrusted)) {
    return lines[1];
  }
  return fail(ErrorCode::kInvalidInput,
              "{} is not in minisign format (an 'untrusted comment:' line, then one base64 line)",
              what);
}

crypto::Blake2b256Digest secret_key_checksum(const KeyId& id, std::span<const std::uint8_t> sk) {
  Bytes input;
  append(input, as_bytes(kAlgEd));
  append(input, id);
  append(input, sk);
  return crypto::blake2b_256(input);
}

}  // namespace

std::string key_id_hex(const KeyId& id) {
  std::string out;
  for (auto it = id.rbegin(); it != id.rend(); ++it) {
    out += fmt::format("{:02X}", *it);
  }
  return out;
}

MinisignKeyPair generate_key_pair() {
  crypto::Ed25519KeyPair pair = crypto::ed25519_generate();
  MinisignKeyPair out;
  crypto::fill_random(out.public_key.key_id);
  out.public_key.key = pair.public_key;
  out.secret_key.key_id = out.public_key.key_id;
  out.secret_key.key = std::move(pair.secret_key);
  return out;
}

std::string format_public_key(const MinisignPublicKey& key) {
  Bytes raw;
  append(raw, as_bytes(kAlgEd));
  append(raw, key.key_id);
  append(raw, key.key);
  return fmt::format("{}minisign public key {}\n{}\n", kUntrusted, key_id_hex(key.key_id),
                     base64_encode(raw));
}

std::string format_secret_key(const MinisignSecretKey& key) {
  Bytes raw;
  append(raw, as_bytes(kAlgEd));
  raw.push_back(0);  // kdf: none (the file is protected by its 0600 mode)
  raw.push_back(0);
  append(raw, as_bytes(kChecksumAlg));
  raw.resize(raw.size() + 32 + 8 + 8, 0);  // salt, opslimit, memlimit: unused without a kdf
  append(raw, key.key_id);
  append(raw, key.key.bytes());
  append(raw, secret_key_checksum(key.key_id, key.key.bytes()));
  std::string text = fmt::format("{}chitin unencrypted secret key {}\n{}\n", kUntrusted,
                                 key_id_hex(key.key_id), base64_encode(raw));
  crypto::wipe(raw);
  return text;
}

Result<MinisignPublicKey> parse_public_key(std::string_view text) {
  const std::string_view line = CHITIN_TRY(key_line(text, "the public key"));
  const Bytes raw = CHITIN_TRY(decode_line(line, kPublicKeyBytes, "the public key"));
  if (as_chars(std::span(raw).first(2)) != kAlgEd) {
    return fail(ErrorCode::kInvalidInput, "the public key is not an Ed25519 minisign key");
  }
  MinisignPublicKey key;
  std::copy_n(raw.begin() + 2, 8, key.key_id.begin());
  std::copy_n(raw.begin() + 10, 32, key.key.begin());
  return key;
}

Result<MinisignSecretKey> parse_secret_key(std::string_view text) {
  const std::string_view line = CHITIN_TRY(key_line(text, "the secret key"));
  Bytes raw = CHITIN_TRY(decode_line(line, kSecretKeyBytes, "the secret key"));
  auto wipe_and_fail = [&raw](std::string message) -> Result<MinisignSecretKey> {
    crypto::wipe(raw);
    return fail(ErrorCode::kInvalidInput, std::move(message));
  };
  if (as_chars(std::span(raw).first(2)) != kAlgEd ||
      as_chars(std::span(raw).subspan(4, 2)) != kChecksumAlg) {
    return wipe_and_fail("the secret key is not an Ed25519 minisign secret key");
  }
  if (raw[2] != 0 || raw[3] != 0) {
    return wipe_and_fail(
        "the secret key is password-encrypted; Chitin signs with unencrypted keys from "
        "'chitin skill keygen' (or run 'chitin skill manifest DIR' and sign with minisign "
        "yourself)");
  }
  constexpr std::size_t kKeyNum = 2 + 2 + 2 + 32 + 8 + 8;
  MinisignSecretKey key;
  std::copy_n(raw.begin() + kKeyNum, 8, key.key_id.begin());
  const auto sk = std::span(raw).subspan(kKeyNum + 8, 64);
  const auto checksum = std::span(raw).subspan(kKeyNum + 72, 32);
  // minisign 0.11 leaves the checksum zero in unencrypted keys; ours carry a real one.
  const bool zero = std::all_of(checksum.begin(), checksum.end(), [](auto b) { return b == 0; });
  if (!zero && !crypto::constant_time_equal(checksum, secret_key_checksum(key.key_id, sk))) {
    return wipe_and_fail("the secret key's checksum does not match: the file is damaged");
  }
  auto parsed = crypto::Ed25519SecretKey::from_bytes(sk);
  crypto::wipe(raw);
  if (!parsed) {
    return fail(parsed.error());
  }
  key.key = std::move(*parsed);
  return key;
}

Result<std::string> sign(const MinisignSecretKey& key, std::span<const std::uint8_t> message,
                         std::string_view trusted_comment) {
  if (trusted_comment.size() > kMaxTrustedCommentBytes ||
      trusted_comment.find_first_of("\r\n") != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "the trusted comment must be one line of at most {} "
                "bytes",
                kMaxTrustedCommentBytes);
  }
  const auto digest = crypto::blake2b_512(message);
  const auto signature = crypto::ed25519_sign(key.key, digest);
  Bytes raw;
  append(raw, as_bytes(kAlgPrehashed));
  append(raw, key.key_id);
  append(raw, signature);
  Bytes global_input;
  append(global_input, signature);
  append(global_input, as_bytes(trusted_comment));
  const auto global = crypto::ed25519_sign(key.key, global_input);
  return fmt::format("{}signature from chitin secret key {}\n{}\n{}{}\n{}\n", kUntrusted,
                     key_id_hex(key.key_id), base64_encode(raw), kTrusted, trusted_comment,
                     base64_encode(global));
}

Result<MinisignSignature> parse_signature(std::string_view text) {
  if (text.size() > kMaxSignatureFileBytes) {
    return fail(ErrorCode::kLimitExceeded, "the signature file is larger than {} bytes",
                kMaxSignatureFileBytes);
  }
  const auto lines = lines_of(text);
  if (lines.size() != 4 || !lines[0].starts_with(kUntrusted) || !lines[2].starts_with(kTrusted)) {
    return fail(ErrorCode::kInvalidInput,
                "the signature file is not in minisign format (untrusted comment, signature, "
                "trusted comment, global signature)");
  }
  const Bytes raw = CHITIN_TRY(decode_line(lines[1], kSignatureBytes, "the signature"));
  MinisignSignature signature;
  const std::string_view alg = as_chars(std::span(raw).first(2));
  if (alg != kAlgPrehashed && alg != kAlgEd) {
    return fail(ErrorCode::kInvalidInput, "unknown signature algorithm in the signature file");
  }
  signature.prehashed = alg == kAlgPrehashed;
  std::copy_n(raw.begin() + 2, 8, signature.key_id.begin());
  std::copy_n(raw.begin() + 10, 64, signature.signature.begin());
  signature.trusted_comment = std::string(lines[2].substr(kTrusted.size()));
  if (signature.trusted_comment.size() > kMaxTrustedCommentBytes) {
    return fail(ErrorCode::kLimitExceeded, "the trusted comment is longer than {} bytes",
                kMaxTrustedCommentBytes);
  }
  const Bytes global = CHITIN_TRY(decode_line(lines[3], 64, "the global signature"));
  std::copy(global.begin(), global.end(), signature.global_signature.begin());
  return signature;
}

Result<void> verify(const MinisignPublicKey& key, const MinisignSignature& signature,
                    std::span<const std::uint8_t> message) {
  if (key.key_id != signature.key_id) {
    return fail(ErrorCode::kIntegrity, "signed by key {}, not by key {}",
                key_id_hex(signature.key_id), key_id_hex(key.key_id));
  }
  Result<void> ok =
      signature.prehashed
          ? crypto::ed25519_verify(key.key, crypto::blake2b_512(message), signature.signature)
          : crypto::ed25519_verify(key.key, message, signature.signature);
  if (!ok) {
    return fail(ErrorCode::kIntegrity, "the signature does not match the signed file");
  }
  Bytes global_input;
  append(global_input, signature.signature);
  append(global_input, as_bytes(signature.trusted_comment));
  if (!crypto::ed25519_verify(key.key, global_input, signature.global_signature)) {
    return fail(ErrorCode::kIntegrity,
                "the trusted comment's signature does not match (the "
                "comment was edited)");
  }
  return {};
}

}  // namespace chitin::skills
