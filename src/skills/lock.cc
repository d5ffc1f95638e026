#include "skills/lock.h"

#include <fmt/core.h>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "sys/file_ops.h"

namespace chitin::skills {

namespace {

constexpr int kLockVersion = 1;

}  // namespace

Result<SkillsLock> load_lock(const std::string& path) {
  SkillsLock lock;
  auto exists = CHITIN_TRY(sys::status_if_exists(path));
  if (!exists) {
    return lock;
  }
  const std::string text = CHITIN_TRY(sys::read_regular_file(path, kMaxLockBytes));
  auto damaged = [&path](std::string_view why) {
    return fail(ErrorCode::kIntegrity,
                "{} is damaged ({}); restore it from a backup or reinstall the skills", path, why);
  };
  if (json_nesting_depth(text) > 8) {
    return damaged("nested too deeply");
  }
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("version") ||
      json.at("version") != kLockVersion || !json.contains("skills") ||
      !json.at("skills").is_object()) {
    return damaged("not a version 1 skills.lock");
  }
  for (const auto& [name, value] : json.at("skills").items()) {
    if (!value.is_object()) {
      return damaged("entry '" + name + "' is not an object");
    }
    LockEntry entry;
    // nlohmann's typed accessors throw on a wrong type: a damaged file must be an error, not
    // a crash.
    try {
      entry.version = value.at("version").get<std::string>();
      entry.signer = value.at("signer").get<std::string>();
      entry.key_id = value.at("key_id").get<std::string>();
      entry.manifest = value.at("manifest").get<std::string>();
      entry.quarantined = value.at("quarantined").get<bool>();
      entry.source = value.at("source").get<std::string>();
      entry.installed_at = value.at("installed_at").get<std::string>();
      auto permissions =
          permissions_from_json(value.value("permissions", nlohmann::json::object()));
      if (!permissions) {
        return damaged("entry '" + name + "': " + permissions.error().message);
      }
      entry.permissions = std::move(*permissions);
    } catch (const nlohmann::json::exception&) {
      return damaged("entry '" + name + "' lacks a field or has a wrong type");
    }
    if (entry.manifest.size() != 64) {
      return damaged("entry '" + name + "' has no manifest hash");
    }
    lock.skills.emplace(name, std::move(entry));
  }
  return lock;
}

Result<void> save_lock(const std::string& path, const SkillsLock& lock) {
  nlohmann::json skills = nlohmann::json::object();
  for (const auto& [name, entry] : lock.skills) {
    skills[name] = {{"version", entry.version},
                    {"signer", entry.signer},
                    {"key_id", entry.key_id},
                    {"manifest", entry.manifest},
                    {"quarantined", entry.quarantined},
                    {"source", entry.source},
                    {"installed_at", entry.installed_at},
                    {"permissions", to_json(entry.permissions)}};
  }
  const nlohmann::json json = {{"version", kLockVersion}, {"skills", skills}};
  CHITIN_TRY(sys::write_file_atomic(path, json.dump(2) + "\n", 0600));
  return {};
}

}  // namespace chitin::skills
