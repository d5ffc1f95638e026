#include "skills/signing.h"

#include <fmt/core.h>

#include <algorithm>
#include <map>

#include "base/encoding.h"
#include "skills/skill_md.h"
#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

constexpr std::size_t kMaxManifestBytes = 4 << 20;

std::string manifest_hash(std::string_view manifest) {
  return hex_encode(crypto::blake2b_256(as_bytes(manifest)));
}

VerifyOutcome outcome(VerifyStatus status, std::string detail) {
  VerifyOutcome out;
  out.status = status;
  out.detail = std::move(detail);
  return out;
}

// Compares the folder's files with the manifest; fills status/detail on a mismatch.
void compare_files(const std::string& dir, const std::vector<BundleFile>& listed,
                   VerifyOutcome& out) {
  auto actual = hash_bundle(dir);
  if (!actual) {
    out.status = actual.error().problem == WalkProblem::kSymlinkOrSpecial
                     ? VerifyStatus::kSymlinkOrSpecial
                     : VerifyStatus::kError;
    out.detail = actual.error().error.describe();
    return;
  }
  std::map<std::string_view, const BundleFile*> expected;
  for (const BundleFile& file : listed) {
    expected.emplace(file.path, &file);
  }
  for (const BundleFile& file : *actual) {
    const auto it = expected.find(file.path);
    if (it == expected.end()) {
      out.status = VerifyStatus::kFileAdded;
      out.detail = fmt::format("{} is not in the signed manifest (file added)", file.path);
      return;
    }
    if (!(*it->second == file)) {
      out.status = VerifyStatus::kFileModified;
      out.detail = fmt::format("{} differs from the signed manifest (file modified)", file.path);
      return;
    }
    expected.erase(it);
  }
  if (!expected.empty()) {
    out.status = VerifyStatus::kFileMissing;
    out.detail = fmt::format("{} is listed in the signed manifest but missing (file missing)",
                             expected.begin()->first);
    return;
  }
  out.status = VerifyStatus::kValid;
}

}  // namespace

std::string_view to_string(VerifyStatus status) {
  switch (status) {
    case VerifyStatus::kValid:
      return "valid";
    case VerifyStatus::kUnsigned:
      return "unsigned";
    case VerifyStatus::kMalformed:
      return "malformed";
    case VerifyStatus::kUnknownSigner:
      return "unknown_signer";
    case VerifyStatus::kBadSignature:
      return "bad_signature";
    case VerifyStatus::kFileModified:
      return "file_modified";
    case VerifyStatus::kFileAdded:
      return "file_added";
    case VerifyStatus::kFileMissing:
      return "file_missing";
    case VerifyStatus::kSymlinkOrSpecial:
      return "symlink_or_special_file";
    case VerifyStatus::kError:
      return "error";
  }
  return "error";
}

namespace {

struct PreparedManifest {
  std::string text;
  SignOutcome outcome;
};

Result<PreparedManifest> prepare_manifest(const std::string& dir) {
  const std::string skill_md_path = dir + "/SKILL.md";
  const std::string text = CHITIN_TRY(sys::read_regular_file(skill_md_path, kMaxSkillMdBytes));
  const SkillDocument doc = CHITIN_TRY(parse_skill_md(text, skill_md_path));
  auto files = hash_bundle(dir);
  if (!files) {
    return fail(files.error().error);
  }
  PreparedManifest out;
  out.text = format_manifest(*files);
  out.outcome.files = files->size();
  out.outcome.manifest_hash = manifest_hash(out.text);
  out.outcome.trusted_comment = fmt::format(
      "skill={} version={} manifest={}", doc.name,
      doc.version.empty() ? std::string("unversioned") : doc.version, out.outcome.manifest_hash);
  return out;
}

}  // namespace

Result<SignOutcome> sign_skill(const std::string& dir, const MinisignSecretKey& key) {
  const PreparedManifest prepared = CHITIN_TRY(prepare_manifest(dir));
  const std::string signature =
      CHITIN_TRY(sign(key, as_bytes(prepared.text), prepared.outcome.trusted_comment));
  CHITIN_TRY(sys::write_file_atomic(dir + "/" + std::string(kManifestFile), prepared.text, 0644));
  CHITIN_TRY(sys::write_file_atomic(dir + "/" + std::string(kSignatureFile), signature, 0644));
  return prepared.outcome;
}

Result<SignOutcome> write_manifest_for_signing(const std::string& dir) {
  const PreparedManifest prepared = CHITIN_TRY(prepare_manifest(dir));
  CHITIN_TRY(sys::write_file_atomic(dir + "/" + std::string(kManifestFile), prepared.text, 0644));
  return prepared.outcome;
}

VerifyOutcome verify_files(const std::string& dir) {
  const std::string manifest_path = dir + "/" + std::string(kManifestFile);
  auto manifest = sys::read_regular_file(manifest_path, kMaxManifestBytes);
  if (!manifest) {
    return outcome(VerifyStatus::kMalformed,
                   fmt::format("cannot read {}: {}", manifest_path, manifest.error().describe()));
  }
  auto listed = parse_manifest(*manifest);
  if (!listed) {
    return outcome(VerifyStatus::kMalformed, listed.error().message);
  }
  VerifyOutcome out;
  out.manifest_hash = manifest_hash(*manifest);
  // Installs checked this way are unsigned: whatever appears under the signature's name was
  // added after install.
  const std::string signature_path = dir + "/" + std::string(kSignatureFile);
  if (auto present = sys::status_if_exists(signature_path); !present || *present) {
    out.status = VerifyStatus::kFileAdded;
    out.detail = fmt::format("{} appeared after install (file added)", kSignatureFile);
    return out;
  }
  compare_files(dir, *listed, out);
  return out;
}

VerifyOutcome verify_skill(const std::string& dir, const std::vector<TrustedKey>& keys) {
  const std::string signature_path = dir + "/" + std::string(kSignatureFile);
  auto present = sys::status_if_exists(signature_path);
  if (!present) {
    return outcome(VerifyStatus::kError, present.error().describe());
  }
  if (!*present) {
    return outcome(VerifyStatus::kUnsigned,
                   fmt::format("{} has no {} (the skill is unsigned)", dir, kSignatureFile));
  }
  if ((*present)->is_symlink || !(*present)->is_regular) {
    return outcome(VerifyStatus::kSymlinkOrSpecial,
                   fmt::format("{} is not a regular file", signature_path));
  }
  auto signature_text = sys::read_regular_file(signature_path, kMaxSignatureFileBytes);
  if (!signature_text) {
    return outcome(VerifyStatus::kMalformed, signature_text.error().describe());
  }
  auto signature = parse_signature(*signature_text);
  if (!signature) {
    return outcome(VerifyStatus::kMalformed,
                   fmt::format("{}: {}", signature_path, signature.error().message));
  }
  const std::string manifest_path = dir + "/" + std::string(kManifestFile);
  auto manifest_status = sys::status_if_exists(manifest_path);
  if (manifest_status && *manifest_status && (*manifest_status)->is_symlink) {
    return outcome(VerifyStatus::kSymlinkOrSpecial, fmt::format("{} is a symlink", manifest_path));
  }
  auto manifest = sys::read_regular_file(manifest_path, kMaxManifestBytes);
  if (!manifest) {
    return outcome(VerifyStatus::kMalformed,
                   fmt::format("cannot read {}: {}", manifest_path, manifest.error().describe()));
  }
  VerifyOutcome out;
  out.key_id = key_id_hex(signature->key_id);
  out.manifest_hash = manifest_hash(*manifest);
  const auto key = find_key(keys, signature->key_id);
  if (!key) {
    out.status = VerifyStatus::kUnknownSigner;
    out.detail = fmt::format(
        "signed by key {}, which is not trusted (add the publisher's key "
        "with 'chitin skill trust add FILE.pub')",
        out.key_id);
    return out;
  }
  out.signer = key->name;
  if (auto ok = verify(key->key, *signature, as_bytes(*manifest)); !ok) {
    out.status = VerifyStatus::kBadSignature;
    out.detail = fmt::format("bad signature: {}", ok.error().message);
    return out;
  }
  auto listed = parse_manifest(*manifest);
  if (!listed) {
    out.status = VerifyStatus::kMalformed;
    out.detail = listed.error().message;
    return out;
  }
  out.trusted_comment = signature->trusted_comment;
  compare_files(dir, *listed, out);
  return out;
}

Result<std::string> write_local_manifest(const std::string& dir) {
  auto files = hash_bundle(dir);
  if (!files) {
    return fail(files.error().error);
  }
  const std::string manifest = format_manifest(*files);
  CHITIN_TRY(sys::write_file_atomic(dir + "/" + std::string(kManifestFile), manifest, 0644));
  return manifest_hash(manifest);
}

}  // namespace chitin::skills
