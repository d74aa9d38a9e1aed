// libFuzzer entry point for the kubeconfig loader. Each input is written to a kubeconfig file
// in a private folder and loaded as `--kubeconfig FILE` would load it; files the input names
// are resolved as usual, so references to the file itself, to folders and to devices are
// exercised too. Built by fuzz/CMakeLists.txt; run by the ctest test fuzz.kubeconfig.
//
// The loader may refuse an input only with a ConfigError that names what is wrong; any other
// exception escapes and is reported by libFuzzer as a crash, and every invariant of an accepted
// configuration traps.

#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "kce/cluster_endpoint.h"
#include "kce/config_error.h"

namespace {

void Check(bool condition) {
  if (!condition) __builtin_trap();
}

std::string& Folder() {
  static std::string folder;
  return folder;
}

std::string& ConfigPath() {
  static std::string path;
  return path;
}

bool StartsWith(const std::string& text, const char* prefix) { return text.rfind(prefix, 0) == 0; }

}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  char folder[] = "/tmp/kce-kubeconfig-fuzz-XXXXXX";
  if (mkdtemp(folder) == nullptr) std::abort();
  Folder() = folder;
  ConfigPath() = Folder() + "/config";
  // libFuzzer ends a run with exit(), so the folder goes with it.
  std::atexit([] {
    std::error_code ignored;
    std::filesystem::remove_all(Folder(), ignored);
  });
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  {
    std::ofstream out(ConfigPath(), std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
    if (!out) std::abort();
  }
  // No KUBECONFIG, no HOME, not in a pod: only the explicit file counts.
  const kce::EnvLookup no_env = [](const std::string&) { return std::optional<std::string>(); };
  kce::ClusterEndpoint endpoint;
  try {
    endpoint = kce::LoadKubeconfig(ConfigPath(), "", no_env);
  } catch (const kce::ConfigError& e) {
    const std::string message = e.what();
    Check(!message.empty());
    return 0;
  }

  Check(StartsWith(endpoint.server, "https://") || StartsWith(endpoint.server, "http://"));
  Check(endpoint.server.back() != '/');
  Check(!(endpoint.insecure_skip_tls_verify && !endpoint.ca_pem.empty()));
  Check(endpoint.client_cert_pem.empty() == endpoint.client_key_pem.empty());
  Check(endpoint.token.empty() || endpoint.token_file.empty());
  Check(endpoint.token.empty() || kce::IsValidBearerToken(endpoint.token));
  Check(endpoint.token_file.empty() || endpoint.token_file.front() == '/');
  Check(StartsWith(endpoint.description, ("kubeconfig " + ConfigPath() + " ").c_str()));
  // Key material never reaches the description, which is logged.
  Check(endpoint.client_key_pem.empty() ||
        endpoint.description.find(endpoint.client_key_pem) == std::string::npos);
  return 0;
}
