#pragma once

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace kce {

/// A one-way stop flag that sleeping threads can wait on. Thread-safe.
class StopSignal {
 public:
  /// Sets the flag and wakes every waiter.
  void Stop() {
    {
      std::lock_guard lock(mu_);
      stopped_ = true;
    }
    cv_.notify_all();
  }

  bool stopped() const {
    std::lock_guard lock(mu_);
    return stopped_;
  }

  /// Sleeps up to `timeout`; returns true when woken because the flag is set.
  bool WaitFor(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [this] { return stopped_; });
  }

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopped_ = false;
};

}  // namespace kce
