#include "kce/exporter.h"

#include <atomic>

#include "kce/logging.h"
#include "kce/web_config.h"

namespace kce {

AccountingOptions AccountingFrom(const Options& options) {
  AccountingOptions accounting;
  accounting.tolerated_taints = options.tolerated_taints;
  accounting.include_namespaces = options.include_namespaces;
  accounting.exclude_namespaces = options.exclude_namespaces;
  accounting.nodes_filtered = !options.node_selector.empty();
  return accounting;
}

namespace {

std::string IndexPage(const std::string& metrics_path) {
  return "<!DOCTYPE html>\n<html><head><title>kube-commitment-exporter</title></head><body>\n"
         "<h1>kube-commitment-exporter</h1>\n"
         "<p>Committed CPU and memory against allocatable capacity.</p>\n<ul>\n"
         "<li><a href=\"" +
         metrics_path + "\">" + metrics_path +
         "</a></li>\n"
         "<li><a href=\"/healthz\">/healthz</a></li>\n"
         "<li><a href=\"/readyz\">/readyz</a></li>\n</ul>\n</body></html>\n";
}

}  // namespace

Exporter::Exporter(const Options& options, const SourceFactory& make_source)
    : options_(options),
      metrics_(std::make_unique<MetricsState>(options.poll_interval)),
      source_(make_source(*metrics_, stop_)),
      poller_(std::make_unique<Poller>(*source_, AccountingFrom(options), *metrics_)),
      thread_done_(std::make_shared<std::atomic<bool>>(false)) {
  MetricsState* metrics = metrics_.get();
  std::vector<std::pair<std::string, HttpServer::Handler>> routes = {
      {options.metrics_path,
       [metrics] {
         return HttpReply{200, "text/plain; version=0.0.4; charset=utf-8", metrics->Render()};
       }},
      {"/healthz",
       [] {
         return HttpReply{200, "text/plain; charset=utf-8", "ok\n"};
       }},
      {"/readyz",
       [metrics] {
         return metrics->Ready()
                    ? HttpReply{200, "text/plain; charset=utf-8", "ready\n"}
                    : HttpReply{503, "text/plain; charset=utf-8", "no successful poll yet\n"};
       }},
      {"/",
       [page = IndexPage(options.metrics_path)] {
         return HttpReply{200, "text/html; charset=utf-8", page};
       }},
  };
  HttpServerOptions http;
  http.listen_address = options.listen_address;
  if (!options.web_config_file.empty()) http.web = LoadWebConfig(options.web_config_file);
  // Kubelet probes carry no credentials and the answers reveal nothing; TLS still applies.
  http.unauthenticated_paths = {"/healthz", "/readyz"};
  server_ = std::make_unique<HttpServer>(http, std::move(routes));
  GetLogger("http")->info("listening address={} port={} scheme={} metrics_path={} {}",
                          options.listen_address, server_->port(),
                          server_->tls() ? "https" : "http", options.metrics_path,
                          DescribeWebConfig(http.web));
}

Exporter::~Exporter() {
  stop_.Stop();
  if (thread_.joinable()) thread_.join();
}

void Exporter::Start() {
  thread_ = std::thread([this, done = thread_done_] {
    poller_->Run(options_.poll_interval, stop_);
    done->store(true);
  });
}

bool Exporter::Stop(std::chrono::milliseconds grace) {
  stop_.Stop();
  if (!thread_.joinable()) return true;
  const auto deadline = std::chrono::steady_clock::now() + grace;
  while (!thread_done_->load() && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (!thread_done_->load()) return false;
  thread_.join();
  return true;
}

}  // namespace kce
