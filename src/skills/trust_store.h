#pragma once
// The skill publishers this installation trusts: minisign public keys stored one per file as
// $CHITIN_HOME/trust/NAME.pub (0600 files in a 0700 directory). Not thread-safe; callers
// serialise changes (the CLI runs one command at a time).

#include <optional>
#include <string>
#include <vector>

#include "base/result.h"
#include "skills/minisign.h"

namespace chitin::skills {

struct TrustedKey {
  std::string name;
  MinisignPublicKey key;
};

class TrustStore {
 public:
  explicit TrustStore(std::string dir) : dir_(std::move(dir)) {}

  // Every key in the store; a damaged key file is an error naming it.
  Result<std::vector<TrustedKey>> list() const;
  // Adds a public key under `name`; refuses a name or key id already present.
  Result<TrustedKey> add(const std::string& name, std::string_view public_key_text);
  Result<void> remove(const std::string& name);

  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// Names for keys: 1..64 of a-z A-Z 0-9 . _ -, not starting with '.'.
Result<void> check_key_name(std::string_view name);

// The key in `keys` with this id, if any.
std::optional<TrustedKey> find_key(const std::vector<TrustedKey>& keys, const KeyId& id);

}  // namespace chitin::skills
