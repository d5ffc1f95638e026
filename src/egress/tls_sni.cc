#include "egress/tls_sni.h"

#include <algorithm>
#include <cctype>
#include <cstdint>

namespace chitin::egress {

namespace {

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool u8(std::uint32_t& out) { return take(1, out); }
  bool u16(std::uint32_t& out) { return take(2, out); }
  bool u24(std::uint32_t& out) { return take(3, out); }
  bool skip(std::size_t n) {
    if (data_.size() < n) {
      return false;
    }
    data_.remove_prefix(n);
    return true;
  }
  bool sub(std::size_t n, Reader& out) {
    if (data_.size() < n) {
      return false;
    }
    out = Reader(data_.substr(0, n));
    data_.remove_prefix(n);
    return true;
  }
  std::string_view rest() const { return data_; }

 private:
  bool take(std::size_t n, std::uint32_t& out) {
    if (data_.size() < n) {
      return false;
    }
    out = 0;
    for (std::size_t i = 0; i < n; ++i) {
      out = (out << 8) | static_cast<std::uint8_t>(data_[i]);
    }
    data_.remove_prefix(n);
    return true;
  }
  std::string_view data_;
};

}  // namespace

SniResult extract_sni(std::string_view bytes) {
  if (bytes.empty()) {
    return {SniStatus::kNeedMore, {}};
  }
  if (static_cast<std::uint8_t>(bytes[0]) != 0x16) {  // handshake record
    return {SniStatus::kNotTls, {}};
  }
  if (bytes.size() < 5) {
    return {SniStatus::kNeedMore, {}};
  }
  Reader record(bytes);
  std::uint32_t type, version, length;
  record.u8(type);
  record.u16(version);
  record.u16(length);
  if ((version >> 8) != 3 || length == 0 || length > 16384) {
    return {SniStatus::kNotTls, {}};
  }
  if (record.rest().size() < length) {
    return {SniStatus::kNeedMore, {}};
  }
  Reader body(record.rest().substr(0, length));
  std::uint32_t handshake_type, handshake_length;
  if (!body.u8(handshake_type) || handshake_type != 1 || !body.u24(handshake_length)) {
    return {SniStatus::kNotTls, {}};
  }
  Reader hello({});
  if (!body.sub(handshake_length, hello)) {
    // A ClientHello split over several records: we only read the first (bounded), refuse.
    return {SniStatus::kNotTls, {}};
  }
  std::uint32_t session_length, suites_length, compression_length, extensions_length;
  if (!hello.skip(2 + 32) || !hello.u8(session_length) || !hello.skip(session_length) ||
      !hello.u16(suites_length) || !hello.skip(suites_length) || !hello.u8(compression_length) ||
      !hello.skip(compression_length)) {
    return {SniStatus::kNotTls, {}};
  }
  if (!hello.u16(extensions_length)) {
    return {SniStatus::kNoSni, {}};
  }
  Reader extensions({});
  if (!hello.sub(extensions_length, extensions)) {
    return {SniStatus::kNotTls, {}};
  }
  while (!extensions.rest().empty()) {
    std::uint32_t ext_type, ext_length;
    Reader ext({});
    if (!extensions.u16(ext_type) || !extensions.u16(ext_length) ||
        !extensions.sub(ext_length, ext)) {
      return {SniStatus::kNotTls, {}};
    }
    if (ext_type != 0) {  // server_name
      continue;
    }
    std::uint32_t list_length, name_type, name_length;
    Reader list({});
    if (!ext.u16(list_length) || !ext.sub(list_length, list) || !list.u8(name_type) ||
        name_type != 0 || !list.u16(name_length) || list.rest().size() < name_length ||
        name_length == 0) {
      return {SniStatus::kNotTls, {}};
    }
    std::string name(list.rest().substr(0, name_length));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return {SniStatus::kFound, name};
  }
  return {SniStatus::kNoSni, {}};
}

bool sni_names_host(std::string_view sni, std::string_view host) {
  if (host.ends_with('.')) {
    host.remove_suffix(1);
  }
  return sni.size() == host.size() &&
         std::equal(sni.begin(), sni.end(), host.begin(), [](char a, char b) {
           return std::tolower(static_cast<unsigned char>(a)) ==
                  std::tolower(static_cast<unsigned char>(b));
         });
}

}  // namespace chitin::egress
