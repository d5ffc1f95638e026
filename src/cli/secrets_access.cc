#include "cli/secrets_access.h"

#include <fcntl.h>
#include <termios.h>
#include <unistd.h>

#include <cstdlib>

#include "base/unique_fd.h"
#include "sys/file_ops.h"

namespace chitin::cli {

secrets::StoreFiles store_files(const config::StatePaths& paths) {
  return {paths.secrets_dir(), paths.keys_dir() + "/secrets.key"};
}

Result<std::string> read_hidden_line(std::string_view prompt) {
  UniqueFd tty(::open("/dev/tty", O_RDWR | O_CLOEXEC | O_NOCTTY));
  if (!tty) {
    return fail(ErrorCode::kUnavailable,
                "no terminal to prompt on: pipe the value on stdin (or set CHITIN_PASSPHRASE "
                "for a passphrase)");
  }
  termios saved{};
  const bool is_terminal = ::tcgetattr(tty.get(), &saved) == 0;
  if (is_terminal) {
    termios quiet = saved;
    quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
    ::tcsetattr(tty.get(), TCSAFLUSH, &quiet);
  }
  CHITIN_RETURN_IF_ERROR(sys::write_all(tty.get(), prompt));
  std::string line;
  char c = 0;
  while (line.size() <= secrets::kMaxValueBytes && ::read(tty.get(), &c, 1) == 1 && c != '\n') {
    line.push_back(c);
  }
  if (is_terminal) {
    ::tcsetattr(tty.get(), TCSAFLUSH, &saved);
  }
  (void)sys::write_all(tty.get(), "\n");
  if (line.ends_with('\r')) {
    line.pop_back();
  }
  return line;
}

Result<std::string> store_passphrase() {
  if (const char* phrase = std::getenv("CHITIN_PASSPHRASE"); phrase != nullptr) {
    return std::string(phrase);
  }
  return read_hidden_line("Passphrase for the Chitin secrets store: ");
}

Result<secrets::Store> open_store(const config::StatePaths& paths) {
  return secrets::Store::open(store_files(paths), store_passphrase);
}

Result<secrets::Store> open_or_create_store(const config::StatePaths& paths) {
  const secrets::StoreFiles files = store_files(paths);
  if (CHITIN_TRY(secrets::Store::exists(files))) {
    return open_store(paths);
  }
  std::optional<std::string> passphrase;
  if (const char* phrase = std::getenv("CHITIN_PASSPHRASE"); phrase != nullptr) {
    passphrase = phrase;
  }
  return secrets::Store::create(files, passphrase);
}

}  // namespace chitin::cli
