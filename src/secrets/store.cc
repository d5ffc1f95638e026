#include "secrets/store.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sodium.h>
#include <sys/file.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstring>

#include <nlohmann/json.hpp>

#include "base/json_depth.h"
#include "config/state_dir.h"
#include "sys/file_ops.h"

namespace chitin::secrets {

namespace {

// Sealed file: magic | kind (1) | salt (16) | opslimit (8, LE) | memlimit (8, LE) |
// key check (16) | nonce (24) | ciphertext with its 16-byte tag. The header is the AEAD's
// associated data, so none of it can be altered unnoticed.
constexpr std::string_view kMagic = "CHITIN-SECRETS-1";
constexpr std::size_t kSaltBytes = 16;
constexpr std::size_t kCheckBytes = 16;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr std::size_t kHeaderBytes =
    kMagic.size() + 1 + kSaltBytes + 8 + 8 + kCheckBytes + kNonceBytes;
constexpr std::string_view kKeyFileHeader = "chitin secrets key v1: xchacha20-poly1305";
constexpr std::string_view kKeyCheckContext = "chitin secrets key check v1";
// Bounds on a header's KDF cost, so a crafted file cannot make open() burn memory or time.
constexpr std::uint64_t kMaxOpsLimit = 16;
constexpr std::uint64_t kMaxMemLimit = 1ULL << 30;
constexpr std::size_t kMaxPassphraseBytes = 1024;

using Key = std::array<std::uint8_t, 32>;

void put_u64(std::string& out, std::uint64_t value) {
  for (int i = 0; i < 8; ++i) {
    out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
  }
}

std::uint64_t get_u64(std::string_view in) {
  std::uint64_t value = 0;
  for (int i = 7; i >= 0; --i) {
    value = (value << 8) | static_cast<unsigned char>(in[static_cast<std::size_t>(i)]);
  }
  return value;
}

std::array<std::uint8_t, kCheckBytes> key_check(const Key& key) {
  std::array<std::uint8_t, kCheckBytes> out{};
  crypto_generichash(out.data(), out.size(),
                     reinterpret_cast<const unsigned char*>(kKeyCheckContext.data()),
                     kKeyCheckContext.size(), key.data(), key.size());
  return out;
}

Result<Key> derive_key(std::string passphrase, std::span<const std::uint8_t> salt,
                       std::uint64_t ops, std::uint64_t mem) {
  if (passphrase.empty()) {
    return fail(ErrorCode::kInvalidInput, "the passphrase is empty");
  }
  if (passphrase.size() > kMaxPassphraseBytes) {
    crypto::wipe(passphrase);
    return fail(ErrorCode::kLimitExceeded, "the passphrase is over {} bytes", kMaxPassphraseBytes);
  }
  Key key{};
  const int rc =
      crypto_pwhash(key.data(), key.size(), passphrase.data(), passphrase.size(), salt.data(), ops,
                    static_cast<std::size_t>(mem), crypto_pwhash_ALG_ARGON2ID13);
  crypto::wipe(passphrase);
  if (rc != 0) {
    return fail(ErrorCode::kUnavailable,
                "Argon2id needs {} MiB of memory, which this process could not get", mem >> 20);
  }
  return key;
}

Result<Key> read_key_file(const std::string& path) {
  auto status = CHITIN_TRY(sys::status_if_exists(path));
  if (!status) {
    return fail(ErrorCode::kNotFound,
                "the secrets key file {} is missing: restore it from a backup (without it the "
                "store cannot be opened)",
                path);
  }
  if ((status->mode & 077) != 0) {
    return fail(ErrorCode::kPermission,
                "{} can be read by other users (mode {:04o}); run 'chmod 600 {}' and rotate "
                "the secrets it protects",
                path, status->mode & 07777, path);
  }
  Bytes raw = CHITIN_TRY(config::read_key_file(path, kKeyFileHeader, 32));
  Key key{};
  std::copy(raw.begin(), raw.end(), key.begin());
  crypto::wipe(raw);
  return key;
}

std::string seal(const std::string& header, const Key& key, std::string plain) {
  std::string out = header;
  out.resize(header.size() + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long written = 0;
  const auto* nonce =
      reinterpret_cast<const unsigned char*>(header.data() + kHeaderBytes - kNonceBytes);
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(out.data() + header.size()), &written,
      reinterpret_cast<const unsigned char*>(plain.data()), plain.size(),
      reinterpret_cast<const unsigned char*>(header.data()), header.size(), nullptr, nonce,
      key.data());
  crypto::wipe(plain);
  out.resize(header.size() + written);
  return out;
}

struct Parsed {
  KeyKind kind = KeyKind::kKeyFile;
  std::vector<std::uint8_t> salt;
  std::uint64_t ops = 0;
  std::uint64_t mem = 0;
  std::array<std::uint8_t, kCheckBytes> check{};
};

Result<Parsed> parse_header(std::string_view file, const std::string& path) {
  if (file.size() < kHeaderBytes + crypto_aead_xchacha20poly1305_ietf_ABYTES ||
      !file.starts_with(kMagic)) {
    return fail(ErrorCode::kIntegrity,
                "{} is not a Chitin secrets store (damaged or truncated); the previous version "
                "is in store.bak",
                path);
  }
  Parsed parsed;
  std::size_t at = kMagic.size();
  const auto kind = static_cast<std::uint8_t>(file[at++]);
  if (kind != static_cast<std::uint8_t>(KeyKind::kKeyFile) &&
      kind != static_cast<std::uint8_t>(KeyKind::kPassphrase)) {
    return fail(ErrorCode::kIntegrity, "{} names an unknown key kind {}", path, kind);
  }
  parsed.kind = static_cast<KeyKind>(kind);
  parsed.salt.assign(file.begin() + static_cast<std::ptrdiff_t>(at),
                     file.begin() + static_cast<std::ptrdiff_t>(at + kSaltBytes));
  at += kSaltBytes;
  parsed.ops = get_u64(file.substr(at, 8));
  parsed.mem = get_u64(file.substr(at + 8, 8));
  at += 16;
  std::memcpy(parsed.check.data(), file.data() + at, kCheckBytes);
  if (parsed.kind == KeyKind::kPassphrase &&
      (parsed.ops < crypto_pwhash_OPSLIMIT_MIN || parsed.ops > kMaxOpsLimit ||
       parsed.mem < crypto_pwhash_MEMLIMIT_MIN || parsed.mem > kMaxMemLimit)) {
    return fail(ErrorCode::kIntegrity, "{} asks for Argon2id limits out of range (damaged?)", path);
  }
  return parsed;
}

std::string make_header(KeyKind kind, std::span<const std::uint8_t> salt, std::uint64_t ops,
                        std::uint64_t mem, const Key& key) {
  std::string header(kMagic);
  header.push_back(static_cast<char>(kind));
  std::uint8_t zero_salt[kSaltBytes] = {};
  const auto use_salt = salt.empty() ? std::span<const std::uint8_t>(zero_salt) : salt;
  header.append(as_chars(use_salt));
  put_u64(header, ops);
  put_u64(header, mem);
  header.append(as_chars(key_check(key)));
  std::array<std::uint8_t, kNonceBytes> nonce{};
  crypto::fill_random(nonce);
  header.append(as_chars(nonce));
  return header;
}

// Decrypts with `key`, the header already checked against it.
Result<std::vector<Secret>> unseal(std::string_view file, const Key& key, const std::string& path) {
  const std::string_view header = file.substr(0, kHeaderBytes);
  const std::string_view cipher = file.substr(kHeaderBytes);
  std::string plain(cipher.size(), '\0');
  unsigned long long plain_size = 0;
  const auto* nonce =
      reinterpret_cast<const unsigned char*>(header.data() + kHeaderBytes - kNonceBytes);
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_size, nullptr,
          reinterpret_cast<const unsigned char*>(cipher.data()), cipher.size(),
          reinterpret_cast<const unsigned char*>(header.data()), header.size(), nonce,
          key.data()) != 0) {
    return fail(ErrorCode::kIntegrity,
                "{} is damaged: the key is right but the contents do not authenticate; the "
                "previous version is in store.bak (copy it over the store to recover)",
                path);
  }
  plain.resize(plain_size);
  auto secrets = parse_contents(plain, path);
  crypto::wipe(plain);
  return secrets;
}

std::string lower_ascii(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

bool is_header_token(std::string_view name) {
  static constexpr std::string_view kTokenChars =
      "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
  return !name.empty() && name.size() <= 64 &&
         name.find_first_not_of(kTokenChars) == std::string_view::npos;
}

}  // namespace

Result<void> check_name(std::string_view name) {
  const auto is_letter = [](char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); };
  const bool ok = !name.empty() && name.size() <= kMaxNameBytes && is_letter(name[0]) &&
                  !name.ends_with('.') &&
                  name.find_first_not_of(kNameChars) == std::string_view::npos;
  if (!ok) {
    return fail(ErrorCode::kInvalidInput,
                "secret name '{}' is not valid: use 1-{} letters, digits, '_', '-' or '.', "
                "starting with a letter (e.g. openai, GITHUB_TOKEN)",
                name.substr(0, kMaxNameBytes + 8), kMaxNameBytes);
  }
  return {};
}

Result<void> check_value(std::string_view value) {
  if (value.size() < kMinValueBytes) {
    return fail(ErrorCode::kInvalidInput,
                "the secret value is {} bytes; at least {} are needed (shorter values cannot be "
                "told apart from ordinary text by the leak scanner)",
                value.size(), kMinValueBytes);
  }
  if (value.size() > kMaxValueBytes) {
    return fail(ErrorCode::kLimitExceeded, "the secret value is over {} bytes", kMaxValueBytes);
  }
  if (value.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "the secret value contains a NUL or a line break inside it; values go into "
                "request headers, so they must be one line (a final newline is dropped)");
  }
  return {};
}

Result<void> check_format(std::string_view format) {
  const auto first = format.find("{}");
  if (format.size() > 256 || first == std::string_view::npos ||
      format.find("{}", first + 2) != std::string_view::npos ||
      format.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos) {
    return fail(ErrorCode::kInvalidInput,
                "--format '{}' must contain '{{}}' exactly once (where the value goes), e.g. "
                "'Bearer {{}}', and no line breaks",
                format.substr(0, 64));
  }
  return {};
}

std::string placeholder(std::string_view name) {
  return std::string(kPlaceholderScheme) + std::string(name);
}

std::string env_name(std::string_view name) {
  std::string out;
  for (const char c : name) {
    out.push_back(c == '-' || c == '.'
                      ? '_'
                      : static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
  }
  return out;
}

Result<std::vector<Secret>> parse_contents(std::string_view json, std::string_view source) {
  if (json.size() > kMaxStoreBytes || json_nesting_depth(json) > 8) {
    return fail(ErrorCode::kIntegrity, "{}: the contents are too large or too deep", source);
  }
  const auto doc = nlohmann::json::parse(json, nullptr, false);
  const auto bad = [&](std::string_view what) {
    return fail(ErrorCode::kIntegrity, "{}: the contents are damaged ({})", source, what);
  };
  // nlohmann's value() throws on a type mismatch; every field is type-checked here instead.
  const auto integer = [](const nlohmann::json& object, const char* key) -> std::int64_t {
    const auto found = object.find(key);
    return found != object.end() && found->is_number_integer() ? found->get<std::int64_t>() : 0;
  };
  if (!doc.is_object() || integer(doc, "version") != 1 || !doc.contains("secrets") ||
      !doc["secrets"].is_array()) {
    return bad("not a version-1 secrets document");
  }
  if (doc["secrets"].size() > kMaxSecrets) {
    return bad("too many secrets");
  }
  std::vector<Secret> out;
  for (const auto& item : doc["secrets"]) {
    if (!item.is_object() || !item.contains("name") || !item["name"].is_string() ||
        !item.contains("value") || !item["value"].is_string()) {
      return bad("an entry without a name or value");
    }
    Secret secret;
    secret.name = item["name"].get<std::string>();
    secret.value = item["value"].get<std::string>();
    if (!check_name(secret.name) || !check_value(secret.value)) {
      return bad(fmt::format("entry '{}' has an invalid name or value", secret.name.substr(0, 64)));
    }
    if (const auto hosts = item.find("hosts"); hosts != item.end()) {
      if (!hosts->is_array() || hosts->size() > kMaxHostsPerSecret) {
        return bad("hosts is not a short list");
      }
      for (const auto& host : *hosts) {
        if (!host.is_string() || host.get<std::string>().empty() ||
            host.get<std::string>().size() > 262) {
          return bad("a host is not a string");
        }
        secret.hosts.push_back(host.get<std::string>());
      }
    }
    if (item.contains("header") && item["header"].is_string()) {
      secret.header = item["header"].get<std::string>();
    }
    if (item.contains("format") && item["format"].is_string()) {
      secret.format = item["format"].get<std::string>();
    }
    if ((!secret.header.empty() && !is_header_token(secret.header)) ||
        !check_format(secret.format)) {
      return bad(fmt::format("entry '{}' has an invalid header or format", secret.name));
    }
    secret.body = item.contains("body") && item["body"].is_boolean() && item["body"].get<bool>();
    secret.created = integer(item, "created");
    secret.last_used = integer(item, "last_used");
    if (std::any_of(out.begin(), out.end(),
                    [&](const Secret& other) { return other.name == secret.name; })) {
      return bad(fmt::format("'{}' appears twice", secret.name));
    }
    out.push_back(std::move(secret));
  }
  return out;
}

std::string serialize_contents(const std::vector<Secret>& secrets) {
  nlohmann::json list = nlohmann::json::array();
  for (const Secret& secret : secrets) {
    list.push_back({{"name", secret.name},
                    {"value", secret.value},
                    {"hosts", secret.hosts},
                    {"header", secret.header},
                    {"format", secret.format},
                    {"body", secret.body},
                    {"created", secret.created},
                    {"last_used", secret.last_used}});
  }
  return nlohmann::json{{"version", 1}, {"secrets", std::move(list)}}.dump();
}

Result<bool> Store::exists(const StoreFiles& files) {
  return CHITIN_TRY(sys::status_if_exists(files.store())).has_value();
}

Result<KeyKind> Store::key_kind_of(const StoreFiles& files) {
  const std::string file = CHITIN_TRY(sys::read_regular_file(files.store(), kMaxStoreBytes));
  return CHITIN_TRY(parse_header(file, files.store())).kind;
}

Result<Store> Store::create(const StoreFiles& files, const std::optional<std::string>& passphrase) {
  CHITIN_TRY(sys::ensure_directory(files.dir, 0700));
  if (CHITIN_TRY(exists(files))) {
    return fail(ErrorCode::kAlreadyExists, "{} already exists", files.store());
  }
  Store store;
  store.files_ = files;
  if (passphrase) {
    store.kind_ = KeyKind::kPassphrase;
    store.salt_.resize(kSaltBytes);
    crypto::fill_random(store.salt_);
    store.ops_limit_ = crypto_pwhash_OPSLIMIT_INTERACTIVE;
    store.mem_limit_ = crypto_pwhash_MEMLIMIT_INTERACTIVE;
    store.key_ =
        CHITIN_TRY(derive_key(*passphrase, store.salt_, store.ops_limit_, store.mem_limit_));
  } else {
    // A key file left by an earlier store (e.g. the store was deleted) is reused: it may
    // still open store.bak.
    if (CHITIN_TRY(sys::status_if_exists(files.key_file))) {
      store.key_ = CHITIN_TRY(read_key_file(files.key_file));
    } else {
      crypto::fill_random(store.key_);
      std::string text = config::format_key_file(kKeyFileHeader, store.key_);
      auto wrote = sys::write_file_atomic(files.key_file, text, 0600, sys::WriteMode::kCreateOnly);
      crypto::wipe(text);
      if (!CHITIN_TRY(std::move(wrote))) {
        return fail(ErrorCode::kAlreadyExists, "{} appeared meanwhile; run the command again",
                    files.key_file);
      }
    }
  }
  const std::string header =
      make_header(store.kind_, store.salt_, store.ops_limit_, store.mem_limit_, store.key_);
  if (!CHITIN_TRY(sys::write_file_atomic(files.store(),
                                         seal(header, store.key_, serialize_contents({})), 0600,
                                         sys::WriteMode::kCreateOnly))) {
    return fail(ErrorCode::kAlreadyExists, "{} appeared meanwhile", files.store());
  }
  return store;
}

Result<Store> Store::open(const StoreFiles& files, const PassphraseSource& passphrase) {
  auto status = CHITIN_TRY(sys::status_if_exists(files.store()));
  if (!status) {
    return fail(ErrorCode::kNotFound,
                "there is no secrets store yet ({}); 'chitin secrets set NAME' creates it",
                files.store());
  }
  std::string file = CHITIN_TRY(sys::read_regular_file(files.store(), kMaxStoreBytes));
  const Parsed parsed = CHITIN_TRY(parse_header(file, files.store()));
  Store store;
  store.files_ = files;
  store.kind_ = parsed.kind;
  if (parsed.kind == KeyKind::kPassphrase) {
    if (!passphrase) {
      return fail(ErrorCode::kPermission,
                  "the secrets store is protected by a passphrase: set CHITIN_PASSPHRASE or run "
                  "the command in a terminal");
    }
    store.salt_ = parsed.salt;
    store.ops_limit_ = parsed.ops;
    store.mem_limit_ = parsed.mem;
    std::string text = CHITIN_TRY(passphrase());
    store.key_ = CHITIN_TRY(derive_key(std::move(text), store.salt_, parsed.ops, parsed.mem));
  } else {
    store.key_ = CHITIN_TRY(read_key_file(files.key_file));
  }
  const auto check = key_check(store.key_);
  if (!crypto::constant_time_equal(check, parsed.check)) {
    if (parsed.kind == KeyKind::kPassphrase) {
      return fail(ErrorCode::kPermission,
                  "wrong passphrase for the secrets store (nothing was read or changed)");
    }
    return fail(ErrorCode::kPermission,
                "{} does not belong to this secrets store (was it replaced?); restore the "
                "matching key file",
                files.key_file);
  }
  store.secrets_ = CHITIN_TRY(unseal(file, store.key_, files.store()));
  return store;
}

Store::Store(Store&& other) noexcept
    : files_(std::move(other.files_)),
      kind_(other.kind_),
      salt_(std::move(other.salt_)),
      ops_limit_(other.ops_limit_),
      mem_limit_(other.mem_limit_),
      key_(other.key_),
      secrets_(std::move(other.secrets_)) {
  crypto::wipe(other.key_);
}

Store& Store::operator=(Store&& other) noexcept {
  if (this != &other) {
    crypto::wipe(key_);
    for (Secret& secret : secrets_) {
      crypto::wipe(secret.value);
    }
    files_ = std::move(other.files_);
    kind_ = other.kind_;
    salt_ = std::move(other.salt_);
    ops_limit_ = other.ops_limit_;
    mem_limit_ = other.mem_limit_;
    key_ = other.key_;
    secrets_ = std::move(other.secrets_);
    crypto::wipe(other.key_);
  }
  return *this;
}

Store::~Store() {
  crypto::wipe(key_);
  for (Secret& secret : secrets_) {
    crypto::wipe(secret.value);
  }
}

const Secret* Store::find(std::string_view name) const {
  for (const Secret& secret : secrets_) {
    if (secret.name == name) {
      return &secret;
    }
  }
  return nullptr;
}

Result<void> Store::modify(const std::function<Result<void>(std::vector<Secret>&)>& change) {
  UniqueFd lock = CHITIN_TRY(sys::open_file(files_.lock(), O_RDWR | O_CREAT | O_CLOEXEC, 0600));
  if (::flock(lock.get(), LOCK_EX) != 0) {
    return errno_fail(fmt::format("lock {}", files_.lock()));
  }
  // Re-read under the lock: another process may have changed the store since open().
  std::string file = CHITIN_TRY(sys::read_regular_file(files_.store(), kMaxStoreBytes));
  const Parsed parsed = CHITIN_TRY(parse_header(file, files_.store()));
  if (!crypto::constant_time_equal(key_check(key_), parsed.check)) {
    return fail(ErrorCode::kPermission,
                "the secrets store was re-keyed by another process; run the command again");
  }
  std::vector<Secret> secrets = CHITIN_TRY(unseal(file, key_, files_.store()));
  CHITIN_RETURN_IF_ERROR(change(secrets));
  // The previous version first, so a crash between the two writes loses nothing.
  CHITIN_TRY(sys::write_file_atomic(files_.backup(), file, 0600, sys::WriteMode::kReplace));
  const std::string header = make_header(kind_, salt_, ops_limit_, mem_limit_, key_);
  CHITIN_TRY(sys::write_file_atomic(files_.store(), seal(header, key_, serialize_contents(secrets)),
                                    0600, sys::WriteMode::kReplace));
  for (Secret& secret : secrets_) {
    crypto::wipe(secret.value);
  }
  secrets_ = std::move(secrets);
  return {};
}

Result<void> Store::put(Secret secret) {
  CHITIN_RETURN_IF_ERROR(check_name(secret.name));
  CHITIN_RETURN_IF_ERROR(check_value(secret.value));
  CHITIN_RETURN_IF_ERROR(check_format(secret.format));
  if (!secret.header.empty() && !is_header_token(secret.header)) {
    return fail(ErrorCode::kInvalidInput, "--header '{}' is not a valid HTTP header name",
                secret.header.substr(0, 64));
  }
  if (secret.hosts.size() > kMaxHostsPerSecret) {
    return fail(ErrorCode::kLimitExceeded, "at most {} hosts per secret", kMaxHostsPerSecret);
  }
  for (std::string& host : secret.hosts) {
    host = lower_ascii(host);
  }
  return modify([&](std::vector<Secret>& secrets) -> Result<void> {
    for (Secret& existing : secrets) {
      if (existing.name == secret.name) {
        secret.created = existing.created;
        secret.last_used = existing.last_used;
        crypto::wipe(existing.value);
        existing = secret;
        return {};
      }
    }
    if (secrets.size() >= kMaxSecrets) {
      return fail(ErrorCode::kLimitExceeded, "the store holds the maximum of {} secrets",
                  kMaxSecrets);
    }
    secrets.push_back(secret);
    return {};
  });
}

Result<bool> Store::remove(std::string_view name) {
  bool removed = false;
  CHITIN_RETURN_IF_ERROR(modify([&](std::vector<Secret>& secrets) -> Result<void> {
    const auto before = secrets.size();
    std::erase_if(secrets, [&](Secret& secret) {
      if (secret.name != name) {
        return false;
      }
      crypto::wipe(secret.value);
      return true;
    });
    removed = secrets.size() != before;
    return {};
  }));
  return removed;
}

Result<void> Store::mark_used(const std::vector<std::string>& names, std::int64_t when) {
  if (names.empty()) {
    return {};
  }
  return modify([&](std::vector<Secret>& secrets) -> Result<void> {
    for (Secret& secret : secrets) {
      if (std::find(names.begin(), names.end(), secret.name) != names.end()) {
        secret.last_used = when;
      }
    }
    return {};
  });
}

}  // namespace chitin::secrets
