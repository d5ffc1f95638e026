#include "audit/ocsf.h"

#include <string_view>

namespace chitin::audit {

namespace {

struct OcsfClass {
  int class_uid;
  const char* class_name;
  int category_uid;
  const char* category_name;
};

constexpr OcsfClass kAuthentication{3002, "Authentication", 3, "Identity & Access Management"};
constexpr OcsfClass kProcess{1007, "Process Activity", 1, "System Activity"};
constexpr OcsfClass kNetwork{4001, "Network Activity", 4, "Network Activity"};
constexpr OcsfClass kApi{6003, "API Activity", 6, "Application Activity"};
constexpr OcsfClass kBase{0, "Base Event", 0, "Uncategorized"};

bool has_prefix(std::string_view type, std::string_view prefix) {
  return type.starts_with(prefix) && type.size() > prefix.size() && type[prefix.size()] == '.';
}

bool ends_with_any(std::string_view type, std::initializer_list<std::string_view> suffixes) {
  for (std::string_view s : suffixes) {
    if (type.ends_with(s)) {
      return true;
    }
  }
  return false;
}

}  // namespace

nlohmann::json to_ocsf(const ParsedRecord& record) {
  const std::string_view type = record.type;
  OcsfClass cls = kBase;
  int activity_id = 99;  // Other
  int severity_id = 1;   // Informational
  int status_id = 0;     // Unknown
  const bool failed = ends_with_any(type, {".fail", ".deny", ".denied", ".refused", ".error",
                                           ".reject", ".rejected", ".lockout"});
  if (has_prefix(type, "auth")) {
    cls = kAuthentication;
    activity_id = ends_with_any(type, {".logout", ".revoke"}) ? 2 : 1;  // Logoff / Logon
    status_id = failed ? 2 : 1;
  } else if (has_prefix(type, "tool") || has_prefix(type, "sandbox")) {
    cls = kProcess;
    activity_id = 1;  // Launch
    status_id = failed ? 2 : 1;
  } else if (has_prefix(type, "egress")) {
    cls = kNetwork;
    activity_id = failed ? 5 : 1;  // Refuse / Open
    status_id = failed ? 2 : 1;
  } else if (has_prefix(type, "config") || has_prefix(type, "skill") ||
             has_prefix(type, "secret") || has_prefix(type, "approval") ||
             has_prefix(type, "policy")) {
    cls = kApi;
    activity_id = ends_with_any(type, {".install", ".create", ".init", ".set"})   ? 1
                  : ends_with_any(type, {".remove", ".rm", ".revoke", ".delete"}) ? 4
                  : ends_with_any(type, {".change", ".update"})                   ? 3
                                                                                  : 99;
    status_id = failed ? 2 : 1;
  }
  if (failed) {
    severity_id = 3;  // Medium
  }
  const auto time_us = parse_rfc3339_micros(record.ts);
  nlohmann::json event{
      {"class_uid", cls.class_uid},
      {"class_name", cls.class_name},
      {"category_uid", cls.category_uid},
      {"category_name", cls.category_name},
      {"activity_id", activity_id},
      {"type_uid", cls.class_uid * 100 + activity_id},
      {"severity_id", severity_id},
      {"status_id", status_id},
      {"time", time_us ? *time_us / 1000 : 0},
      {"message", record.type},
      {"actor", {{"user", {{"name", record.actor}}}}},
      {"metadata",
       {{"version", "1.1.0"},
        {"product", {{"name", "Chitin"}, {"vendor_name", "Chitin"}}},
        {"log_name", "chitin-audit"},
        {"sequence", record.seq},
        {"uid", record.hash},
        {"original_time", record.ts}}},
      {"unmapped", {{"type", record.type}, {"details", record.details}, {"prev", record.prev}}},
  };
  if (!record.session.empty()) {
    event["actor"]["session"] = {{"uid", record.session}};
  }
  return event;
}

}  // namespace chitin::audit
