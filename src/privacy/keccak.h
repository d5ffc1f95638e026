#pragma once
// Keccak-256 (the pre-NIST-padding variant Ethereum uses), for EIP-55 address checksums.
// libsodium has SHA-3 only in newer releases and never the Keccak padding.

#include <array>
#include <cstdint>
#include <string_view>

namespace chitin::privacy {

std::array<std::uint8_t, 32> keccak256(std::string_view data);

}  // namespace chitin::privacy
