#pragma once

#include <string>
#include <vector>

namespace kce::testing {

/// What a finished child process left behind.
struct ProcessResult {
  int exit_code = -1;  // -1 when it could not be started or died from a signal
  std::string out;     // everything it wrote to stdout
  std::string err;     // everything it wrote to stderr
};

/// Runs `argv` (argv[0] is looked up in PATH) without a shell and waits for it to end.
/// Stdout and stderr are captured through temporary files, so a chatty child cannot block.
/// Throws std::runtime_error when the temporary files cannot be made.
ProcessResult RunProcess(const std::vector<std::string>& argv);

/// A child process running in the background, stdout and stderr appended to `log_file`.
/// Stopped with SIGTERM (then SIGKILL after 5 s) when destroyed. Not copyable.
class BackgroundProcess {
 public:
  /// Throws std::runtime_error when it cannot be started.
  BackgroundProcess(const std::vector<std::string>& argv, const std::string& log_file);
  ~BackgroundProcess();
  BackgroundProcess(const BackgroundProcess&) = delete;
  BackgroundProcess& operator=(const BackgroundProcess&) = delete;

  /// Sends SIGTERM and waits up to 5 s, then SIGKILL; returns the exit code (-1 after a
  /// signal). Calling it again returns the first result.
  int Stop();
  int pid() const { return pid_; }

 private:
  int pid_ = -1;
  bool stopped_ = false;
  int exit_code_ = -1;
};

}  // namespace kce::testing
