#pragma once

#include <stdexcept>

namespace kce {

/// A configuration problem found at start-up: a bad flag, an unreadable or invalid config file,
/// or a value out of range. The message names the key (flag or YAML key) and, for files, the
/// file. Thrown only while the process starts; main reports it and exits.
struct ConfigError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace kce
