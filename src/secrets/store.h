#pragma once
// The encrypted secrets store ($CHITIN_HOME/secrets/store): named values bound to hosts, which
// the egress proxy substitutes for their placeholders (chitin-secret://NAME) on the way out.
// Sealed with XChaCha20-Poly1305 (libsodium IETF AEAD) under a 256-bit key that is either a
// key file (keys/secrets.key, 0600) or derived from a passphrase with Argon2id. The header
// carries a key check, so a wrong passphrase is told apart from a damaged file. Every change
// is a locked read-modify-write: the previous version is kept as store.bak, the new one
// replaces the file atomically. Format: docs/secrets.md.

#include <array>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/crypto.h"
#include "base/result.h"

namespace chitin::secrets {

inline constexpr std::string_view kPlaceholderScheme = "chitin-secret://";
inline constexpr std::size_t kMaxNameBytes = 64;
inline constexpr std::size_t kMinValueBytes = 8;
inline constexpr std::size_t kMaxValueBytes = 16 * 1024;
inline constexpr std::size_t kMaxSecrets = 1000;
inline constexpr std::size_t kMaxHostsPerSecret = 32;
inline constexpr std::size_t kMaxStoreBytes = 32U << 20;

struct Secret {
  std::string name;
  std::string value;
  std::vector<std::string> hosts;  // egress rules ("api.openai.com", "127.0.0.1:8080")
  // Header-only injection for providers that need no placeholder in the request: when set,
  // requests to a bound host get `header: format(value)` (format's "{}" is the value).
  std::string header;
  std::string format = "{}";
  bool body = false;         // substitute placeholders in request bodies too (off: headers and URL)
  std::int64_t created = 0;  // Unix seconds
  std::int64_t last_used = 0;  // 0: never
};

// The characters of a name: 1..kMaxNameBytes of them, starting with a letter and not ending
// with '.'. The same alphabet as a skill manifest's `secrets` entries, so a skill that
// declares OPENAI_API_KEY uses the stored secret of that name.
inline constexpr std::string_view kNameChars =
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-.";
Result<void> check_name(std::string_view name);
// A value: kMinValueBytes..kMaxValueBytes, no NUL, CR or LF (it may go into a header).
Result<void> check_value(std::string_view value);
// A format: exactly one "{}", no CR/LF, at most 256 bytes.
Result<void> check_format(std::string_view format);
// "chitin-secret://NAME".
std::string placeholder(std::string_view name);
// The environment variable a granted secret appears in: NAME upper-cased, '-' and '.' as '_'.
std::string env_name(std::string_view name);

// Where a store lives.
struct StoreFiles {
  std::string dir;       // $CHITIN_HOME/secrets (0700)
  std::string key_file;  // $CHITIN_HOME/keys/secrets.key
  [[nodiscard]] std::string store() const { return dir + "/store"; }
  [[nodiscard]] std::string backup() const { return dir + "/store.bak"; }
  [[nodiscard]] std::string lock() const { return dir + "/lock"; }
};

// Asked for the passphrase only when the store is passphrase-protected.
using PassphraseSource = std::function<Result<std::string>()>;

enum class KeyKind : std::uint8_t { kKeyFile = 1, kPassphrase = 2 };

class Store {
 public:
  // Creates an empty store: with a passphrase when one is given (Argon2id), else with a new
  // key file. Fails if a store already exists.
  static Result<Store> create(const StoreFiles& files,
                              const std::optional<std::string>& passphrase);
  static Result<bool> exists(const StoreFiles& files);
  // How the existing store is keyed, from its header alone (no key needed).
  static Result<KeyKind> key_kind_of(const StoreFiles& files);
  // Opens and authenticates the store; a wrong passphrase or key, a damaged file and a key
  // file readable by others are errors that say which and what to do.
  static Result<Store> open(const StoreFiles& files, const PassphraseSource& passphrase);

  Store(Store&& other) noexcept;
  Store& operator=(Store&& other) noexcept;
  Store(const Store&) = delete;
  Store& operator=(const Store&) = delete;
  ~Store();

  [[nodiscard]] const std::vector<Secret>& secrets() const { return secrets_; }
  [[nodiscard]] const Secret* find(std::string_view name) const;
  [[nodiscard]] KeyKind key_kind() const { return kind_; }

  // Each change re-reads the file under the lock, applies itself, and writes (backup first).
  Result<void> put(Secret secret);
  Result<bool> remove(std::string_view name);
  Result<void> mark_used(const std::vector<std::string>& names, std::int64_t when);

 private:
  Store() = default;
  Result<void> modify(const std::function<Result<void>(std::vector<Secret>&)>& change);

  StoreFiles files_;
  KeyKind kind_ = KeyKind::kKeyFile;
  std::vector<std::uint8_t> salt_;
  std::uint64_t ops_limit_ = 0;
  std::uint64_t mem_limit_ = 0;
  std::array<std::uint8_t, 32> key_{};
  std::vector<Secret> secrets_;
};

// The sealed file's plaintext (JSON), parsed and validated; public for fuzzing.
Result<std::vector<Secret>> parse_contents(std::string_view json, std::string_view source);
std::string serialize_contents(const std::vector<Secret>& secrets);

}  // namespace chitin::secrets
