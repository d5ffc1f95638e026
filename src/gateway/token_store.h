#pragma once
// Scoped gateway tokens in $CHITIN_HOME/tokens.json (0600). Only a BLAKE2b-256 hash of each
// token is stored; the token itself is shown once, at creation. The installation's owner token
// (gateway.token, from `chitin init`) carries every scope. Lookup compares against every hash
// in constant time per hash and never stops early, so timing does not tell which token (or
// how much of one) matched.
//
// Thread-safe: the gateway calls verify() from any thread; the file is re-read when its
// modification time changes, so `chitin token revoke` takes effect without a restart.

#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "config/state_dir.h"
#include "gateway/scopes.h"

namespace chitin::gateway {

inline constexpr std::string_view kTokenPrefix = "chtn_tk_";

struct TokenInfo {
  std::string id;  // "owner" for gateway.token, else "tk_<hex>"
  std::string name;
  ScopeSet scopes = 0;
  std::string created;  // RFC 3339
  bool revoked = false;
};

struct CreatedToken {
  TokenInfo info;
  std::string token;  // shown once
};

class TokenStore {
 public:
  explicit TokenStore(config::StatePaths paths) : paths_(std::move(paths)) {}

  Result<CreatedToken> create(ScopeSet scopes, const std::string& name);
  Result<std::vector<TokenInfo>> list() const;
  Result<TokenInfo> revoke(const std::string& id);

  // The token's info when it is the owner token or a live scoped token.
  Result<std::optional<TokenInfo>> verify(std::string_view token);
  // The current info of token `id` ("owner" included); nullopt when it no longer exists.
  Result<std::optional<TokenInfo>> lookup(const std::string& id);

  std::string file() const { return paths_.home + "/tokens.json"; }

 private:
  struct Entry {
    TokenInfo info;
    std::string hash_hex;
  };
  Result<std::vector<Entry>> load() const;
  Result<void> refresh_locked();
  Result<void> save_locked(const std::vector<Entry>& entries);

  config::StatePaths paths_;
  std::mutex mu_;
  std::vector<Entry> cached_;     // guarded by mu_
  std::string owner_hash_;        // guarded by mu_
  std::string cached_signature_;  // guarded by mu_: stat of tokens.json and gateway.token
  bool loaded_ = false;           // guarded by mu_
};

}  // namespace chitin::gateway
