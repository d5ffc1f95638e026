#include "privacy/keccak.h"

#include <cstring>

namespace chitin::privacy {

namespace {

constexpr std::array<std::uint64_t, 24> kRoundConstants{
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
constexpr std::array<int, 24> kRotations{1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                                         27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
constexpr std::array<int, 24> kLanes{10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                                     15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

std::uint64_t rotl(std::uint64_t x, int n) { return (x << n) | (x >> (64 - n)); }

// Keccak-f[1600] (FIPS 202 §3.3 step mappings theta, rho, pi, chi, iota).
void permute(std::array<std::uint64_t, 25>& a) {
  for (std::uint64_t round_constant : kRoundConstants) {
    std::array<std::uint64_t, 5> c{};
    for (int x = 0; x < 5; ++x) {
      c[x] = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
    }
    for (int x = 0; x < 5; ++x) {
      const std::uint64_t d = c[(x + 4) % 5] ^ rotl(c[(x + 1) % 5], 1);
      for (int y = 0; y < 25; y += 5) {
        a[y + x] ^= d;
      }
    }
    std::uint64_t current = a[1];
    for (int i = 0; i < 24; ++i) {
      const std::uint64_t next = a[kLanes[i]];
      a[kLanes[i]] = rotl(current, kRotations[i]);
      current = next;
    }
    for (int y = 0; y < 25; y += 5) {
      std::array<std::uint64_t, 5> row{};
      for (int x = 0; x < 5; ++x) {
        row[x] = a[y + x];
      }
      for (int x = 0; x < 5; ++x) {
        a[y + x] = row[x] ^ (~row[(x + 1) % 5] & row[(x + 2) % 5]);
      }
    }
    a[0] ^= round_constant;
  }
}

}  // namespace

std::array<std::uint8_t, 32> keccak256(std::string_view data) {
  constexpr std::size_t kRate = 136;
  std::array<std::uint64_t, 25> state{};
  auto absorb = [&](const std::uint8_t* block) {
    for (std::size_t i = 0; i < kRate / 8; ++i) {
      std::uint64_t lane = 0;
      for (std::size_t b = 0; b < 8; ++b) {
        lane |= static_cast<std::uint64_t>(block[i * 8 + b]) << (8 * b);
      }
      state[i] ^= lane;
    }
    permute(state);
  };
  std::size_t offset = 0;
  const auto* bytes = reinterpret_cast<const std::uint8_t*>(data.data());
  while (data.size() - offset >= kRate) {
    absorb(bytes + offset);
    offset += kRate;
  }
  std::array<std::uint8_t, kRate> last{};
  std::memcpy(last.data(), bytes + offset, data.size() - offset);
  last[data.size() - offset] ^= 0x01;  // original Keccak padding, not SHA-3's 0x06
  last[kRate - 1] ^= 0x80;
  absorb(last.data());
  std::array<std::uint8_t, 32> out{};
  for (std::size_t i = 0; i < 32; ++i) {
    out[i] = static_cast<std::uint8_t>(state[i / 8] >> (8 * (i % 8)));
  }
  return out;
}

}  // namespace chitin::privacy
