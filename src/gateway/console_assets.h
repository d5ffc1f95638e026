#pragma once
// The web console's files, embedded at build time (cmake/embed_assets.cmake writes
// console_assets.cc from src/gateway/console/). No request ever reads the file system.

#include <span>

#include "gateway/http_rules.h"

namespace chitin::gateway {

std::span<const Asset> console_assets();

}  // namespace chitin::gateway
