#include "sandbox/policy.h"

#include <fmt/format.h>

namespace chitin::sandbox {

namespace {

struct Range {
  std::uint64_t min;
  std::uint64_t max;
};

constexpr Range kTimeoutMs{1, 86400000};
constexpr Range kMemoryMb{16, 1048576};
constexpr Range kPids{1, 65536};
constexpr Range kTmpMb{1, 65536};
constexpr Range kNofile{16, 65536};
constexpr Range kCpuSeconds{1, 86400};
constexpr Range kFileSizeMb{1, 1048576};
constexpr Range kLandlockAbi{4, 1000};

Result<void> check_path(std::string_view field, const std::string& path, bool relative) {
  if (path.empty() || path.size() > kMaxPathBytes || path.find('\0') != std::string::npos) {
    return fail(ErrorCode::kInvalidInput, "policy {}: '{}' is empty, too long or has NUL", field,
                path);
  }
  if (relative == (path.front() == '/')) {
    return fail(ErrorCode::kInvalidInput, "policy {}: '{}' must be {}", field, path,
                relative ? "relative to the workspace" : "an absolute path");
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = std::min(path.find('/', start), path.size());
    const std::string_view part = std::string_view(path).substr(start, slash - start);
    if (part == ".." || part == ".") {
      return fail(ErrorCode::kInvalidInput, "policy {}: '{}' may not contain '.' or '..'", field,
                  path);
    }
    start = slash + 1;
  }
  return {};
}

Result<void> check_env(const std::string& entry) {
  const auto equals = entry.find('=');
  if (equals == std::string::npos || equals == 0 || entry.size() > kMaxArgBytes ||
      entry.find('\0') != std::string::npos) {
    return fail(ErrorCode::kInvalidInput, "policy env: '{}' is not NAME=VALUE", entry);
  }
  for (std::size_t i = 0; i < equals; ++i) {
    const char c = entry[i];
    const bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) {
      return fail(ErrorCode::kInvalidInput, "policy env: '{}' has an invalid name",
                  entry.substr(0, equals));
    }
  }
  return {};
}

Result<void> check_range(std::string_view field, std::uint64_t value, Range range) {
  if (value < range.min || value > range.max) {
    return fail(ErrorCode::kInvalidInput, "policy {}: {} is out of range {}..{}", field, value,
                range.min, range.max);
  }
  return {};
}

Result<std::vector<std::string>> string_list(const nlohmann::json& j, std::string_view field,
                                             std::size_t max_items) {
  if (!j.is_array() || j.size() > max_items) {
    return fail(ErrorCode::kInvalidInput, "policy {}: expected an array of at most {} strings",
                field, max_items);
  }
  std::vector<std::string> out;
  for (const auto& item : j) {
    if (!item.is_string()) {
      return fail(ErrorCode::kInvalidInput, "policy {}: every item must be a string", field);
    }
    out.push_back(item.get<std::string>());
  }
  return out;
}

}  // namespace

SandboxPolicy default_policy() {
  SandboxPolicy policy;
  for (std::string_view path : kDefaultProtectedPaths) {
    policy.protected_paths.emplace_back(path);
  }
  return policy;
}

std::string_view to_string(WorkspaceAccess access) {
  switch (access) {
    case WorkspaceAccess::kReadWrite:
      return "rw";
    case WorkspaceAccess::kReadOnly:
      return "ro";
    case WorkspaceAccess::kNone:
      return "none";
  }
  return "rw";
}

nlohmann::json policy_to_json(const SandboxPolicy& p) {
  return nlohmann::json{{"argv", p.argv},
                        {"workspace_access", to_string(p.workspace_access)},
                        {"workspace_read", p.workspace_read},
                        {"workspace_write", p.workspace_write},
                        {"skill_dir", p.skill_dir},
                        {"executables", p.executables},
                        {"env", p.env},
                        {"workspace", p.workspace},
                        {"read_only", p.read_only},
                        {"read_write", p.read_write},
                        {"protected_paths", p.protected_paths},
                        {"timeout_ms", p.timeout_ms},
                        {"memory_mb", p.memory_mb},
                        {"pids_max", p.pids_max},
                        {"tmp_mb", p.tmp_mb},
                        {"nofile", p.nofile},
                        {"cpu_seconds", p.cpu_seconds},
                        {"file_size_mb", p.file_size_mb},
                        {"min_landlock_abi", p.min_landlock_abi},
                        {"proxy_socket", p.proxy_socket},
                        {"ca_bundle", p.ca_bundle}};
}

Result<void> validate_policy(const SandboxPolicy& p) {
  if (p.argv.empty() || p.argv.size() > kMaxArgs || p.argv[0].empty()) {
    return fail(ErrorCode::kInvalidInput, "policy argv: give a command (1..{} arguments)",
                kMaxArgs);
  }
  std::size_t total = 0;
  for (const std::string& arg : p.argv) {
    total += arg.size();
    if (arg.find('\0') != std::string::npos || total > kMaxPolicyBytes) {
      return fail(ErrorCode::kInvalidInput, "policy argv: NUL byte or arguments too long");
    }
  }
  if (p.env.size() > kMaxEnv) {
    return fail(ErrorCode::kInvalidInput, "policy env: more than {} entries", kMaxEnv);
  }
  for (const std::string& entry : p.env) {
    CHITIN_RETURN_IF_ERROR(check_env(entry));
  }
  CHITIN_RETURN_IF_ERROR(check_path("workspace", p.workspace, false));
  if (!p.proxy_socket.empty()) {
    CHITIN_RETURN_IF_ERROR(check_path("proxy_socket", p.proxy_socket, false));
  }
  if (!p.ca_bundle.empty()) {
    CHITIN_RETURN_IF_ERROR(check_path("ca_bundle", p.ca_bundle, false));
  }
  if (!p.skill_dir.empty()) {
    CHITIN_RETURN_IF_ERROR(check_path("skill_dir", p.skill_dir, false));
  }
  if (p.executables.size() > kMaxExecutables) {
    return fail(ErrorCode::kInvalidInput, "policy: more than {} executables", kMaxExecutables);
  }
  for (const std::string& path : p.executables) {
    CHITIN_RETURN_IF_ERROR(check_path("executables", path, false));
  }
  for (const auto* list : {&p.workspace_read, &p.workspace_write}) {
    if (list->size() > kMaxPaths) {
      return fail(ErrorCode::kInvalidInput, "policy: more than {} workspace paths", kMaxPaths);
    }
    for (const std::string& path : *list) {
      CHITIN_RETURN_IF_ERROR(
          check_path(list == &p.workspace_read ? "workspace_read" : "workspace_write", path, true));
    }
  }
  for (const auto* list : {&p.read_only, &p.read_write}) {
    if (list->size() > kMaxPaths) {
      return fail(ErrorCode::kInvalidInput, "policy: more than {} extra paths", kMaxPaths);
    }
    for (const std::string& path : *list) {
      CHITIN_RETURN_IF_ERROR(
          check_path(list == &p.read_only ? "read_only" : "read_write", path, false));
    }
  }
  if (p.protected_paths.size() > kMaxPaths) {
    return fail(ErrorCode::kInvalidInput, "policy: more than {} protected paths", kMaxPaths);
  }
  for (const std::string& path : p.protected_paths) {
    CHITIN_RETURN_IF_ERROR(check_path("protected_paths", path, true));
  }
  CHITIN_RETURN_IF_ERROR(check_range("timeout_ms", p.timeout_ms, kTimeoutMs));
  CHITIN_RETURN_IF_ERROR(check_range("memory_mb", p.memory_mb, kMemoryMb));
  CHITIN_RETURN_IF_ERROR(check_range("pids_max", p.pids_max, kPids));
  CHITIN_RETURN_IF_ERROR(check_range("tmp_mb", p.tmp_mb, kTmpMb));
  CHITIN_RETURN_IF_ERROR(check_range("nofile", p.nofile, kNofile));
  CHITIN_RETURN_IF_ERROR(check_range("cpu_seconds", p.cpu_seconds, kCpuSeconds));
  CHITIN_RETURN_IF_ERROR(check_range("file_size_mb", p.file_size_mb, kFileSizeMb));
  CHITIN_RETURN_IF_ERROR(check_range("min_landlock_abi", p.min_landlock_abi, kLandlockAbi));
  return {};
}

Result<SandboxPolicy> policy_from_json(std::string_view text) {
  if (text.size() > kMaxPolicyBytes) {
    return fail(ErrorCode::kLimitExceeded, "sandbox policy is over {} bytes", kMaxPolicyBytes);
  }
  const nlohmann::json j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) {
    return fail(ErrorCode::kInvalidInput, "sandbox policy is not a JSON object");
  }
  SandboxPolicy p;
  for (const auto& [key, value] : j.items()) {
    if (key == "argv") {
      p.argv = CHITIN_TRY(string_list(value, key, kMaxArgs));
    } else if (key == "env") {
      p.env = CHITIN_TRY(string_list(value, key, kMaxEnv));
    } else if (key == "read_only") {
      p.read_only = CHITIN_TRY(string_list(value, key, kMaxPaths));
    } else if (key == "read_write") {
      p.read_write = CHITIN_TRY(string_list(value, key, kMaxPaths));
    } else if (key == "protected_paths") {
      p.protected_paths = CHITIN_TRY(string_list(value, key, kMaxPaths));
    } else if (key == "workspace_read") {
      p.workspace_read = CHITIN_TRY(string_list(value, key, kMaxPaths));
    } else if (key == "workspace_write") {
      p.workspace_write = CHITIN_TRY(string_list(value, key, kMaxPaths));
    } else if (key == "executables") {
      p.executables = CHITIN_TRY(string_list(value, key, kMaxExecutables));
    } else if (key == "workspace_access") {
      const std::string access = value.is_string() ? value.get<std::string>() : std::string();
      if (access == "rw") {
        p.workspace_access = WorkspaceAccess::kReadWrite;
      } else if (access == "ro") {
        p.workspace_access = WorkspaceAccess::kReadOnly;
      } else if (access == "none") {
        p.workspace_access = WorkspaceAccess::kNone;
      } else {
        return fail(ErrorCode::kInvalidInput, "policy workspace_access: expected rw, ro or none");
      }
    } else if (key == "workspace" || key == "proxy_socket" || key == "ca_bundle" ||
               key == "skill_dir") {
      if (!value.is_string()) {
        return fail(ErrorCode::kInvalidInput, "policy {}: expected a string", key);
      }
      (key == "workspace"      ? p.workspace
       : key == "proxy_socket" ? p.proxy_socket
       : key == "ca_bundle"    ? p.ca_bundle
                               : p.skill_dir) = value.get<std::string>();
    } else {
      std::uint64_t* field = key == "timeout_ms"         ? &p.timeout_ms
                             : key == "memory_mb"        ? &p.memory_mb
                             : key == "pids_max"         ? &p.pids_max
                             : key == "tmp_mb"           ? &p.tmp_mb
                             : key == "nofile"           ? &p.nofile
                             : key == "cpu_seconds"      ? &p.cpu_seconds
                             : key == "file_size_mb"     ? &p.file_size_mb
                             : key == "min_landlock_abi" ? &p.min_landlock_abi
                                                         : nullptr;
      if (field == nullptr) {
        return fail(ErrorCode::kInvalidInput, "sandbox policy has an unknown key '{}'", key);
      }
      if (!value.is_number_unsigned()) {
        return fail(ErrorCode::kInvalidInput, "policy {}: expected a non-negative integer", key);
      }
      *field = value.get<std::uint64_t>();
    }
  }
  CHITIN_RETURN_IF_ERROR(validate_policy(p));
  return p;
}

}  // namespace chitin::sandbox
