// The exporter binary as a process: serving, readiness, clean stop on signals, config checks.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <regex>
#include <thread>
#include <utility>
#include <vector>

#include <gtest/gtest.h>

#include "support/http_get.h"
#include "support/temp_dir.h"

namespace kce {
namespace {

using namespace std::chrono_literals;

const std::string kExample = std::string(KCE_SOURCE_DIR) + "/examples/cluster.json";

// The binary started with `args`, its stderr readable line by line.
class Process {
 public:
  explicit Process(std::vector<std::string> args) {
    int fds[2];
    EXPECT_EQ(pipe(fds), 0);
    pid_ = fork();
    if (pid_ == 0) {
      dup2(fds[1], STDERR_FILENO);
      close(fds[0]);
      std::vector<char*> argv;
      std::string binary = KCE_BINARY_PATH;
      argv.push_back(binary.data());
      for (auto& arg : args) argv.push_back(arg.data());
      argv.push_back(nullptr);
      execv(binary.c_str(), argv.data());
      _exit(127);
    }
    close(fds[1]);
    stderr_ = fdopen(fds[0], "r");
  }
  ~Process() {
    if (pid_ > 0 && !exited_) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    if (stderr_ != nullptr) fclose(stderr_);
  }

  // Reads stderr until a line matches `pattern`; returns the first capture group.
  std::string WaitForLog(const std::regex& pattern) {
    char line[4096];
    while (fgets(line, sizeof line, stderr_) != nullptr) {
      log_ += line;
      std::cmatch match;
      if (std::regex_search(line, match, pattern)) return match.size() > 1 ? match[1].str() : "";
    }
    return "";
  }

  // Sends `signal` and waits up to `limit` for the exit; returns the exit status or -1.
  int SignalAndWait(int signal, std::chrono::milliseconds limit) {
    kill(pid_, signal);
    const auto deadline = std::chrono::steady_clock::now() + limit;
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        exited_ = true;
        return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }

  const std::string& log() const { return log_; }

 private:
  pid_t pid_ = -1;
  FILE* stderr_ = nullptr;
  bool exited_ = false;
  std::string log_;
};

int WaitForPort(Process& process) {
  const std::string port = process.WaitForLog(std::regex("listening .*port=([0-9]+)"));
  return port.empty() ? 0 : std::stoi(port);
}

TEST(ProcessTest, ServesExampleAndStopsOnSigtermWithinTwoSeconds) {
  // A host name as well: the stop path must not depend on a numeric listen address.
  const std::pair<int, std::string> kRuns[] = {
      {SIGTERM, "127.0.0.1:0"}, {SIGINT, "127.0.0.1:0"}, {SIGTERM, "localhost:0"}};
  for (const auto& [signal, address] : kRuns) {
    Process process({"--snapshot", kExample, "--listen-address", address, "--poll-interval", "1s",
                     "--request-timeout", "500ms"});
    const int port = WaitForPort(process);
    ASSERT_GT(port, 0) << process.log();
    bool ready = false;
    for (int i = 0; i < 100 && !ready; ++i) {
      ready = testing::HttpGet(port, "/readyz").status == 200;
      if (!ready) std::this_thread::sleep_for(50ms);
    }
    ASSERT_TRUE(ready);
    const auto metrics = testing::HttpGet(port, "/metrics");
    EXPECT_EQ(metrics.status, 200);
    EXPECT_NE(metrics.body.find("kube_commitment_cluster_cpu_commitment_ratio"), std::string::npos);
    EXPECT_EQ(process.SignalAndWait(signal, 2s), 0) << "signal " << signal << " on " << address;
  }
}

// civetweb notices a stop on an idle connection only every 2 s; the exporter must not wait so.
TEST(ProcessTest, StopsWithinTwoSecondsWithIdleConnectionsOpen) {
  Process process({"--snapshot", kExample, "--listen-address", "127.0.0.1:0"});
  const int port = WaitForPort(process);
  ASSERT_GT(port, 0) << process.log();
  std::vector<int> idle;
  for (int i = 0; i < 20; ++i) {
    const int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ASSERT_EQ(connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
    idle.push_back(fd);
  }
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(process.SignalAndWait(SIGTERM, 2s), 0) << process.log();
  for (const int fd : idle) close(fd);
}

TEST(ProcessTest, StopsWithinTwoSecondsWhileTheApiServerHangs) {
  // A listener that never answers: connections complete in the kernel's backlog, and the TLS
  // handshake then waits for a server hello that never comes.
  const int listener = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ASSERT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(listen(listener, 16), 0);
  socklen_t len = sizeof addr;
  getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  const std::string server = "https://127.0.0.1:" + std::to_string(ntohs(addr.sin_port));
  testing::TempDir dir;
  const std::string kubeconfig = dir.Write("config", R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster:
    server: )" + server + R"(
    insecure-skip-tls-verify: true
users:
- name: u
  user:
    token: not-a-real-token
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)");
  Process process({"--kubeconfig", kubeconfig, "--listen-address", "127.0.0.1:0",
                   "--request-timeout", "20s", "--poll-interval", "30s"});
  ASSERT_GT(WaitForPort(process), 0) << process.log();
  std::this_thread::sleep_for(300ms);
  EXPECT_EQ(process.SignalAndWait(SIGTERM, 2s), 0);
  close(listener);
}

TEST(ProcessTest, CheckConfigValidatesAndNamesTheProblem) {
  Process ok({"--check-config", "--snapshot", kExample});
  EXPECT_EQ(ok.SignalAndWait(0, 10s), 0);

  testing::TempDir dir;
  const std::string kubeconfig = dir.Write("config", R"(apiVersion: v1
kind: Config
clusters:
- name: c
  cluster: {server: "https://127.0.0.1:6443"}
users:
- name: u
  user:
    exec: {command: aws, apiVersion: client.authentication.k8s.io/v1}
contexts:
- name: x
  context: {cluster: c, user: u}
current-context: x
)");
  Process exec({"--check-config", "--kubeconfig", kubeconfig});
  exec.WaitForLog(std::regex("exec"));
  EXPECT_NE(exec.log().find("exec"), std::string::npos);
  EXPECT_EQ(exec.SignalAndWait(0, 10s), 2);

  Process bad({"--check-config", "--page-size", "0"});
  bad.WaitForLog(std::regex("page"));
  EXPECT_NE(bad.log().find("page_size (--page-size)"), std::string::npos) << bad.log();
  EXPECT_EQ(bad.SignalAndWait(0, 10s), 2);

  // A selector the snapshot file cannot apply is refused at start, not every poll.
  Process set_based({"--check-config", "--snapshot", kExample, "--node-selector", "env in (a,b"});
  set_based.WaitForLog(std::regex("configuration error"));
  EXPECT_NE(set_based.log().find("node_selector (--node-selector)"), std::string::npos)
      << set_based.log();
  EXPECT_EQ(set_based.SignalAndWait(0, 10s), 2);

  // The web configuration is loaded and checked too, not only found.
  const std::string web = dir.Write("web.yml", "tls_server_config:\n  cert_file: missing.crt\n");
  Process bad_web({"--check-config", "--snapshot", kExample, "--web.config.file", web});
  bad_web.WaitForLog(std::regex("configuration error"));
  EXPECT_NE(bad_web.log().find("web.yml"), std::string::npos) << bad_web.log();
  EXPECT_EQ(bad_web.SignalAndWait(0, 10s), 2);
}

}  // namespace
}  // namespace kce
