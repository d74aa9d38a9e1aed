#include "support/fault_api_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace kce::testing {
namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;

SSL_CTX* NewServerContext(const std::string& pem_file) {
  SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
  if (ctx == nullptr) throw std::runtime_error("fault server: SSL_CTX_new failed");
  SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
  if (SSL_CTX_use_certificate_chain_file(ctx, pem_file.c_str()) != 1 ||
      SSL_CTX_use_PrivateKey_file(ctx, pem_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    SSL_CTX_free(ctx);
    ERR_clear_error();
    throw std::runtime_error("fault server: cannot load " + pem_file);
  }
  return ctx;
}

std::string Decode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size()) {
      out += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

// Fills method, path, query and headers from the request head (without the blank line).
bool ParseHead(std::string_view head, TestRequest* request) {
  std::size_t end = head.find("\r\n");
  const std::string_view line = head.substr(0, end);
  const std::size_t first = line.find(' ');
  const std::size_t second = line.find(' ', first + 1);
  if (first == std::string_view::npos || second == std::string_view::npos) return false;
  request->method = std::string(line.substr(0, first));
  const std::string_view target = line.substr(first + 1, second - first - 1);
  const std::size_t question = target.find('?');
  request->path = Decode(target.substr(0, question));
  if (question != std::string_view::npos) request->query = std::string(target.substr(question + 1));
  while (end != std::string_view::npos) {
    const std::size_t start = end + 2;
    end = head.find("\r\n", start);
    const std::string_view header = head.substr(start, end - start);
    const std::size_t colon = header.find(':');
    if (colon == std::string_view::npos) continue;
    std::string_view value = header.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request->headers.emplace_back(std::string(header.substr(0, colon)), std::string(value));
  }
  return true;
}

// One connection, with or without TLS.
class Channel {
 public:
  Channel(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  long Read(char* buffer, std::size_t size) {
    return ssl_ != nullptr ? SSL_read(ssl_, buffer, static_cast<int>(size))
                           : recv(fd_, buffer, size, 0);
  }

  bool Write(std::string_view data) {
    while (!data.empty()) {
      const long written = ssl_ != nullptr
                               ? SSL_write(ssl_, data.data(), static_cast<int>(data.size()))
                               : send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
      if (written <= 0) return false;
      data.remove_prefix(static_cast<std::size_t>(written));
    }
    return true;
  }

 private:
  int fd_;
  SSL* ssl_;
};

std::string Chunk(std::string_view data) {
  char size[32];
  std::snprintf(size, sizeof size, "%zx\r\n", data.size());
  return size + std::string(data) + "\r\n";
}

}  // namespace

FaultApiServer::FaultApiServer(const std::string& pem_file, const std::string& wrong_pem_file) {
  signal(SIGPIPE, SIG_IGN);
  good_ctx_ = NewServerContext(pem_file);
  try {
    wrong_ctx_ = NewServerContext(wrong_pem_file);
    Listen(0);
  } catch (...) {
    SSL_CTX_free(good_ctx_);
    if (wrong_ctx_ != nullptr) SSL_CTX_free(wrong_ctx_);
    throw;
  }
}

FaultApiServer::~FaultApiServer() {
  Stop();
  SSL_CTX_free(good_ctx_);
  SSL_CTX_free(wrong_ctx_);
}

void FaultApiServer::Route(const std::string& path, FaultHandler handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[path] = std::move(handler);
}

void FaultApiServer::PresentWrongCertificate(bool wrong) { wrong_.store(wrong); }

void FaultApiServer::CloseListener() {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  StopAccepting();
}

void FaultApiServer::Reopen() {
  std::lock_guard<std::mutex> lock(listener_mutex_);
  if (listen_fd_ < 0) Listen(port_);
}

std::vector<ReceivedRequest> FaultApiServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void FaultApiServer::ClearRequests() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.clear();
}

int FaultApiServer::open_connections() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(open_fds_.size());
}

void FaultApiServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(listener_mutex_);
    StopAccepting();
  }
  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    for (const int fd : open_fds_) shutdown(fd, SHUT_RDWR);
    workers.swap(workers_);
  }
  stopping_cv_.notify_all();
  for (Worker& worker : workers) worker.thread.join();
}

// Called with listener_mutex_ held.
void FaultApiServer::Listen(int port) {
  const int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  const int on = 1;
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(static_cast<uint16_t>(port));
  socklen_t length = sizeof(address);
  if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) != 0 ||
      bind(fd, reinterpret_cast<sockaddr*>(&address), length) != 0 || listen(fd, 64) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    const std::string error = "fault server: cannot listen on 127.0.0.1:" + std::to_string(port) +
                              ": " + std::strerror(errno);
    if (fd >= 0) close(fd);
    throw std::runtime_error(error);
  }
  listen_fd_ = fd;
  port_ = ntohs(address.sin_port);
  accept_thread_ = std::thread([this, fd, wake = wake_pipe_[0]] { AcceptLoop(fd, wake); });
}

// Called with listener_mutex_ held.
void FaultApiServer::StopAccepting() {
  if (listen_fd_ < 0) return;
  const char wake = 'x';
  [[maybe_unused]] const ssize_t ignored = write(wake_pipe_[1], &wake, 1);
  accept_thread_.join();
  close(listen_fd_);
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
  listen_fd_ = -1;
}

void FaultApiServer::AcceptLoop(int listen_fd, int wake_fd) {
  for (;;) {
    pollfd fds[2] = {{listen_fd, POLLIN, 0}, {wake_fd, POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = accept4(listen_fd, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;

    // A client that stops reading or writing cannot hold a thread (and Stop) for long.
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));
    SSL_CTX* ctx = wrong_.load() ? wrong_ctx_ : good_ctx_;

    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      close(fd);
      continue;
    }
    for (auto it = workers_.begin(); it != workers_.end();) {
      if (it->done->load()) {
        it->thread.join();
        it = workers_.erase(it);
      } else {
        ++it;
      }
    }
    open_fds_.insert(fd);
    auto done = std::make_shared<std::atomic<bool>>(false);
    workers_.push_back(Worker{std::thread([this, fd, ctx, done] {
                                ServeConnection(fd, ctx);
                                done->store(true);
                              }),
                              done});
  }
}

void FaultApiServer::ServeConnection(int fd, ssl_ctx_st* ctx) {
  SSL* ssl = SSL_new(ctx);
  SSL_set_fd(ssl, fd);
  bool graceful = true;
  if (SSL_accept(ssl) != 1) {
    ++handshake_failures_;
    ERR_clear_error();
  } else {
    Channel channel(fd, ssl);
    std::string data;
    char buffer[4096];
    while (data.find("\r\n\r\n") == std::string::npos && data.size() < kMaxHeadBytes) {
      const long got = channel.Read(buffer, sizeof(buffer));
      if (got <= 0) break;
      data.append(buffer, static_cast<std::size_t>(got));
    }
    TestRequest request;
    const std::size_t head_end = data.find("\r\n\r\n");
    if (head_end != std::string::npos && ParseHead(data.substr(0, head_end), &request)) {
      const FaultResponse response = Dispatch(request);
      if (WaitUnlessStopping(response.delay)) {
        std::string head = "HTTP/1.1 " + std::to_string(response.status) + " Fault\r\n";
        bool typed = false;
        for (const auto& [key, value] : response.headers) {
          typed = typed || strcasecmp(key.c_str(), "Content-Type") == 0;
          head += key + ": " + value + "\r\n";
        }
        if (!typed) head += "Content-Type: application/json\r\n";
        if (response.endless) {
          head += "Transfer-Encoding: chunked\r\n";
        } else {
          head += "Content-Length: " +
                  std::to_string(response.announced_length.value_or(response.body.size())) + "\r\n";
        }
        head += "Connection: close\r\n\r\n";

        std::string_view body = response.body;
        if (response.cut_after && *response.cut_after < body.size()) {
          body = body.substr(0, *response.cut_after);
          graceful = false;
        }
        if (!response.endless) {
          if (channel.Write(head)) channel.Write(body);
          // A reset makes the client's kernel drop data it has not read yet; give it time to
          // read the part of the body that was sent, so the cut is seen mid-body.
          if (!graceful) WaitUnlessStopping(std::chrono::milliseconds(100));
        } else if (channel.Write(head) && channel.Write(Chunk(body))) {
          const std::string filler = Chunk(std::string(64 * 1024, ' '));
          std::size_t sent = 0;
          while (sent < kEndlessLimit && channel.Write(filler)) {
            sent += filler.size();
            std::lock_guard<std::mutex> lock(mutex_);
            if (stopping_) break;
          }
          graceful = false;
        }
      }
    }
  }

  if (graceful && SSL_is_init_finished(ssl)) {
    SSL_shutdown(ssl);
  } else {
    // A reset, not an orderly close: the client sees the connection cut.
    const linger reset{1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &reset, sizeof reset);
  }
  SSL_free(ssl);
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.erase(fd);
  }
  close(fd);
}

FaultResponse FaultApiServer::Dispatch(const TestRequest& request) {
  FaultHandler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back({request, std::chrono::steady_clock::now()});
    if (auto it = routes_.find(request.path); it != routes_.end()) handler = it->second;
  }
  if (!handler) {
    FaultResponse not_found;
    not_found.status = 404;
    not_found.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure",)"
                     R"("reason":"NotFound","code":404})";
    return not_found;
  }
  try {
    return handler(request);
  } catch (const std::exception& e) {
    FaultResponse error;
    error.status = 500;
    error.body = std::string("handler threw: ") + e.what();
    return error;
  }
}

bool FaultApiServer::WaitUnlessStopping(std::chrono::milliseconds delay) {
  std::unique_lock<std::mutex> lock(mutex_);
  if (delay.count() > 0) stopping_cv_.wait_for(lock, delay, [this] { return stopping_; });
  return !stopping_;
}

}  // namespace kce::testing
