#include "gateway/token_store.h"

#include <fmt/core.h>
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include "audit/record.h"
#include "base/crypto.h"
#include "base/encoding.h"
#include "base/json_depth.h"
#include "sys/file_ops.h"

namespace chitin::gateway {

namespace {

constexpr std::size_t kMaxTokensFileBytes = 1 << 20;
constexpr std::size_t kMaxTokens = 1000;

std::string hash_token(std::string_view token) {
  return hex_encode(crypto::blake2b_256(as_bytes(token)));
}

// Device, inode, size and modification time: a rotated owner token or a rewritten
// tokens.json (even within one timestamp tick: the atomic rename brings a new inode) is
// noticed at the next request.
std::string file_signature(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) {
    return "missing";
  }
  return fmt::format("{}:{}:{}:{}.{}", st.st_dev, st.st_ino, st.st_size, st.st_mtim.tv_sec,
                     st.st_mtim.tv_nsec);
}

}  // namespace

Result<std::vector<TokenStore::Entry>> TokenStore::load() const {
  std::vector<Entry> entries;
  const std::string path = file();
  if (!CHITIN_TRY(sys::status_if_exists(path))) {
    return entries;
  }
  const std::string text = CHITIN_TRY(sys::read_regular_file(path, kMaxTokensFileBytes));
  auto damaged = [&path](std::string_view why) {
    return fail(ErrorCode::kIntegrity,
                "{} is damaged ({}); fix or remove it and create the "
                "tokens again",
                path, why);
  };
  if (json_nesting_depth(text) > 8) {
    return damaged("nested too deeply");
  }
  const auto json = nlohmann::json::parse(text, nullptr, false);
  if (json.is_discarded() || !json.is_object() || !json.contains("tokens") ||
      !json.at("tokens").is_array()) {
    return damaged("not a tokens file");
  }
  try {
    for (const auto& item : json.at("tokens")) {
      Entry entry;
      entry.info.id = item.at("id").get<std::string>();
      entry.info.name = item.at("name").get<std::string>();
      entry.info.created = item.at("created").get<std::string>();
      entry.info.revoked = item.at("revoked").get<bool>();
      entry.info.scopes =
          CHITIN_TRY(parse_scopes(item.at("scopes").get<std::vector<std::string>>()));
      entry.hash_hex = item.at("hash").get<std::string>();
      if (entry.hash_hex.size() != 64) {
        return damaged("a hash is not 64 hex digits");
      }
      entries.push_back(std::move(entry));
    }
  } catch (const nlohmann::json::exception&) {
    return damaged("a token entry lacks a field or has a wrong type");
  }
  return entries;
}

Result<CreatedToken> TokenStore::create(ScopeSet scopes, const std::string& name) {
  if (name.size() > 64 || !is_valid_utf8(name) ||
      name.find_first_of("\n\r\t") != std::string::npos) {
    return fail(ErrorCode::kInvalidInput, "token names are one line of at most 64 bytes");
  }
  std::lock_guard lock(mu_);
  auto entries = CHITIN_TRY(load());
  if (entries.size() >= kMaxTokens) {
    return fail(ErrorCode::kLimitExceeded, "{} tokens exist; revoke unused ones first", kMaxTokens);
  }
  CreatedToken out;
  out.token = crypto::random_token(std::string(kTokenPrefix), 32);
  out.info.id = "tk_" + hex_encode(crypto::random_bytes(6));
  out.info.name = name;
  out.info.scopes = scopes;
  out.info.created = audit::now_rfc3339();
  entries.push_back(Entry{out.info, hash_token(out.token)});
  CHITIN_RETURN_IF_ERROR(save_locked(entries));
  return out;
}

Result<void> TokenStore::save_locked(const std::vector<Entry>& entries) {
  nlohmann::json tokens = nlohmann::json::array();
  for (const Entry& e : entries) {
    tokens.push_back({{"id", e.info.id},
                      {"name", e.info.name},
                      {"hash", e.hash_hex},
                      {"scopes", scope_names(e.info.scopes)},
                      {"created", e.info.created},
                      {"revoked", e.info.revoked}});
  }
  CHITIN_TRY(sys::write_file_atomic(
      file(), nlohmann::json{{"version", 1}, {"tokens", tokens}}.dump(2) + "\n", 0600));
  loaded_ = false;
  return {};
}

Result<std::vector<TokenInfo>> TokenStore::list() const {
  std::vector<TokenInfo> out;
  for (Entry& entry : CHITIN_TRY(load())) {
    out.push_back(std::move(entry.info));
  }
  return out;
}

Result<TokenInfo> TokenStore::revoke(const std::string& id) {
  std::lock_guard lock(mu_);
  auto entries = CHITIN_TRY(load());
  std::optional<TokenInfo> found;
  for (Entry& e : entries) {
    if (e.info.id == id) {
      e.info.revoked = true;
      found = e.info;
    }
  }
  if (!found) {
    return fail(ErrorCode::kNotFound, "no token with id '{}' (see 'chitin token list')",
                id.substr(0, 64));
  }
  CHITIN_RETURN_IF_ERROR(save_locked(entries));
  return *found;
}

Result<void> TokenStore::refresh_locked() {
  const std::string signature =
      file_signature(file()) + "/" + file_signature(paths_.gateway_token_file());
  if (loaded_ && signature == cached_signature_) {
    return {};
  }
  cached_ = CHITIN_TRY(load());
  const std::string owner = CHITIN_TRY(config::load_gateway_token(paths_));
  owner_hash_ = hash_token(owner);
  cached_signature_ = signature;
  loaded_ = true;
  return {};
}

Result<std::optional<TokenInfo>> TokenStore::lookup(const std::string& id) {
  std::lock_guard lock(mu_);
  CHITIN_RETURN_IF_ERROR(refresh_locked());
  if (id == "owner") {
    return std::optional<TokenInfo>(TokenInfo{"owner", "gateway.token", kAllScopes, "", false});
  }
  for (const Entry& entry : cached_) {
    if (entry.info.id == id) {
      return std::optional<TokenInfo>(entry.info);
    }
  }
  return std::optional<TokenInfo>();
}

Result<std::optional<TokenInfo>> TokenStore::verify(std::string_view token) {
  std::lock_guard lock(mu_);
  CHITIN_RETURN_IF_ERROR(refresh_locked());
  const std::string presented = hash_token(token);
  std::optional<TokenInfo> match;
  // Every comparison runs, whatever matched before it.
  if (crypto::constant_time_equal(presented, owner_hash_)) {
    match = TokenInfo{"owner", "gateway.token", kAllScopes, "", false};
  }
  for (const Entry& entry : cached_) {
    if (crypto::constant_time_equal(presented, entry.hash_hex) && !entry.info.revoked) {
      match = entry.info;
    }
  }
  return match;
}

}  // namespace chitin::gateway
