// Validators of payment cards (ISO/IEC 7812 brand ranges + Luhn), IBANs (ISO 13616) and
// crypto-currency addresses (Base58Check, Bech32/Bech32m, EIP-55).
#include <array>
#include <cstdint>
#include <vector>

#include "base/crypto.h"
#include "base/encoding.h"
#include "privacy/checksums.h"
#include "privacy/iban_registry.h"
#include "privacy/keccak.h"
#include "privacy/validators.h"

namespace chitin::privacy {

namespace {

std::string card_digits(std::string_view match) {
  std::string digits;
  for (char c : compact_alnum(match)) {
    if (c < '0' || c > '9') {
      return {};
    }
    digits.push_back(c);
  }
  return digits;
}

int prefix_value(std::string_view digits, std::size_t n) {
  return digits.size() < n ? -1 : digits_value(digits, 0, n);
}

bool card(std::string_view match, std::size_t min_length, std::size_t max_length,
          bool (*brand)(std::string_view digits)) {
  const std::string digits = card_digits(match);
  return digits.size() >= min_length && digits.size() <= max_length && brand(digits) &&
         luhn_valid(digits);
}

bool card_visa(std::string_view m) {
  const std::string d = card_digits(m);
  return (d.size() == 13 || d.size() == 16 || d.size() == 19) && d[0] == '4' && luhn_valid(d);
}
bool card_mastercard(std::string_view m) {
  return card(m, 16, 16, [](std::string_view d) {
    const int p2 = prefix_value(d, 2);
    const int p4 = prefix_value(d, 4);
    return (p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720);
  });
}
bool card_amex(std::string_view m) {
  return card(m, 15, 15, [](std::string_view d) {
    const int p2 = prefix_value(d, 2);
    return p2 == 34 || p2 == 37;
  });
}
bool card_discover(std::string_view m) {
  return card(m, 16, 19, [](std::string_view d) {
    const int p3 = prefix_value(d, 3);
    const int p6 = prefix_value(d, 6);
    return prefix_value(d, 4) == 6011 || (p3 >= 644 && p3 <= 649) || prefix_value(d, 2) == 65 ||
           (p6 >= 622126 && p6 <= 622925);
  });
}
bool card_jcb(std::string_view m) {
  return card(m, 16, 19, [](std::string_view d) {
    const int p4 = prefix_value(d, 4);
    return p4 >= 3528 && p4 <= 3589;
  });
}
bool card_diners(std::string_view m) {
  return card(m, 14, 19, [](std::string_view d) {
    const int p3 = prefix_value(d, 3);
    const int p2 = prefix_value(d, 2);
    return (p3 >= 300 && p3 <= 305) || p2 == 36 || p2 == 38 || p2 == 39;
  });
}
bool card_unionpay(std::string_view m) {
  return card(m, 16, 19, [](std::string_view d) { return prefix_value(d, 2) == 62; });
}
bool card_maestro(std::string_view m) {
  return card(m, 12, 19, [](std::string_view d) {
    const int p4 = prefix_value(d, 4);
    for (int prefix : {5018, 5020, 5038, 5893, 6304, 6759, 6761, 6762, 6763}) {
      if (p4 == prefix) {
        return true;
      }
    }
    return false;
  });
}
bool card_mir(std::string_view m) {
  return card(m, 16, 19, [](std::string_view d) {
    const int p4 = prefix_value(d, 4);
    return p4 >= 2200 && p4 <= 2204;
  });
}
bool card_rupay(std::string_view m) {
  return card(m, 16, 16, [](std::string_view d) {
    const int p2 = prefix_value(d, 2);
    const int p3 = prefix_value(d, 3);
    return p2 == 60 || p2 == 81 || p2 == 82 || p3 == 508 || p3 == 353 || p3 == 356;
  });
}

// ISO 13616: a registry country, its length and BBAN structure, MOD 97-10.
bool iban(std::string_view match) {
  const std::string compact = compact_alnum(match);
  if (compact.size() < 15) {
    return false;
  }
  const IbanCountry* country = find_iban_country(std::string_view(compact).substr(0, 2));
  return country != nullptr && matches_bban(*country, compact) && iban_checksum_valid(compact);
}

// Base58 (Bitcoin alphabet by default) to bytes; empty on a bad character or overflow.
std::vector<std::uint8_t> base58_decode(std::string_view text, std::string_view alphabet) {
  std::vector<std::uint8_t> bytes;
  for (char c : text) {
    const std::size_t value = alphabet.find(c);
    if (value == std::string_view::npos) {
      return {};
    }
    unsigned carry = static_cast<unsigned>(value);
    for (auto it = bytes.rbegin(); it != bytes.rend(); ++it) {
      carry += 58U * *it;
      *it = static_cast<std::uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
    while (carry > 0) {
      bytes.insert(bytes.begin(), static_cast<std::uint8_t>(carry & 0xFF));
      carry >>= 8;
    }
  }
  for (char c : text) {
    if (c != alphabet[0]) {
      break;
    }
    bytes.insert(bytes.begin(), 0);
  }
  return bytes;
}

constexpr std::string_view kBitcoinAlphabet =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
constexpr std::string_view kRippleAlphabet =
    "rpshnaf39wBUDNEGHJKLM4PQRST7VWXYZ2bcdeCg65jkm8oFqi1tuvAxyz";

// 25 bytes: version, 20-byte hash, 4-byte double-SHA-256 checksum.
bool base58check(std::string_view text, std::string_view alphabet,
                 std::initializer_list<std::uint8_t> versions) {
  if (text.size() < 25 || text.size() > 35) {
    return false;
  }
  const std::vector<std::uint8_t> bytes = base58_decode(text, alphabet);
  if (bytes.size() != 25) {
    return false;
  }
  bool version_ok = false;
  for (std::uint8_t version : versions) {
    version_ok = version_ok || bytes[0] == version;
  }
  const auto first = crypto::sha256(std::span<const std::uint8_t>(bytes.data(), 21));
  const auto second = crypto::sha256(first);
  return version_ok && std::equal(second.begin(), second.begin() + 4, bytes.begin() + 21);
}

bool crypto_btc_base58(std::string_view m) { return base58check(m, kBitcoinAlphabet, {0, 5}); }
bool crypto_ltc_base58(std::string_view m) {
  return base58check(m, kBitcoinAlphabet, {0x30, 0x32, 0x05});
}
bool crypto_doge(std::string_view m) { return base58check(m, kBitcoinAlphabet, {0x1E, 0x16}); }
bool crypto_tron(std::string_view m) { return base58check(m, kBitcoinAlphabet, {0x41}); }
bool crypto_xrp(std::string_view m) { return base58check(m, kRippleAlphabet, {0}); }

// BIP-173 / BIP-350: human-readable part, '1', data; checksum constant 1 or 0x2bc830a3.
bool bech32(std::string_view text) {
  static constexpr std::string_view kCharset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  static constexpr std::array<std::uint32_t, 5> kGenerator{0x3b6a57b2, 0x26508e6d, 0x1ea119fa,
                                                           0x3d4233dd, 0x2a1462b3};
  std::string lower;
  bool has_upper = false;
  bool has_lower = false;
  for (char c : text) {
    has_upper = has_upper || (c >= 'A' && c <= 'Z');
    has_lower = has_lower || (c >= 'a' && c <= 'z');
    lower.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  const std::size_t separator = lower.rfind('1');
  if ((has_upper && has_lower) || separator == std::string::npos || separator == 0 ||
      separator + 7 > lower.size() || lower.size() > 90) {
    return false;
  }
  auto polymod_step = [&](std::uint32_t checksum, std::uint32_t value) {
    const std::uint32_t top = checksum >> 25;
    checksum = ((checksum & 0x1ffffff) << 5) ^ value;
    for (std::size_t i = 0; i < 5; ++i) {
      if ((top >> i) & 1) {
        checksum ^= kGenerator[i];
      }
    }
    return checksum;
  };
  std::uint32_t checksum = 1;
  for (std::size_t i = 0; i < separator; ++i) {
    checksum = polymod_step(checksum, static_cast<std::uint32_t>(lower[i]) >> 5);
  }
  checksum = polymod_step(checksum, 0);
  for (std::size_t i = 0; i < separator; ++i) {
    checksum = polymod_step(checksum, static_cast<std::uint32_t>(lower[i]) & 31);
  }
  for (std::size_t i = separator + 1; i < lower.size(); ++i) {
    const std::size_t value = kCharset.find(lower[i]);
    if (value == std::string_view::npos) {
      return false;
    }
    checksum = polymod_step(checksum, static_cast<std::uint32_t>(value));
  }
  return checksum == 1 || checksum == 0x2bc830a3;
}

// EIP-55: a mixed-case address must carry the Keccak-256 checksum; an all-lower or all-upper
// address carries none and is accepted on its shape.
bool crypto_eth(std::string_view match) {
  if (match.size() != 42 || match[0] != '0' || (match[1] != 'x' && match[1] != 'X')) {
    return false;
  }
  const std::string_view hex = match.substr(2);
  bool has_upper = false;
  bool has_lower = false;
  std::string lower;
  for (char c : hex) {
    if (hex_value(c) < 0) {
      return false;
    }
    has_upper = has_upper || (c >= 'A' && c <= 'F');
    has_lower = has_lower || (c >= 'a' && c <= 'f');
    lower.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c - 'A' + 'a') : c);
  }
  if (!has_upper || !has_lower) {
    return true;
  }
  const auto hash = keccak256(lower);
  for (std::size_t i = 0; i < 40; ++i) {
    const int nibble = (i % 2 == 0) ? hash[i / 2] >> 4 : hash[i / 2] & 0x0F;
    const char c = hex[i];
    if (c >= 'a' && c <= 'f' && nibble >= 8) {
      return false;
    }
    if (c >= 'A' && c <= 'F' && nibble < 8) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::span<const NamedValidator> finance_validators() {
  static const std::vector<NamedValidator> list{
      {"luhn",
       [](std::string_view m) {
         std::string digits;
         for (char c : compact_alnum(m)) {
           if (c >= '0' && c <= '9') {
             digits.push_back(c);
           }
         }
         return luhn_valid(digits);
       },
       "ISO/IEC 7812 Luhn check digit over the digits of the match"},
      {"card_visa", card_visa, "4, 13/16/19 digits, Luhn"},
      {"card_mastercard", card_mastercard, "51-55 or 2221-2720, 16 digits, Luhn"},
      {"card_amex", card_amex, "34/37, 15 digits, Luhn"},
      {"card_discover", card_discover, "6011, 644-649, 65, 622126-622925; Luhn"},
      {"card_jcb", card_jcb, "3528-3589, 16-19 digits, Luhn"},
      {"card_diners", card_diners, "300-305, 36, 38-39; Luhn"},
      {"card_unionpay", card_unionpay, "62, 16-19 digits, Luhn"},
      {"card_maestro", card_maestro, "Maestro prefixes, 12-19 digits, Luhn"},
      {"card_mir", card_mir, "2200-2204, Luhn"},
      {"card_rupay", card_rupay, "RuPay prefixes, 16 digits, Luhn"},
      {"iban", iban, "registry country, length and BBAN structure, MOD 97-10"},
      {"crypto_btc_base58", crypto_btc_base58, "Base58Check, version 0x00/0x05"},
      {"crypto_ltc_base58", crypto_ltc_base58, "Base58Check, version 0x30/0x32/0x05"},
      {"crypto_doge", crypto_doge, "Base58Check, version 0x1E/0x16"},
      {"crypto_tron", crypto_tron, "Base58Check, version 0x41"},
      {"crypto_xrp", crypto_xrp, "Base58Check (Ripple alphabet), version 0x00"},
      {"bech32", bech32, "BIP-173/BIP-350 checksum"},
      {"crypto_eth", crypto_eth, "EIP-55 checksum when mixed case"},
  };
  return list;
}

}  // namespace chitin::privacy
