// `chitin privacy scan|redact|restore|types`: the privacy filter on files and pipes. Inputs of
// any size are processed in blocks (bounded memory); offsets are UTF-8 byte offsets into the
// whole input.

#include <fcntl.h>
#include <fmt/core.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "base/crypto.h"
#include "base/encoding.h"
#include "base/unique_fd.h"
#include "cli/command.h"
#include "privacy/detector.h"
#include "privacy/redactor.h"
#include "privacy/restore.h"
#include "privacy/stream.h"
#include "privacy/user_types.h"
#include "privacy/validators.h"
#include "privacy/vault.h"
#include "sys/file_ops.h"

namespace chitin::cli {

namespace {

struct PrivacyOptions {
  std::vector<std::string> dictionaries;
  std::vector<std::string> patterns;
  bool json = false;
  bool validators = false;
  std::string vault;
  std::string input;
};

// The installation, when there is one: its config adds user types, its key protects vaults
// and keys the fingerprints `scan` prints.
struct Installation {
  std::optional<config::StatePaths> paths;
  config::Config config;
  std::string cache_dir;
};

Result<Installation> find_installation(const CommandContext& context) {
  Installation installation;
  installation.cache_dir = detector_cache_dir(context);
  auto paths = config::resolve_state_paths(context.global.home);
  if (!paths || !config::require_initialised(*paths)) {
    return installation;
  }
  installation.config = CHITIN_TRY(config::load_config(paths->config_file()));
  installation.paths = *paths;
  return installation;
}

Result<std::unique_ptr<privacy::Detector>> make_detector(const Installation& installation,
                                                         const PrivacyOptions& options) {
  std::vector<std::string> dictionaries = installation.config.privacy.dictionaries;
  std::vector<std::string> patterns = installation.config.privacy.patterns;
  dictionaries.insert(dictionaries.end(), options.dictionaries.begin(), options.dictionaries.end());
  patterns.insert(patterns.end(), options.patterns.begin(), options.patterns.end());
  privacy::DetectorOptions detector_options =
      CHITIN_TRY(privacy::user_type_options(dictionaries, patterns));
  detector_options.cache_dir = installation.cache_dir;
  return privacy::Detector::create(std::move(detector_options));
}

// Reads the input (a file, or stdin for "" and "-") block by block: `each` gets text that
// ends on a safe cut, and the offset of its first byte.
Result<void> for_each_block(
    const std::string& input,
    const std::function<Result<void>(std::string_view, std::size_t)>& each) {
  UniqueFd file;
  int fd = STDIN_FILENO;
  if (!input.empty() && input != "-") {
    file = CHITIN_TRY(sys::open_file(input, O_RDONLY | O_NOCTTY));
    fd = file.get();
  }
  const std::string what = input.empty() || input == "-" ? "standard input" : input;
  std::string buffer;
  std::size_t offset = 0;
  std::vector<char> chunk(256 * 1024);
  bool done = false;
  while (!done) {
    const std::size_t n = CHITIN_TRY(sys::read_some(fd, chunk.data(), chunk.size(), what));
    done = n == 0;
    buffer.append(chunk.data(), n);
    while (buffer.size() >= 2 * privacy::kStreamBlockBytes || (done && !buffer.empty())) {
      const std::size_t cut = done && buffer.size() < 2 * privacy::kStreamBlockBytes
                                  ? buffer.size()
                                  : privacy::stream_cut(buffer);
      CHITIN_RETURN_IF_ERROR(each(std::string_view(buffer).substr(0, cut), offset));
      offset += cut;
      buffer.erase(0, cut);
    }
  }
  return {};
}

struct Loaded {
  Installation installation;
  std::unique_ptr<privacy::Detector> detector;
};

// The installation (if any) and a detector with its user types; nullopt after printing why.
std::optional<Loaded> load(const CommandContext& context, const PrivacyOptions& options) {
  auto installation = find_installation(context);
  auto detector = installation
                      ? make_detector(*installation, options)
                      : Result<std::unique_ptr<privacy::Detector>>(fail(installation.error()));
  if (!detector) {
    print_error(detector.error());
    return std::nullopt;
  }
  return Loaded{std::move(*installation), std::move(*detector)};
}

int run_scan(const CommandContext& context, const PrivacyOptions& options) {
  auto loaded = load(context, options);
  if (!loaded) {
    return kExitUsage;
  }
  auto& [installation, detector] = *loaded;
  // Fingerprints are keyed, so a phone number cannot be found by hashing guesses: with the
  // installation's vault key they are comparable across runs, else only within this run.
  privacy::VaultKey key{};
  if (installation.paths) {
    auto installation_vault_key = privacy::load_or_create_vault_key(installation.paths->keys_dir());
    if (!installation_vault_key) {
      print_error(installation_vault_key.error());
      return kExitProblem;
    }
    key = *installation_vault_key;
  } else {
    crypto::fill_random(key);
  }
  std::size_t count = 0;
  if (options.json) {
    fmt::print("{{\"entities\":[");
  }
  auto scanned = for_each_block(
      options.input, [&](std::string_view block, std::size_t offset) -> Result<void> {
        const auto entities = CHITIN_TRY(detector->detect(block));
        for (const privacy::Entity& entity : entities) {
          const privacy::EntityType& type = detector->types()[entity.type];
          const std::string hash = privacy::entity_fingerprint(
              block.substr(entity.start, entity.end - entity.start), key);
          if (options.json) {
            const nlohmann::json item{{"type", type.id},
                                      {"label", type.label},
                                      {"category", type.category},
                                      {"start", offset + entity.start},
                                      {"end", offset + entity.end},
                                      {"score", std::round(entity.score * 100) / 100},
                                      {"validator", type.validator},
                                      {"hash", hash}};
            fmt::print("{}{}", count == 0 ? "" : ",", item.dump());
          } else {
            fmt::print("{}-{}\t{}\t{:.2f}\t{}\t{}\n", offset + entity.start, offset + entity.end,
                       type.id, entity.score, type.validator.empty() ? "-" : type.validator, hash);
          }
          ++count;
        }
        return {};
      });
  if (options.json) {
    fmt::print("],\"count\":{}}}\n", count);
  }
  if (!scanned) {
    print_error(scanned.error());
    return exit_code_for(scanned.error());
  }
  return count > 0 ? kExitProblem : kExitOk;
}

Result<privacy::VaultKey> installation_key(const Installation& installation) {
  if (!installation.paths) {
    return fail(ErrorCode::kNotFound,
                "a vault needs this installation's vault key; run 'chitin init' first (or use "
                "--home)");
  }
  return privacy::load_or_create_vault_key(installation.paths->keys_dir());
}

int run_redact(const CommandContext& context, const PrivacyOptions& options) {
  auto loaded = load(context, options);
  if (!loaded) {
    return kExitUsage;
  }
  auto& [installation, detector] = *loaded;
  privacy::Vault vault;
  privacy::VaultKey key{};
  if (!options.vault.empty()) {
    auto loaded_key = installation_key(installation);
    if (!loaded_key) {
      print_error(loaded_key.error());
      return kExitUsage;
    }
    key = *loaded_key;
    // An existing vault is extended, so one session's placeholders stay stable across calls.
    if (::access(options.vault.c_str(), F_OK) == 0) {
      auto existing = privacy::Vault::load(options.vault, key);
      if (!existing) {
        print_error(existing.error());
        return kExitProblem;
      }
      vault = std::move(*existing);
    }
  }
  privacy::Redactor redactor(*detector, vault);
  auto redacted =
      for_each_block(options.input, [&](std::string_view block, std::size_t) -> Result<void> {
        const std::string out = CHITIN_TRY(redactor.redact(block));
        return sys::write_all(STDOUT_FILENO, out);
      });
  // Saved even when a later block failed: placeholders already written must keep their
  // meaning, or the next call would number other values with them.
  if (!options.vault.empty() && vault.size() > 0) {
    if (auto saved = vault.save(options.vault, key); !saved) {
      print_error(saved.error());
      return kExitProblem;
    }
  }
  if (!redacted) {
    print_error(redacted.error());
    return exit_code_for(redacted.error());
  }
  return kExitOk;
}

int run_restore(const CommandContext& context, const PrivacyOptions& options) {
  auto installation = find_installation(context);
  auto key = installation ? installation_key(*installation)
                          : Result<privacy::VaultKey>(fail(installation.error()));
  if (!key) {
    print_error(key.error());
    return kExitUsage;
  }
  auto vault = privacy::Vault::load(options.vault, *key);
  if (!vault) {
    print_error(vault.error());
    return exit_code_for(vault.error());
  }
  privacy::RestoreStream stream(*vault);
  auto restored = for_each_block(options.input, [&](std::string_view block, std::size_t) {
    return sys::write_all(STDOUT_FILENO, stream.feed(block));
  });
  if (restored) {
    restored = sys::write_all(STDOUT_FILENO, stream.finish());
  }
  if (!restored) {
    print_error(restored.error());
    return exit_code_for(restored.error());
  }
  return kExitOk;
}

int run_types(const CommandContext& context, const PrivacyOptions& options) {
  if (options.validators) {
    for (const privacy::NamedValidator& validator : privacy::validators()) {
      fmt::print("{:<22} {}\n", validator.name, validator.description);
    }
    return kExitOk;
  }
  auto loaded = load(context, options);
  if (!loaded) {
    return kExitUsage;
  }
  auto& [installation, detector] = *loaded;
  nlohmann::json all = nlohmann::json::array();
  std::size_t builtin = 0;
  for (const privacy::EntityType& type : detector->types()) {
    builtin += type.builtin ? 1 : 0;
    if (options.json) {
      all.push_back({{"id", type.id},
                     {"label", type.label},
                     {"category", type.category},
                     {"regions", type.regions},
                     {"description", type.description},
                     {"pattern", type.pattern},
                     {"caseless", type.caseless},
                     {"validator", type.validator},
                     {"context", type.context},
                     {"context_required", type.context_required},
                     {"example", type.example},
                     {"builtin", type.builtin}});
    } else {
      fmt::print("{:<40} {:<12} {:<14} {:<10} {:<18} {}\n", type.id, type.label, type.category,
                 type.regions, type.validator.empty() ? "-" : type.validator, type.description);
    }
  }
  if (options.json) {
    fmt::print("{}\n", all.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
  } else {
    fmt::print("{} types ({} built in)\n", detector->types().size(), builtin);
  }
  return kExitOk;
}

void add_type_options(CLI::App* command, const std::shared_ptr<PrivacyOptions>& options) {
  // One value per flag (repeat the flag for more), so FILE arguments are never swallowed.
  command
      ->add_option("--dict", options->dictionaries,
                   "User dictionary TYPE=FILE (one term a line); repeatable")
      ->allow_extra_args(false)
      ->take_all();
  command
      ->add_option("--pattern", options->patterns,
                   "User pattern TYPE=REGEX or TYPE:VALIDATOR=REGEX; repeatable")
      ->allow_extra_args(false)
      ->take_all();
}

}  // namespace

void add_privacy_command(CLI::App& app, CommandContext& context) {
  CLI::App* privacy = app.add_subcommand(
      "privacy", "Find, anonymize and restore personal data and secrets in text.");
  privacy->group("Commands");
  privacy->require_subcommand(1);

  auto options = std::make_shared<PrivacyOptions>();
  CLI::App* scan = privacy->add_subcommand(
      "scan", "List the sensitive entities in FILE (or stdin); exit 1 if there are any.");
  add_type_options(scan, options);
  scan->add_flag("--json", options->json, "One JSON document: type, offsets, score, hash");
  scan->add_option("FILE", options->input, "Input file; '-' or none: standard input");
  scan->callback([&context, options] { context.exit_code = run_scan(context, *options); });

  CLI::App* redact = privacy->add_subcommand(
      "redact", "Print FILE (or stdin) with each entity replaced by a placeholder.");
  add_type_options(redact, options);
  redact->add_option("--vault", options->vault,
                     "Save the placeholder mapping, encrypted, to this file (extended if it "
                     "exists)");
  redact->add_option("FILE", options->input, "Input file; '-' or none: standard input");
  redact->callback([&context, options] { context.exit_code = run_redact(context, *options); });

  CLI::App* restore = privacy->add_subcommand(
      "restore", "Print FILE (or stdin) with the vault's placeholders turned back into values.");
  restore->add_option("--vault", options->vault, "Vault written by 'privacy redact'")->required();
  restore->add_option("FILE", options->input, "Input file; '-' or none: standard input");
  restore->callback([&context, options] { context.exit_code = run_restore(context, *options); });

  CLI::App* types = privacy->add_subcommand("types", "List the entity types the filter knows.");
  add_type_options(types, options);
  types->add_flag("--json", options->json, "JSON: id, label, category, regions, example, ...");
  types->add_flag("--validators", options->validators, "List the validators patterns may name");
  types->callback([&context, options] { context.exit_code = run_types(context, *options); });
}

}  // namespace chitin::cli
