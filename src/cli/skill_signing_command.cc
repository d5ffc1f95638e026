// `chitin skill keygen|sign|verify|trust|scan`: the publisher's and reviewer's tools. They need
// no running gateway; verify and trust use the state directory's trust store.

#include <fmt/core.h>

#include <CLI/CLI.hpp>

#include "audit/log.h"
#include "base/log.h"
#include "cli/command.h"
#include "cli/skill_command.h"
#include "skills/archive.h"
#include "skills/scanner.h"
#include "skills/signing.h"
#include "skills/trust_store.h"
#include "sys/file_ops.h"
#include "sys/temp_directory.h"

namespace chitin::cli {

namespace {

struct ScanArguments {
  std::vector<std::string> paths;
  bool json = false;
  std::string fail_on = "high";
};

int run_keygen(const std::string& base) {
  const skills::MinisignKeyPair pair = skills::generate_key_pair();
  // The secret key first and never over an existing file: losing a key to a typo is worse
  // than an error.
  auto secret = sys::write_file_atomic(base + ".key", skills::format_secret_key(pair.secret_key),
                                       0600, sys::WriteMode::kCreateOnly);
  if (!secret || !*secret) {
    print_error(secret ? fmt::format("{}.key already exists; choose another --out or move it "
                                     "away (nothing was written)",
                                     base)
                       : secret.error().describe());
    return secret ? kExitUsage : kExitProblem;
  }
  auto pub = sys::write_file_atomic(base + ".pub", skills::format_public_key(pair.public_key), 0644,
                                    sys::WriteMode::kCreateOnly);
  if (!pub || !*pub) {
    print_error(pub ? fmt::format("{}.pub already exists; move it away", base)
                    : pub.error().describe());
    return kExitProblem;
  }
  fmt::print(
      "key {}\n  public key: {}.pub (share it; users run 'chitin skill trust add {}.pub')\n"
      "  secret key: {}.key (0600; keep it offline)\n",
      skills::key_id_hex(pair.public_key.key_id), base, base, base);
  return kExitOk;
}

int run_sign(const std::string& dir, const std::string& key_file) {
  auto text = sys::read_file(key_file, skills::kMaxKeyFileBytes);
  if (!text) {
    print_error(text.error());
    return kExitUsage;
  }
  auto key = skills::parse_secret_key(*text);
  if (!key) {
    print_error(fmt::format("{}: {}", key_file, key.error().message));
    return kExitUsage;
  }
  auto signed_out = skills::sign_skill(dir, *key);
  if (!signed_out) {
    print_error(signed_out.error());
    return exit_code_for(signed_out.error());
  }
  fmt::print(
      "signed {} file(s) with key {}\n  {}/skill.manifest\n  {}/skill.manifest.minisig\n"
      "  trusted comment: {}\n",
      signed_out->files, skills::key_id_hex(key->key_id), dir, dir, signed_out->trusted_comment);
  return kExitOk;
}

int run_manifest(const std::string& dir) {
  auto out = skills::write_manifest_for_signing(dir);
  if (!out) {
    print_error(out.error());
    return exit_code_for(out.error());
  }
  fmt::print(
      "wrote {}/skill.manifest ({} files). Sign it with your own minisign key:\n"
      "  minisign -S -s KEY -m {}/skill.manifest -t '{}'\n",
      dir, out->files, dir, out->trusted_comment);
  return kExitOk;
}

int run_verify(const CommandContext& context, const std::string& dir, const std::string& pub) {
  std::vector<skills::TrustedKey> keys;
  if (!pub.empty()) {
    auto text = sys::read_file(pub, skills::kMaxKeyFileBytes);
    auto key = text ? skills::parse_public_key(*text)
                    : Result<skills::MinisignPublicKey>(fail(text.error()));
    if (!key) {
      print_error(fmt::format("{}: {}", pub, key.error().describe()));
      return kExitUsage;
    }
    keys.push_back(skills::TrustedKey{pub, *key});
  } else {
    const auto paths = initialised_paths(context);
    if (!paths) {
      return kExitUsage;
    }
    auto trusted = skills::TrustStore(paths->skill_trust_dir()).list();
    if (!trusted) {
      print_error(trusted.error());
      return kExitProblem;
    }
    keys = std::move(*trusted);
  }
  const skills::VerifyOutcome outcome = skills::verify_skill(dir, keys);
  if (!outcome.ok()) {
    print_error(fmt::format("{}: {} ({})", dir, outcome.detail, to_string(outcome.status)));
    return outcome.status == skills::VerifyStatus::kError ? kExitUsage : kExitProblem;
  }
  fmt::print("{}: valid signature by {} (key {})\n  trusted comment: {}\n", dir, outcome.signer,
             outcome.key_id, outcome.trusted_comment);
  return kExitOk;
}

int run_trust_add(const CommandContext& context, const std::string& file, std::string name) {
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  if (name.empty()) {
    name = file.substr(file.rfind('/') + 1);
    if (name.ends_with(".pub")) {
      name.resize(name.size() - 4);
    }
  }
  auto text = sys::read_file(file, skills::kMaxKeyFileBytes);
  if (!text) {
    print_error(text.error());
    return kExitUsage;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    return kExitProblem;
  }
  auto added = skills::TrustStore(state->paths.skill_trust_dir()).add(name, *text);
  if (!added) {
    print_error(added.error());
    return exit_code_for(added.error());
  }
  const std::string id = skills::key_id_hex(added->key.key_id);
  if (auto audited = (*log)->append(
          audit::Event{"config.skill_trust_add", "cli", "", {{"name", name}, {"key_id", id}}});
      !audited) {
    print_error(audited.error());
    return kExitProblem;
  }
  fmt::print("trusted key {} as '{}': skills it signs can now be installed\n", id, name);
  return kExitOk;
}

int run_trust_list(const CommandContext& context, bool json) {
  const auto paths = initialised_paths(context);
  if (!paths) {
    return kExitUsage;
  }
  auto keys = skills::TrustStore(paths->skill_trust_dir()).list();
  if (!keys) {
    print_error(keys.error());
    return kExitProblem;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& key : *keys) {
    out.push_back({{"name", key.name}, {"key_id", skills::key_id_hex(key.key.key_id)}});
    if (!json) {
      fmt::print("{}  {}\n", skills::key_id_hex(key.key.key_id), key.name);
    }
  }
  if (json) {
    fmt::print("{}\n", out.dump());
  } else if (keys->empty()) {
    fmt::print(
        "no trusted skill publishers yet (add one with 'chitin skill trust add FILE.pub')\n");
  }
  return kExitOk;
}

int run_trust_remove(const CommandContext& context, const std::string& name) {
  const auto state = load_state(context);
  if (!state) {
    return kExitUsage;
  }
  auto log = audit::open_installation_log(state->paths, state->config);
  if (!log) {
    print_error(log.error());
    return kExitProblem;
  }
  if (auto removed = skills::TrustStore(state->paths.skill_trust_dir()).remove(name); !removed) {
    print_error(removed.error());
    return exit_code_for(removed.error());
  }
  if (auto audited =
          (*log)->append(audit::Event{"config.skill_trust_remove", "cli", "", {{"name", name}}});
      !audited) {
    print_error(audited.error());
    return kExitProblem;
  }
  fmt::print("removed trusted key '{}'; skills it signed will be disabled at their next load\n",
             name);
  return kExitOk;
}

Result<skills::ScanReport> scan_one(const skills::Scanner& scanner, const std::string& path) {
  const sys::FileStatus status = CHITIN_TRY(sys::status_of(path));
  if (status.is_directory) {
    auto report = CHITIN_TRY(scanner.scan_skill(path));
    for (auto& finding : report.findings) {
      finding.file = path + "/" + finding.file;
    }
    return report;
  }
  if (!status.is_regular) {
    return fail(ErrorCode::kInvalidInput, "{} is not a file or directory", path);
  }
  const std::string content = CHITIN_TRY(sys::read_file(path, 64 << 20));
  if (skills::is_archive_path(path)) {
    // An archive is scanned the way install would see it: unpacked (safely) first.
    auto dir = CHITIN_TRY(sys::TempDirectory::create("chitin-scan"));
    auto extracted = skills::extract_archive(content, dir.path());
    if (!extracted) {
      return fail(ErrorCode::kInvalidInput, "{}: {}", path, extracted.error().message);
    }
    auto report = CHITIN_TRY(scanner.scan_skill(dir.path()));
    for (auto& finding : report.findings) {
      finding.file = path + "!" + finding.file;
    }
    return report;
  }
  skills::Permissions permissions;
  if (path.ends_with("SKILL.md")) {
    if (auto doc = skills::parse_skill_md(content, path)) {
      permissions = doc->permissions;
    }
  }
  return scanner.scan_file(path, content, permissions);
}

int run_scan(const ScanArguments& args) {
  const auto threshold = skills::parse_severity(args.fail_on);
  auto scanner = skills::Scanner::create();
  if (!scanner) {
    print_error(scanner.error());
    return kExitUsage;
  }
  skills::ScanReport all;
  for (const std::string& path : args.paths) {
    auto report = scan_one(*scanner, path);
    if (!report) {
      print_error(report.error());
      return kExitUsage;
    }
    all.merge(std::move(*report));
  }
  if (args.json) {
    nlohmann::json json = skills::to_json(all);
    json["summary"]["fail_on"] = args.fail_on;
    fmt::print("{}\n", json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    print_findings(all);
    fmt::print("{} file(s) scanned, {} finding(s)\n", all.files, all.findings.size());
  }
  return all.at_or_above(*threshold) ? kExitProblem : kExitOk;
}

}  // namespace

void print_findings(const skills::ScanReport& report) {
  for (const skills::Finding& f : report.findings) {
    fmt::print("{:<8} {:<28} {}{}  {}\n", to_string(f.severity), f.rule, log::escaped(f.file, 200),
               f.line > 0 ? fmt::format(":{}", f.line) : std::string(), f.message);
  }
}

void add_skill_signing_commands(CLI::App& skill_app, CommandContext& context) {
  CLI::App* skill = &skill_app;
  CLI::App* keygen = skill->add_subcommand(
      "keygen", "Create a publisher key pair: BASE.pub (minisign format) and BASE.key (0600).");
  auto base = std::make_shared<std::string>();
  keygen->add_option("--out", *base, "Path prefix of the two files")->required();
  keygen->callback([&context, base] { context.exit_code = run_keygen(*base); });

  CLI::App* sign = skill->add_subcommand(
      "sign", "Write DIR/skill.manifest and its minisign signature DIR/skill.manifest.minisig.");
  auto sign_dir = std::make_shared<std::string>();
  auto sign_key = std::make_shared<std::string>();
  sign->add_option("DIR", *sign_dir, "The skill folder")->required();
  sign->add_option("--key", *sign_key, "Secret key from 'chitin skill keygen'")->required();
  sign->callback(
      [&context, sign_dir, sign_key] { context.exit_code = run_sign(*sign_dir, *sign_key); });

  CLI::App* manifest = skill->add_subcommand(
      "manifest", "Write DIR/skill.manifest only and print the minisign command that signs it.");
  auto manifest_dir = std::make_shared<std::string>();
  manifest->add_option("DIR", *manifest_dir, "The skill folder")->required();
  manifest->callback([&context, manifest_dir] { context.exit_code = run_manifest(*manifest_dir); });

  CLI::App* verify = skill->add_subcommand(
      "verify", "Check a skill folder's signature and files. Exit 0 valid, 1 with the reason.");
  auto verify_dir = std::make_shared<std::string>();
  auto verify_pub = std::make_shared<std::string>();
  verify->add_option("DIR", *verify_dir, "The skill folder")->required();
  verify->add_option("--pub", *verify_pub, "Public key file (default: the trust store)");
  verify->callback([&context, verify_dir, verify_pub] {
    context.exit_code = run_verify(context, *verify_dir, *verify_pub);
  });

  CLI::App* trust = skill->add_subcommand("trust", "Manage the publishers whose skills you trust.");
  trust->require_subcommand(1);
  CLI::App* add = trust->add_subcommand("add", "Trust a publisher's public key (minisign format).");
  auto add_file = std::make_shared<std::string>();
  auto add_name = std::make_shared<std::string>();
  add->add_option("FILE", *add_file, "The publisher's .pub file")->required();
  add->add_option("--name", *add_name, "Name for the key (default: the file name)");
  add->callback([&context, add_file, add_name] {
    context.exit_code = run_trust_add(context, *add_file, *add_name);
  });
  CLI::App* list = trust->add_subcommand("list", "List trusted publisher keys.");
  auto list_json = std::make_shared<bool>(false);
  list->add_flag("--json", *list_json, "Print JSON");
  list->callback(
      [&context, list_json] { context.exit_code = run_trust_list(context, *list_json); });
  CLI::App* remove = trust->add_subcommand("remove", "Stop trusting a publisher key.");
  auto remove_name = std::make_shared<std::string>();
  remove->add_option("NAME", *remove_name, "Key name from 'trust list'")->required();
  remove->callback(
      [&context, remove_name] { context.exit_code = run_trust_remove(context, *remove_name); });

  CLI::App* scan = skill->add_subcommand(
      "scan",
      "Statically scan skills (folders, archives or files). Exit 0 clean, 1 findings at "
      "or above --fail-on, 2 error.");
  auto scan_args = std::make_shared<ScanArguments>();
  scan->add_option("PATH", scan_args->paths, "Skill folders, .zip/.tar.gz archives or files")
      ->required();
  scan->add_flag("--json", scan_args->json, "Print JSON: {findings:[...], summary:{...}}");
  scan->add_option("--fail-on", scan_args->fail_on, "low, medium, high (default) or critical")
      ->check(CLI::IsMember({"low", "medium", "high", "critical"}));
  scan->callback([&context, scan_args] { context.exit_code = run_scan(*scan_args); });
}

}  // namespace chitin::cli
