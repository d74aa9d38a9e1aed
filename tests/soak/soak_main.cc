// Soak run: many polls against the fault-injecting API server, with a random fault (or none)
// before each, through the same client, token source, decoder and poller the daemon uses.
// Samples the resident set and the open file descriptors every 100 polls, prints them, and
// fails when the last sample grew more than a bound over the sample at poll 200 (the first 200
// polls warm up allocator arenas, TLS session caches and thread stacks). It also fails when a
// poll's outcome is not the one its fault calls for.
//
//   kce_soak [--polls N] [--interval-ms N] [--seed N] [--max-rss-growth-kib N]
//            [--max-fd-growth N]
#include <dirent.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "kce/exporter.h"
#include "kce/logging.h"
#include "kce/poller.h"
#include "support/fake_cluster_api.h"
#include "support/fault_api_server.h"
#include "support/temp_dir.h"
#include "support/test_certs.h"

namespace {

using namespace std::chrono_literals;
using kce::testing::ApiFault;

struct Settings {
  int polls = 1000;
  int interval_ms = 50;
  unsigned seed = 20261203;
  long max_rss_growth_kib = 2048;
  int max_fd_growth = 0;
};

struct Sample {
  int poll = 0;
  long rss_kib = 0;
  int fds = 0;
};

long ResidentKiB() {
  long pages_total = 0;
  long pages_resident = 0;
  std::FILE* statm = std::fopen("/proc/self/statm", "r");
  if (statm == nullptr) return -1;
  const int read = std::fscanf(statm, "%ld %ld", &pages_total, &pages_resident);
  std::fclose(statm);
  return read == 2 ? pages_resident * (sysconf(_SC_PAGESIZE) / 1024) : -1;
}

int OpenFds() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return -1;
  int count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count - 1;  // the descriptor of the listing itself
}

bool ParseArgs(int argc, char** argv, Settings* settings) {
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    const long value = std::strtol(argv[i + 1], nullptr, 10);
    if (flag == "--polls") {
      settings->polls = static_cast<int>(value);
    } else if (flag == "--interval-ms") {
      settings->interval_ms = static_cast<int>(value);
    } else if (flag == "--seed") {
      settings->seed = static_cast<unsigned>(value);
    } else if (flag == "--max-rss-growth-kib") {
      settings->max_rss_growth_kib = value;
    } else if (flag == "--max-fd-growth") {
      settings->max_fd_growth = static_cast<int>(value);
    } else {
      std::fprintf(stderr, "kce_soak: unknown flag %s\n", flag.c_str());
      return false;
    }
  }
  if (argc % 2 == 0) {
    std::fprintf(stderr, "kce_soak: flag %s has no value\n", argv[argc - 1]);
    return false;
  }
  return settings->polls >= 200;
}

// What goes wrong in one poll.
enum class Fault {
  kNone,
  kApi,               // one of the FakeClusterApi faults
  kRefused,           // listener closed
  kWrongCertificate,  // untrusted server certificate
  kTokenFileMissing,  // token rotated on the server, file gone
};

}  // namespace

int main(int argc, char** argv) {
  Settings settings;
  if (!ParseArgs(argc, argv, &settings)) {
    std::fprintf(stderr,
                 "usage: kce_soak [--polls N>=200] [--interval-ms N] [--seed N] "
                 "[--max-rss-growth-kib N] [--max-fd-growth N]\n");
    return 2;
  }
  // Every failure here is provoked; only the summary matters.
  kce::SetupLogging("off", "text");
  // As the daemon does; without it the free memory spread over many arenas grows for hundreds
  // of polls and hides what the poll itself keeps.
  kce::LimitMallocArenas();

  kce::testing::TestCertificates certs;
  kce::testing::TestCertificates untrusted;
  kce::testing::TempDir sa_dir;
  sa_dir.Write("ca.crt", certs.ca_cert_pem);
  int token_serial = 1;
  sa_dir.Write("token", "token-1\n");

  kce::testing::FaultApiServer server(certs.server_pem_file, untrusted.server_pem_file);
  kce::testing::FakeClusterApi api(server);
  api.SetValidToken("token-1");
  kce::testing::TestSourceSettings source_settings;
  source_settings.request_timeout = 150ms;
  api.SetSlowDelay(2 * source_settings.request_timeout);

  const std::chrono::milliseconds interval(settings.interval_ms);
  kce::MetricsState metrics(interval);
  kce::StopSignal stop;
  auto source = kce::testing::MakeTestApiSource(
      kce::testing::TestEndpoint(server.port(), sa_dir.path()), source_settings, metrics, stop);
  kce::Poller poller(*source, kce::AccountingOptions{}, metrics);

  const ApiFault api_faults[] = {
      ApiFault::kStatus500,     ApiFault::kStatus503,      ApiFault::kRateLimited,
      ApiFault::kSlow,          ApiFault::kExpiredMidList, ApiFault::kExpiredOnce,
      ApiFault::kTruncatedBody, ApiFault::kCutConnection,  ApiFault::kMalformedJson,
      ApiFault::kEndlessBody,
  };
  std::mt19937 random(settings.seed);
  std::vector<Sample> samples;
  int failures = 0;
  int wrong_outcomes = 0;
  const auto started = std::chrono::steady_clock::now();

  auto sample = [&](int poll) {
    // Let the server finish closing the last connection, so its descriptor is not counted.
    for (int i = 0; i < 100 && server.open_connections() > 0; ++i) {
      std::this_thread::sleep_for(10ms);
    }
    // A client socket of the last poll may take a moment to close; a leaked one never does.
    int fds = OpenFds();
    for (int i = 0; i < 100 && !samples.empty() && fds > samples.front().fds; ++i) {
      std::this_thread::sleep_for(10ms);
      fds = OpenFds();
    }
    samples.push_back({poll, ResidentKiB(), fds});
    std::printf("poll %5d  rss %7ld KiB  fds %3d\n", poll, samples.back().rss_kib,
                samples.back().fds);
    std::fflush(stdout);
  };
  sample(0);

  for (int poll = 1; poll <= settings.polls; ++poll) {
    const int version = 1 + static_cast<int>(random() % 2);
    api.SetVersion(version);
    // Half the polls are clean, so recovery is exercised all the time; of the rest, 70% get
    // an API fault and 10% each a refused connection, an untrusted certificate or a missing
    // token file.
    const int roll = static_cast<int>(random() % 20);
    const Fault fault = roll < 10 ? Fault::kNone
                        : roll < 17
                            ? Fault::kApi
                            : static_cast<Fault>(static_cast<int>(Fault::kRefused) + (roll - 17));
    ApiFault api_fault = ApiFault::kNone;
    if (fault == Fault::kApi) {
      api_fault = api_faults[random() % std::size(api_faults)];
      api.SetFault(api_fault);
    } else if (fault == Fault::kRefused) {
      server.CloseListener();
    } else if (fault == Fault::kWrongCertificate) {
      server.PresentWrongCertificate(true);
    } else if (fault == Fault::kTokenFileMissing) {
      api.SetValidToken("token-" + std::to_string(++token_serial));
      std::filesystem::remove(sa_dir.File("token"));
    }

    const auto previous = poller.last_snapshot();
    const bool ok = poller.PollOnce();
    metrics.Render();  // a scrape

    const bool should_succeed = fault == Fault::kNone || api_fault == ApiFault::kExpiredOnce;
    const auto snapshot = poller.last_snapshot();
    const std::int64_t expected_milli = 1500 * version + 350;
    if (ok != should_succeed ||
        (ok && snapshot->cluster.committed.cpu_requests_milli != expected_milli) ||
        (!ok && snapshot != previous)) {
      ++wrong_outcomes;
      std::printf("poll %d: fault %d/%s ok=%d, expected ok=%d\n", poll, static_cast<int>(fault),
                  std::string(kce::testing::ApiFaultName(api_fault)).c_str(), ok, should_succeed);
    }
    failures += ok ? 0 : 1;

    api.SetFault(ApiFault::kNone);
    server.Reopen();
    server.PresentWrongCertificate(false);
    if (!std::filesystem::exists(sa_dir.File("token"))) {
      sa_dir.Write("token", "token-" + std::to_string(token_serial) + "\n");
    }
    // The test server keeps a record of every request; only the exporter's memory is measured.
    server.ClearRequests();
    if (poll % 100 == 0) sample(poll);
    std::this_thread::sleep_for(interval);
  }

  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  const Sample* base = nullptr;
  for (const Sample& s : samples) {
    if (s.poll == 200) base = &s;
  }
  const Sample& last = samples.back();
  const long rss_growth = last.rss_kib - base->rss_kib;
  const int fd_growth = last.fds - base->fds;
  std::printf(
      "polls %d  failed %d  wrong outcomes %d  seconds %.1f\n"
      "growth from poll 200 to poll %d: rss %+ld KiB (bound %ld), fds %+d (bound %d)\n",
      settings.polls, failures, wrong_outcomes, seconds, last.poll, rss_growth,
      settings.max_rss_growth_kib, fd_growth, settings.max_fd_growth);
  server.Stop();

  const bool pass = wrong_outcomes == 0 && rss_growth <= settings.max_rss_growth_kib &&
                    fd_growth <= settings.max_fd_growth;
  std::printf("%s\n", pass ? "PASS" : "FAIL");
  return pass ? 0 : 1;
}
