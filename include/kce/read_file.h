#pragma once

#include <cstddef>
#include <string>

namespace kce {

/// Upper bound for the small files the exporter reads: its configuration, kubeconfigs and the
/// files they name, certificates, keys and tokens.
inline constexpr std::size_t kMaxSmallFileBytes = std::size_t{4} << 20;

/// Reads the whole file at `path` into `*content`. Returns "" on success, else why it failed,
/// e.g. "No such file or directory", "it is a directory" or "it is larger than 4194304 bytes".
/// At most `max_bytes` + 1 bytes are read, so a device such as /dev/zero or a file that keeps
/// growing cannot hold the caller or its memory. `*content` is unspecified on failure.
std::string ReadWholeFile(const std::string& path, std::size_t max_bytes, std::string* content);

}  // namespace kce
