#include "egress/local_ca.h"

#include <fmt/format.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include <chrono>

#include <openssl/x509v3.h>

#include "base/crypto.h"
#include "egress/rules.h"
#include "sys/file_ops.h"

namespace chitin::egress {

// Owning OpenSSL handles. Outside the anonymous namespace because LocalCa::Keys, a type with
// external linkage, holds them.
struct PkeyFree {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct X509Free {
  void operator()(X509* p) const { X509_free(p); }
};
struct BioFree {
  void operator()(BIO* p) const { BIO_free(p); }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using BioPtr = std::unique_ptr<BIO, BioFree>;

namespace {

constexpr long kCaDays = 3650;
constexpr long kLeafSeconds = 24 * 3600;

tl::unexpected<Error> openssl_fail(std::string_view what) {
  char buffer[256] = "unknown error";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, buffer, sizeof(buffer));
  }
  ERR_clear_error();
  return fail(ErrorCode::kInternal, "{}: {}", what, buffer);
}

Result<PkeyPtr> new_p256_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) {
    return openssl_fail("generate an ECDSA P-256 key");
  }
  return key;
}

Result<void> set_random_serial(X509* cert) {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof(bytes)) != 1) {
    return openssl_fail("random serial");
  }
  bytes[0] &= 0x7f;  // positive
  BIGNUM* number = BN_bin2bn(bytes, sizeof(bytes), nullptr);
  const bool ok = number != nullptr && BN_to_ASN1_INTEGER(number, X509_get_serialNumber(cert));
  BN_free(number);
  if (!ok) {
    return openssl_fail("set the serial number");
  }
  return {};
}

Result<void> add_extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX context;
  X509V3_set_ctx_nodb(&context);
  X509V3_set_ctx(&context, issuer, cert, nullptr, nullptr, 0);
  X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &context, nid, value.c_str());
  if (extension == nullptr) {
    return openssl_fail(fmt::format("certificate extension {}", value));
  }
  const int added = X509_add_ext(cert, extension, -1);
  X509_EXTENSION_free(extension);
  if (added != 1) {
    return openssl_fail("add a certificate extension");
  }
  return {};
}

Result<std::string> to_pem(const std::function<int(BIO*)>& write) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || write(bio.get()) != 1) {
    return openssl_fail("PEM encoding");
  }
  char* data = nullptr;
  const long size = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(size));
}

}  // namespace

struct LocalCa::Keys {
  PkeyPtr ca_key;
  X509Ptr ca_cert;
  PkeyPtr leaf_key;  // one key for every leaf of this process: leaves live a day at most
};

Result<bool> create_local_ca(const std::string& key_file, const std::string& cert_file) {
  if (CHITIN_TRY(sys::status_if_exists(key_file))) {
    return false;
  }
  PkeyPtr key = CHITIN_TRY(new_p256_key());
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) {
    return openssl_fail("new certificate");
  }
  CHITIN_RETURN_IF_ERROR(set_random_serial(cert.get()));
  const std::string tag = hex_encode(crypto::random_bytes(4));
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string common_name = "Chitin local egress CA " + tag;
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>("Chitin"), -1, -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), name);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kCaDays * 24 * 3600);
  X509_set_pubkey(cert.get(), key.get());
  CHITIN_RETURN_IF_ERROR(
      add_extension(cert.get(), cert.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0"));
  CHITIN_RETURN_IF_ERROR(
      add_extension(cert.get(), cert.get(), NID_key_usage, "critical,keyCertSign,cRLSign"));
  CHITIN_RETURN_IF_ERROR(add_extension(cert.get(), cert.get(), NID_subject_key_identifier, "hash"));
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    return openssl_fail("sign the CA certificate");
  }
  std::string key_pem = CHITIN_TRY(to_pem([&](BIO* bio) {
    return PEM_write_bio_PrivateKey(bio, key.get(), nullptr, nullptr, 0, nullptr, nullptr);
  }));
  const std::string cert_pem =
      CHITIN_TRY(to_pem([&](BIO* bio) { return PEM_write_bio_X509(bio, cert.get()); }));
  auto wrote = sys::write_file_atomic(key_file, key_pem, 0600, sys::WriteMode::kCreateOnly);
  crypto::wipe(key_pem);
  if (!CHITIN_TRY(std::move(wrote))) {
    return false;
  }
  CHITIN_TRY(sys::write_file_atomic(cert_file, cert_pem, 0644, sys::WriteMode::kReplace));
  return true;
}

Result<std::shared_ptr<LocalCa>> LocalCa::load(const std::string& key_file,
                                               const std::string& cert_file) {
  const auto status = CHITIN_TRY(sys::status_if_exists(key_file));
  if (!status) {
    return fail(ErrorCode::kNotFound,
                "the egress CA key {} is missing; run 'chitin init' to create it", key_file);
  }
  if ((status->mode & 077) != 0) {
    return fail(ErrorCode::kPermission, "{} can be read by other users; run 'chmod 600 {}'",
                key_file, key_file);
  }
  std::string key_pem = CHITIN_TRY(sys::read_regular_file(key_file, 16384));
  const std::string cert_pem = CHITIN_TRY(sys::read_regular_file(cert_file, 16384));
  auto keys = std::make_unique<Keys>();
  {
    BioPtr bio(BIO_new_mem_buf(key_pem.data(), static_cast<int>(key_pem.size())));
    keys->ca_key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr));
  }
  crypto::wipe(key_pem);
  BioPtr bio(BIO_new_mem_buf(cert_pem.data(), static_cast<int>(cert_pem.size())));
  keys->ca_cert.reset(PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr));
  if (!keys->ca_key || !keys->ca_cert ||
      X509_check_private_key(keys->ca_cert.get(), keys->ca_key.get()) != 1) {
    ERR_clear_error();
    return fail(ErrorCode::kIntegrity,
                "{} and {} are not a matching CA key and certificate; remove both and run "
                "'chitin init' to create a new CA",
                key_file, cert_file);
  }
  keys->leaf_key = CHITIN_TRY(new_p256_key());
  return std::make_shared<LocalCa>(std::move(keys), cert_pem);
}

LocalCa::LocalCa(std::unique_ptr<Keys> keys, std::string cert_pem)
    : keys_(std::move(keys)), cert_pem_(std::move(cert_pem)) {}

LocalCa::~LocalCa() {
  for (auto& [host, leaf] : contexts_) {
    SSL_CTX_free(leaf.context);
  }
}

Result<SSL_CTX*> LocalCa::server_context(const std::string& host) {
  std::lock_guard lock(mu_);
  const auto now = std::chrono::steady_clock::now();
  if (const auto found = contexts_.find(host); found != contexts_.end()) {
    // A leaf lives a day; it is replaced after half of that, so a long-lived proxy never
    // presents an expired one.
    if (now - found->second.made < std::chrono::seconds(kLeafSeconds / 2)) {
      SSL_CTX_up_ref(found->second.context);
      return found->second.context;
    }
    SSL_CTX_free(found->second.context);
    contexts_.erase(found);
  }
  X509Ptr cert(X509_new());
  if (!cert || X509_set_version(cert.get(), 2) != 1) {
    return openssl_fail("new certificate");
  }
  CHITIN_RETURN_IF_ERROR(set_random_serial(cert.get()));
  X509_NAME* name = X509_get_subject_name(cert.get());
  const std::string common_name = host.substr(0, 64);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(common_name.c_str()), -1, -1,
                             0);
  X509_set_issuer_name(cert.get(), X509_get_subject_name(keys_->ca_cert.get()));
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), kLeafSeconds);
  X509_set_pubkey(cert.get(), keys_->leaf_key.get());
  sockaddr_storage ip{};
  const std::string san = (parse_ip_literal(host, ip) ? "IP:" : "DNS:") + host;
  X509* issuer = keys_->ca_cert.get();
  CHITIN_RETURN_IF_ERROR(add_extension(cert.get(), issuer, NID_subject_alt_name, san));
  CHITIN_RETURN_IF_ERROR(add_extension(cert.get(), issuer, NID_basic_constraints, "CA:FALSE"));
  CHITIN_RETURN_IF_ERROR(
      add_extension(cert.get(), issuer, NID_key_usage, "critical,digitalSignature"));
  CHITIN_RETURN_IF_ERROR(add_extension(cert.get(), issuer, NID_ext_key_usage, "serverAuth"));
  CHITIN_RETURN_IF_ERROR(
      add_extension(cert.get(), issuer, NID_authority_key_identifier, "keyid:always"));
  if (X509_sign(cert.get(), keys_->ca_key.get(), EVP_sha256()) == 0) {
    return openssl_fail("sign a leaf certificate");
  }
  SSL_CTX* context = SSL_CTX_new(TLS_server_method());
  if (context == nullptr) {
    return openssl_fail("new TLS server context");
  }
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate(context, cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(context, keys_->leaf_key.get()) != 1 ||
      SSL_CTX_add1_chain_cert(context, keys_->ca_cert.get()) != 1) {
    SSL_CTX_free(context);
    return openssl_fail("load the leaf certificate");
  }
  // Bounded: a run that contacts many hosts recycles contexts rather than growing.
  if (contexts_.size() >= 256) {
    for (auto& [old_host, old] : contexts_) {
      SSL_CTX_free(old.context);
    }
    contexts_.clear();
  }
  contexts_.emplace(host, Leaf{context, now});
  SSL_CTX_up_ref(context);  // the caller's reference
  return context;
}

}  // namespace chitin::egress
