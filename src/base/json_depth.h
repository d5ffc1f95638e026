#pragma once
// Nesting depth of JSON text, counted without parsing (brackets outside strings). Used to
// refuse deeply nested input before a JSON library copies or prints it recursively.

#include <cstddef>
#include <string_view>

namespace chitin {

std::size_t json_nesting_depth(std::string_view text);

}  // namespace chitin
