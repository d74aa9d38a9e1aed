#include "kce/read_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace kce {

std::string ReadWholeFile(const std::string& path, std::size_t max_bytes, std::string* content) {
  const int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::strerror(errno);
  std::string error;
  struct stat info {};
  if (fstat(fd, &info) == 0 && S_ISDIR(info.st_mode)) error = "it is a directory";

  content->clear();
  // Regular files announce their size; devices and pipes are read in chunks up to the limit.
  if (error.empty() && S_ISREG(info.st_mode) &&
      static_cast<std::size_t>(info.st_size) <= max_bytes) {
    content->reserve(static_cast<std::size_t>(info.st_size));
  }
  char chunk[65536];
  while (error.empty()) {
    const ssize_t got = read(fd, chunk, sizeof chunk);
    if (got < 0) {
      if (errno == EINTR) continue;
      error = std::strerror(errno);
    } else if (got == 0) {
      break;
    } else if (content->size() + static_cast<std::size_t>(got) > max_bytes) {
      error = "it is larger than " + std::to_string(max_bytes) + " bytes";
    } else {
      content->append(chunk, static_cast<std::size_t>(got));
    }
  }
  close(fd);
  return error;
}

}  // namespace kce
