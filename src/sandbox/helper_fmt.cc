// fmt compiled into the static chitin-sandbox helper (CHITIN_STATIC_HELPER): Debian ships fmt
// only as a shared library, and a static link cannot use it. format-inl.h holds fmt's
// out-of-line functions; the two locale templates below are the instantiations the helper's
// code needs that no header instantiates.

#include <fmt/format-inl.h>

FMT_BEGIN_NAMESPACE
namespace detail {
template auto thousands_sep_impl<char>(locale_ref) -> thousands_sep_result<char>;
template auto decimal_point_impl<char>(locale_ref) -> char;
}  // namespace detail
FMT_END_NAMESPACE
