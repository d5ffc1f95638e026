#include "egress/local_ca.h"

#include <gtest/gtest.h>
#include <openssl/pem.h>
#include <sys/stat.h>

#include <openssl/x509v3.h>

#include "support/temp_dir.h"

namespace chitin::egress {
namespace {

using chitin::testing::TempDir;

// Verifies the leaf an SSL_CTX presents against the CA certificate alone, for `host`.
bool verifies(SSL_CTX* context, const std::string& ca_pem, const std::string& host, bool ip) {
  X509* leaf = SSL_CTX_get0_certificate(context);
  BIO* bio = BIO_new_mem_buf(ca_pem.data(), static_cast<int>(ca_pem.size()));
  X509* ca = PEM_read_bio_X509(bio, nullptr, nullptr, nullptr);
  BIO_free(bio);
  X509_STORE* store = X509_STORE_new();
  X509_STORE_add_cert(store, ca);
  X509_STORE_CTX* check = X509_STORE_CTX_new();
  X509_STORE_CTX_init(check, store, leaf, nullptr);
  X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(check);
  if (ip) {
    X509_VERIFY_PARAM_set1_ip_asc(param, host.c_str());
  } else {
    X509_VERIFY_PARAM_set1_host(param, host.c_str(), 0);
  }
  X509_VERIFY_PARAM_set_purpose(param, X509_PURPOSE_SSL_SERVER);
  const bool ok = X509_verify_cert(check) == 1;
  X509_STORE_CTX_free(check);
  X509_STORE_free(store);
  X509_free(ca);
  return ok;
}

TEST(LocalCa, IssuesLeavesThatVerifyForTheirHostOnly) {
  TempDir dir;
  const std::string key = dir.file("ca.key");
  const std::string cert = dir.file("ca.pem");
  ASSERT_TRUE(*create_local_ca(key, cert));
  EXPECT_FALSE(*create_local_ca(key, cert));  // never replaced
  struct stat st {};
  ASSERT_EQ(::stat(key.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600U);
  auto ca = LocalCa::load(key, cert);
  ASSERT_TRUE(ca) << ca.error().describe();
  auto named = (*ca)->server_context("api.example.com");
  ASSERT_TRUE(named);
  EXPECT_TRUE(verifies(*named, (*ca)->certificate_pem(), "api.example.com", false));
  EXPECT_FALSE(verifies(*named, (*ca)->certificate_pem(), "evil.example.com", false));
  auto literal = (*ca)->server_context("127.0.0.1");
  ASSERT_TRUE(literal);
  EXPECT_TRUE(verifies(*literal, (*ca)->certificate_pem(), "127.0.0.1", true));
  // Another CA's leaves do not verify against this one.
  TempDir other;
  ASSERT_TRUE(create_local_ca(other.file("k"), other.file("c")));
  auto stranger = LocalCa::load(other.file("k"), other.file("c"));
  EXPECT_FALSE(verifies(*named, (*stranger)->certificate_pem(), "api.example.com", false));
  SSL_CTX_free(*named);
  SSL_CTX_free(*literal);
}

TEST(LocalCa, RefusesLooseKeysMissingFilesAndMismatchedPairs) {
  TempDir dir;
  ASSERT_TRUE(create_local_ca(dir.file("ca.key"), dir.file("ca.pem")));
  ASSERT_TRUE(create_local_ca(dir.file("b.key"), dir.file("b.pem")));
  EXPECT_FALSE(LocalCa::load(dir.file("none.key"), dir.file("ca.pem")));
  auto mismatched = LocalCa::load(dir.file("ca.key"), dir.file("b.pem"));
  ASSERT_FALSE(mismatched);
  EXPECT_NE(mismatched.error().message.find("not a matching"), std::string::npos);
  ASSERT_EQ(::chmod(dir.file("ca.key").c_str(), 0640), 0);
  auto loose = LocalCa::load(dir.file("ca.key"), dir.file("ca.pem"));
  ASSERT_FALSE(loose);
  EXPECT_NE(loose.error().message.find("chmod 600"), std::string::npos);
}

}  // namespace
}  // namespace chitin::egress
