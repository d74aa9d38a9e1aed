#pragma once

#include <string>
#include <string_view>

namespace kce::testing {

/// A fresh folder under the system temp directory, removed with everything in it when the
/// object is destroyed. Not copyable. Throws std::runtime_error when it cannot be created.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  /// Absolute path of the folder, without a trailing slash.
  const std::string& path() const { return path_; }
  /// Absolute path of `name` inside the folder (which need not exist).
  std::string File(std::string_view name) const;
  /// Writes `content` to `name` (sub-folders are created), replacing any old file, and returns
  /// its absolute path. Throws std::runtime_error on failure.
  std::string Write(std::string_view name, std::string_view content) const;

 private:
  std::string path_;
};

}  // namespace kce::testing
