#pragma once
// The installation's local certificate authority for TLS interception (docs/secrets.md).
// Created at `chitin init`: an ECDSA P-256 key (keys/egress-ca.key, 0600) and a self-signed
// CA certificate (keys/egress-ca.pem). Only sandboxed processes trust it: a run that is
// granted secrets gets a CA bundle with it bound at /run/chitin/ca-bundle.pem (named by
// SSL_CERT_FILE and friends), and nothing on the host is told about it. For such a run the egress
// proxy ends the sandbox's TLS with a short-lived certificate for the requested host, inspects and
// completes the request, and opens its own verified TLS connection to the real server.

#include <openssl/ssl.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "base/result.h"

namespace chitin::egress {

// Creates the CA unless the key file exists; true if it was created.
Result<bool> create_local_ca(const std::string& key_file, const std::string& cert_file);

class LocalCa {
 public:
  // Refuses a key file that others can read.
  static Result<std::shared_ptr<LocalCa>> load(const std::string& key_file,
                                               const std::string& cert_file);
  ~LocalCa();
  LocalCa(const LocalCa&) = delete;
  LocalCa& operator=(const LocalCa&) = delete;

  [[nodiscard]] const std::string& certificate_pem() const { return cert_pem_; }
  // A server context presenting a one-day certificate for `host` (a DNS name or an IP
  // literal), signed by the CA; cached per host. The caller owns one reference
  // (SSL_CTX_free it). Thread-safe.
  Result<SSL_CTX*> server_context(const std::string& host);

  struct Keys;
  explicit LocalCa(std::unique_ptr<Keys> keys, std::string cert_pem);

 private:
  std::unique_ptr<Keys> keys_;
  std::string cert_pem_;
  std::mutex mu_;
  struct Leaf {
    SSL_CTX* context = nullptr;
    std::chrono::steady_clock::time_point made;
  };
  std::map<std::string, Leaf> contexts_;  // guarded by mu_
};

}  // namespace chitin::egress
