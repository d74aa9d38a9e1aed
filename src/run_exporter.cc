#include <malloc.h>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <future>
#include <iostream>

#include "kce/api_source.h"
#include "kce/config_error.h"
#include "kce/duration.h"
#include "kce/exporter.h"
#include "kce/file_source.h"
#include "kce/logging.h"
#include "kce/version.h"
#include "kce/web_config.h"

namespace kce {

std::unique_ptr<ClusterSource> MakeClusterSource(const Options& options, MetricsState* metrics,
                                                 const StopSignal* stop) {
  if (!options.snapshot_file.empty()) {
    return std::make_unique<FileSource>(options.snapshot_file, options.node_selector,
                                        static_cast<std::size_t>(options.max_body_bytes));
  }
  return MakeApiSource(options, metrics, stop);
}

namespace {

int PollOnceAndPrint(const Options& options) {
  MetricsState metrics(options.poll_interval);
  StopSignal stop;
  auto source = MakeClusterSource(options, &metrics, &stop);
  Poller poller(*source, AccountingFrom(options), metrics);
  if (!poller.PollOnce()) {
    std::cerr << "kube-commitment-exporter: poll of " << source->Describe()
              << " failed; see the log above\n";
    return 1;
  }
  std::cout << metrics.Render();
  std::cout.flush();
  return std::cout ? 0 : 1;
}

int Serve(const Options& options) {
  // Block the stop signals before any thread starts, so every thread inherits the mask and
  // only sigwait below sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  auto log = GetLogger("main");
  std::unique_ptr<Exporter> exporter;
  try {
    exporter = std::make_unique<Exporter>(
        options, [&options](MetricsState& metrics, const StopSignal& stop) {
          return MakeClusterSource(options, &metrics, &stop);
        });
    log->info("source {} poll_interval={}", exporter->source_description(),
              FormatDuration(options.poll_interval));
  } catch (const ConfigError&) {
    throw;
  } catch (const std::exception& e) {
    log->error("cannot start: {}", e.what());
    return 1;
  }
  exporter->Start();

  int received = 0;
  sigwait(&signals, &received);
  log->info("stopping signal={}", received == SIGTERM ? "SIGTERM" : "SIGINT");
  // The process must be gone within 2 s of the signal. Nothing is lost by leaving early: the
  // state is rebuilt by the next start's first poll.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(1800);
  const auto leave = [&log](const char* why) {
    log->warn("exiting with {}", why);
    spdlog::shutdown();
    std::_Exit(0);
  };
  // A request to the API server may be in flight with a timeout beyond the budget.
  if (!exporter->Stop(std::chrono::milliseconds(1000))) leave("a poll still in flight");
  // civetweb lets a worker waiting on an idle connection see the stop only between two polls of
  // up to 2 s each.
  auto teardown = std::async(std::launch::async, [&exporter] { exporter.reset(); });
  if (teardown.wait_until(deadline) == std::future_status::timeout) {
    leave("HTTP connections still open");
  }
  log->info("stopped");
  return 0;
}

}  // namespace

void LimitMallocArenas() { mallopt(M_ARENA_MAX, 2); }

int RunExporter(int argc, const char* const* argv) {
  LimitMallocArenas();
  Options options;
  try {
    LoadedOptions loaded = LoadOptions(argc, argv);
    if (loaded.exit_now) {
      std::cout << loaded.output;
      return 0;
    }
    options = std::move(loaded.options);
    ValidateOrThrow(options);
    SetupLogging(options.log_level, options.log_format);
  } catch (const ConfigError& e) {
    std::cerr << "kube-commitment-exporter: configuration error: " << e.what() << "\n";
    return ExitCodeForConfigError();
  }

  auto log = GetLogger("main");
  log->info("starting version={} revision={}", Version(), Revision());
  log->info("configuration {}", DescribeOptions(options));
  try {
    if (options.check_config) {
      StopSignal stop;
      auto source = MakeClusterSource(options, nullptr, &stop);
      if (!options.web_config_file.empty()) LoadWebConfig(options.web_config_file);
      std::cout << "configuration is valid; source " << source->Describe() << "\n"
                << DescribeOptions(options) << "\n";
      return 0;
    }
    if (options.once) return PollOnceAndPrint(options);
    return Serve(options);
  } catch (const ConfigError& e) {
    log->error("configuration error: {}", e.what());
    std::cerr << "kube-commitment-exporter: configuration error: " << e.what() << "\n";
    return ExitCodeForConfigError();
  }
}

}  // namespace kce
