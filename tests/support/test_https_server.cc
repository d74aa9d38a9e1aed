#include "support/test_https_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <poll.h>
#include <signal.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace kce::testing {
namespace {

constexpr std::size_t kMaxHeadBytes = 64 * 1024;

bool SameName(std::string_view a, std::string_view b) {
  return a.size() == b.size() && strncasecmp(a.data(), b.data(), a.size()) == 0;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string UrlDecode(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '+') {
      out += ' ';
    } else if (text[i] == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out += static_cast<char>(HexValue(text[i + 1]) * 16 + HexValue(text[i + 2]));
      i += 2;
    } else {
      out += text[i];
    }
  }
  return out;
}

std::string_view Trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r')) {
    text.remove_suffix(1);
  }
  return text;
}

std::string ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 410:
      return "Gone";
    case 429:
      return "Too Many Requests";
    case 500:
      return "Internal Server Error";
    case 503:
      return "Service Unavailable";
    default:
      return "Status";
  }
}

std::string OpenSslError(const char* what) {
  char detail[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, detail, sizeof(detail));
  }
  return std::string("test server: ") + what + ": " + detail;
}

// Reads and writes one connection, with or without TLS.
class Stream {
 public:
  Stream(int fd, SSL* ssl) : fd_(fd), ssl_(ssl) {}

  long Read(char* buffer, std::size_t size) {
    if (ssl_ != nullptr) return SSL_read(ssl_, buffer, static_cast<int>(size));
    return recv(fd_, buffer, size, 0);
  }

  bool WriteAll(std::string_view data) {
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

// Parses "METHOD TARGET VERSION" and the header lines of `head` (which ends before the blank
// line). Returns false on a malformed request line.
bool ParseHead(std::string_view head, TestRequest* request) {
  const std::size_t line_end = head.find("\r\n");
  const std::string_view line = head.substr(0, line_end);
  const std::size_t first_space = line.find(' ');
  const std::size_t second_space = line.find(' ', first_space + 1);
  if (first_space == std::string_view::npos || second_space == std::string_view::npos) {
    return false;
  }
  request->method = std::string(line.substr(0, first_space));
  const std::string_view target = line.substr(first_space + 1, second_space - first_space - 1);
  const std::size_t question = target.find('?');
  request->path = UrlDecode(target.substr(0, question));
  if (question != std::string_view::npos) request->query = std::string(target.substr(question + 1));

  std::string_view rest =
      line_end == std::string_view::npos ? std::string_view() : head.substr(line_end + 2);
  while (!rest.empty()) {
    const std::size_t end = rest.find("\r\n");
    const std::string_view header = rest.substr(0, end);
    const std::size_t colon = header.find(':');
    if (colon != std::string_view::npos) {
      request->headers.emplace_back(std::string(Trim(header.substr(0, colon))),
                                    std::string(Trim(header.substr(colon + 1))));
    }
    if (end == std::string_view::npos) break;
    rest.remove_prefix(end + 2);
  }
  return true;
}

std::string PeerSubject(SSL* ssl) {
  X509* cert = SSL_get0_peer_certificate(ssl);
  if (cert == nullptr) return "";
  char buffer[512];
  X509_NAME_oneline(X509_get_subject_name(cert), buffer, sizeof(buffer));
  return buffer;
}

}  // namespace

std::string TestRequest::Header(std::string_view name) const {
  for (const auto& [key, value] : headers) {
    if (SameName(key, name)) return value;
  }
  return "";
}

std::string TestRequest::QueryParam(std::string_view name) const {
  std::string_view rest = query;
  while (!rest.empty()) {
    const std::size_t amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    const std::size_t eq = pair.find('=');
    if (UrlDecode(pair.substr(0, eq)) == name) {
      return eq == std::string_view::npos ? "" : UrlDecode(pair.substr(eq + 1));
    }
    if (amp == std::string_view::npos) break;
    rest.remove_prefix(amp + 1);
  }
  return "";
}

TestHttpsServer::TestHttpsServer(TestServerOptions options) : options_(std::move(options)) {
  signal(SIGPIPE, SIG_IGN);

  if (!options_.certificate_pem_file.empty()) {
    ssl_ctx_ = SSL_CTX_new(TLS_server_method());
    if (ssl_ctx_ == nullptr) throw std::runtime_error(OpenSslError("SSL_CTX_new"));
    SSL_CTX_set_min_proto_version(ssl_ctx_, TLS1_2_VERSION);
    const char* pem = options_.certificate_pem_file.c_str();
    if (SSL_CTX_use_certificate_chain_file(ssl_ctx_, pem) != 1 ||
        SSL_CTX_use_PrivateKey_file(ssl_ctx_, pem, SSL_FILETYPE_PEM) != 1) {
      const std::string error = OpenSslError(("loading " + options_.certificate_pem_file).c_str());
      SSL_CTX_free(ssl_ctx_);
      throw std::runtime_error(error);
    }
    if (!options_.client_ca_file.empty()) {
      if (SSL_CTX_load_verify_locations(ssl_ctx_, options_.client_ca_file.c_str(), nullptr) != 1) {
        const std::string error = OpenSslError(("loading " + options_.client_ca_file).c_str());
        SSL_CTX_free(ssl_ctx_);
        throw std::runtime_error(error);
      }
      SSL_CTX_set_verify(ssl_ctx_, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, nullptr);
    }
  }

  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t length = sizeof(address);
  if (listen_fd_ < 0 || bind(listen_fd_, reinterpret_cast<sockaddr*>(&address), length) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&address), &length) != 0 ||
      pipe2(wake_pipe_, O_CLOEXEC) != 0) {
    const std::string error =
        std::string("test server: cannot listen on 127.0.0.1: ") + std::strerror(errno);
    if (listen_fd_ >= 0) close(listen_fd_);
    if (ssl_ctx_ != nullptr) SSL_CTX_free(ssl_ctx_);
    throw std::runtime_error(error);
  }
  port_ = ntohs(address.sin_port);
  accept_thread_ = std::thread([this] { AcceptLoop(); });
}

TestHttpsServer::~TestHttpsServer() {
  Stop();
  if (ssl_ctx_ != nullptr) SSL_CTX_free(ssl_ctx_);
}

void TestHttpsServer::Route(const std::string& path, TestHandler handler) {
  std::lock_guard<std::mutex> lock(mutex_);
  routes_[path] = std::move(handler);
}

std::string TestHttpsServer::url() const {
  return std::string(ssl_ctx_ != nullptr ? "https" : "http") +
         "://127.0.0.1:" + std::to_string(port_);
}

std::vector<TestRequest> TestHttpsServer::requests() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return requests_;
}

void TestHttpsServer::ClearRequests() {
  std::lock_guard<std::mutex> lock(mutex_);
  requests_.clear();
}

void TestHttpsServer::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) return;
    stopping_ = true;
    // Unblocks connection threads waiting in a read.
    for (const int fd : open_fds_) shutdown(fd, SHUT_RDWR);
  }
  stopping_cv_.notify_all();
  const char wake = 'x';
  [[maybe_unused]] const ssize_t ignored = write(wake_pipe_[1], &wake, 1);
  if (accept_thread_.joinable()) accept_thread_.join();

  std::list<Worker> workers;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    workers.swap(workers_);
  }
  for (Worker& worker : workers) worker.thread.join();
  close(listen_fd_);
  close(wake_pipe_[0]);
  close(wake_pipe_[1]);
}

void TestHttpsServer::AcceptLoop() {
  for (;;) {
    pollfd fds[2] = {{listen_fd_, POLLIN, 0}, {wake_pipe_[0], POLLIN, 0}};
    if (poll(fds, 2, -1) < 0 && errno != EINTR) return;
    if (fds[1].revents != 0) return;
    if ((fds[0].revents & POLLIN) == 0) continue;
    const int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) continue;

    // A client that never sends must not keep a thread (and Stop) waiting for long.
    timeval timeout{10, 0};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof(timeout));

    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_) {
      close(fd);
      return;
    }
    // Reap finished threads so a long test does not accumulate them.
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
    workers_.push_back(Worker{std::thread([this, fd, done] {
                                ServeConnection(fd);
                                done->store(true);
                              }),
                              done});
  }
}

void TestHttpsServer::ServeConnection(int fd) {
  SSL* ssl = nullptr;
  TestRequest request;

  if (ssl_ctx_ != nullptr) {
    ssl = SSL_new(ssl_ctx_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) != 1) {
      ++handshake_failures_;
      ERR_clear_error();
    } else {
      request.client_cert_subject = PeerSubject(ssl);
    }
  }

  if (ssl == nullptr || SSL_is_init_finished(ssl)) {
    Stream stream(fd, ssl);
    std::string data;
    char buffer[4096];
    std::size_t head_end = std::string::npos;
    while (head_end == std::string::npos && data.size() < kMaxHeadBytes) {
      const long got = stream.Read(buffer, sizeof(buffer));
      if (got <= 0) break;
      data.append(buffer, static_cast<std::size_t>(got));
      head_end = data.find("\r\n\r\n");
    }
    if (head_end != std::string::npos &&
        ParseHead(std::string_view(data).substr(0, head_end), &request)) {
      // Consume a request body so the client sees a clean answer.
      std::size_t body_left = 0;
      if (const std::string length = request.Header("Content-Length"); !length.empty()) {
        body_left = std::stoul(length);
      }
      std::size_t buffered = data.size() - head_end - 4;
      while (buffered < body_left) {
        const long got = stream.Read(buffer, sizeof(buffer));
        if (got <= 0) break;
        buffered += static_cast<std::size_t>(got);
      }

      const TestResponse response = Dispatch(request);
      std::string head = "HTTP/1.1 " + std::to_string(response.status) + " " +
                         ReasonPhrase(response.status) + "\r\n";
      bool has_type = false;
      for (const auto& [key, value] : response.headers) {
        has_type = has_type || SameName(key, "Content-Type");
        head += key + ": " + value + "\r\n";
      }
      if (!has_type) head += "Content-Type: application/json\r\n";
      head += "Content-Length: " + std::to_string(response.body.size()) + "\r\n";
      head += "Connection: close\r\n\r\n";
      if (stream.WriteAll(head)) stream.WriteAll(response.body);
    }
  }

  if (ssl != nullptr) {
    if (SSL_is_init_finished(ssl)) SSL_shutdown(ssl);
    SSL_free(ssl);
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    open_fds_.erase(fd);
  }
  close(fd);
}

TestResponse TestHttpsServer::Dispatch(const TestRequest& request) {
  TestHandler handler;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    requests_.push_back(request);
    if (auto it = routes_.find(request.path); it != routes_.end()) handler = it->second;
  }

  TestResponse response;
  if (!handler) {
    response.status = 404;
    response.body = R"({"kind":"Status","apiVersion":"v1","status":"Failure","message":"the )"
                    R"(server could not find the requested resource","reason":"NotFound",)"
                    R"("code":404})";
  } else {
    try {
      response = handler(request);
    } catch (const std::exception& e) {
      response = TestResponse{500, {}, std::string("handler threw: ") + e.what()};
    }
  }

  if (response.delay.count() > 0) {
    std::unique_lock<std::mutex> lock(mutex_);
    stopping_cv_.wait_for(lock, response.delay, [this] { return stopping_; });
  }
  return response;
}

}  // namespace kce::testing
