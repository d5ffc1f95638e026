#pragma once
// How CLI commands reach the secrets store: its files in the state directory, and the
// passphrase (CHITIN_PASSPHRASE, else a no-echo prompt on the controlling terminal).

#include <string>
#include <string_view>

#include "base/result.h"
#include "config/state_dir.h"
#include "secrets/store.h"

namespace chitin::cli {

secrets::StoreFiles store_files(const config::StatePaths& paths);
// CHITIN_PASSPHRASE when set; else a prompt on /dev/tty; else an error saying what to set.
Result<std::string> store_passphrase();
Result<secrets::Store> open_store(const config::StatePaths& paths);
// Creates the store on first use: passphrase-protected when CHITIN_PASSPHRASE is set, else
// with a key file.
Result<secrets::Store> open_or_create_store(const config::StatePaths& paths);
// Prints `prompt` on /dev/tty and reads one line with echo off.
Result<std::string> read_hidden_line(std::string_view prompt);

}  // namespace chitin::cli
