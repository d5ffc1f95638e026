#pragma once
// Signing and verifying a skill folder: the canonical manifest (bundle.h) signed with a
// minisign key, its trusted comment naming the skill and version. verify_skill() says exactly
// why a folder does not verify (docs/skills.md "Verification").

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "skills/bundle.h"
#include "skills/minisign.h"
#include "skills/trust_store.h"

namespace chitin::skills {

struct SignOutcome {
  std::size_t files = 0;
  std::string trusted_comment;
  std::string manifest_hash;  // blake2b-256 hex of skill.manifest
};

// Writes DIR/skill.manifest and DIR/skill.manifest.minisig (atomically, manifest first).
// The trusted comment is "skill=NAME version=VERSION manifest=HASH" from DIR/SKILL.md.
Result<SignOutcome> sign_skill(const std::string& dir, const MinisignSecretKey& key);

enum class VerifyStatus : std::uint8_t {
  kValid,
  kUnsigned,          // no skill.manifest.minisig
  kMalformed,         // manifest or signature file unreadable or not canonical
  kUnknownSigner,     // the key id is not among the trusted keys
  kBadSignature,      // signature or trusted comment does not verify
  kFileModified,      // a listed file's size or hash differs
  kFileAdded,         // a file not in the manifest
  kFileMissing,       // a listed file is gone
  kSymlinkOrSpecial,  // a symlink, device, FIFO or socket in the folder
  kError,             // could not read the folder (I/O, limits)
};

std::string_view to_string(VerifyStatus status);

struct VerifyOutcome {
  VerifyStatus status = VerifyStatus::kError;
  std::string detail;           // the reason, for people (names the file or key)
  std::string signer;           // trusted key name, when known
  std::string key_id;           // hex, when a signature was read
  std::string trusted_comment;  // when the signature verified
  std::string manifest_hash;    // blake2b-256 hex of skill.manifest, when read
  [[nodiscard]] bool ok() const { return status == VerifyStatus::kValid; }
};

// Checks DIR against the trusted `keys`: signature first, then every file against the
// manifest. Never fails: problems are in the outcome.
VerifyOutcome verify_skill(const std::string& dir, const std::vector<TrustedKey>& keys);

// Checks only that DIR's files match DIR/skill.manifest (for unsigned, quarantined installs,
// whose manifest Chitin wrote at install time). `status` is kValid or the file problem.
VerifyOutcome verify_files(const std::string& dir);

// Writes DIR/skill.manifest for an unsigned skill; returns its blake2b-256 hex.
Result<std::string> write_local_manifest(const std::string& dir);

// Writes DIR/skill.manifest (not signed) and returns what sign_skill would have put in the
// trusted comment, for publishers who sign with their own minisign key.
Result<SignOutcome> write_manifest_for_signing(const std::string& dir);

}  // namespace chitin::skills
