#pragma once
// Boost 1.74's Beast takes and returns boost::string_view; these convert at the boundary.

#include <string_view>

#include <boost/beast/core/string.hpp>

namespace chitin::gateway {

inline boost::beast::string_view to_beast(std::string_view s) { return {s.data(), s.size()}; }
inline std::string_view to_std(boost::beast::string_view s) { return {s.data(), s.size()}; }

}  // namespace chitin::gateway
