#pragma once

#include <string_view>

namespace kce {

/// The release version, e.g. "0.1.0".
std::string_view Version();
/// The source revision the binary was built from, or "unknown".
std::string_view Revision();

}  // namespace kce
