#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>

#include "kce/cluster_endpoint.h"
#include "kce/config_error.h"
#include "support/temp_dir.h"

namespace kce {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

constexpr const char* kCaPem = "-----BEGIN CERTIFICATE-----\nCA\n-----END CERTIFICATE-----\n";
constexpr const char* kOtherCaPem =
    "-----BEGIN CERTIFICATE-----\nOTHER\n-----END CERTIFICATE-----\n";
constexpr const char* kCertPem = "-----BEGIN CERTIFICATE-----\nME\n-----END CERTIFICATE-----\n";
constexpr const char* kKeyPem = "-----BEGIN PRIVATE KEY-----\nK\n-----END PRIVATE KEY-----\n";

std::string Base64(const std::string& text) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < text.size(); i += 3) {
    unsigned chunk = static_cast<unsigned char>(text[i]) << 16;
    if (i + 1 < text.size()) chunk |= static_cast<unsigned char>(text[i + 1]) << 8;
    if (i + 2 < text.size()) chunk |= static_cast<unsigned char>(text[i + 2]);
    out += kAlphabet[(chunk >> 18) & 63];
    out += kAlphabet[(chunk >> 12) & 63];
    out += i + 1 < text.size() ? kAlphabet[(chunk >> 6) & 63] : '=';
    out += i + 2 < text.size() ? kAlphabet[chunk & 63] : '=';
  }
  return out;
}

EnvLookup Env(std::map<std::string, std::string> values) {
  return [values](const std::string& name) -> std::optional<std::string> {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  };
}

// A one-context kubeconfig whose cluster and user bodies are given as YAML text, indented
// by six spaces.
std::string Kubeconfig(const std::string& cluster, const std::string& user) {
  return "apiVersion: v1\nkind: Config\ncurrent-context: main\n"
         "clusters:\n- name: prod\n  cluster:\n" +
         cluster + "users:\n- name: admin\n  user:\n" + user +
         "contexts:\n- name: main\n  context:\n    cluster: prod\n    user: admin\n";
}

// Loads a single kubeconfig file and returns the ConfigError text ("" when none was thrown).
std::string LoadError(const std::string& path) {
  try {
    LoadKubeconfig(path, "", Env({}));
  } catch (const ConfigError& e) {
    return e.what();
  }
  return "";
}

TEST(KubeconfigTest, ReadsClusterAndUserFields) {
  testing::TempDir dir;
  dir.Write("certs/ca.crt", kCaPem);
  dir.Write("certs/me.crt", kCertPem);
  const std::string path =
      dir.Write("config", Kubeconfig("    server: https://10.0.0.1:6443/\n"
                                     "    certificate-authority: certs/ca.crt\n"
                                     "    tls-server-name: api.internal\n",
                                     "    client-certificate: certs/me.crt\n"
                                     "    client-key-data: " +
                                         Base64(kKeyPem) + "\n    token: static-token\n"));

  const ClusterEndpoint endpoint = LoadKubeconfig(path, "", Env({}));
  EXPECT_EQ(endpoint.server, "https://10.0.0.1:6443");
  EXPECT_EQ(endpoint.ca_pem, kCaPem);
  EXPECT_FALSE(endpoint.insecure_skip_tls_verify);
  EXPECT_EQ(endpoint.tls_server_name, "api.internal");
  EXPECT_EQ(endpoint.client_cert_pem, kCertPem);
  EXPECT_EQ(endpoint.client_key_pem, kKeyPem);
  EXPECT_EQ(endpoint.token, "static-token");
  EXPECT_EQ(endpoint.token_file, "");
  EXPECT_THAT(endpoint.description, HasSubstr("context=main"));
  EXPECT_THAT(endpoint.description, HasSubstr("server=https://10.0.0.1:6443"));
  EXPECT_THAT(endpoint.description, Not(HasSubstr("static-token")));
}

TEST(KubeconfigTest, DataWinsOverPath) {
  testing::TempDir dir;
  dir.Write("ca.crt", kOtherCaPem);
  const std::string path = dir.Write("config", Kubeconfig("    server: https://api:6443\n"
                                                          "    certificate-authority: ca.crt\n"
                                                          "    certificate-authority-data: " +
                                                              Base64(kCaPem) + "\n",
                                                          "    client-certificate: missing.crt\n"
                                                          "    client-certificate-data: " +
                                                              Base64(kCertPem) +
                                                              "\n    client-key: missing.key\n"
                                                              "    client-key-data: " +
                                                              Base64(kKeyPem) + "\n"));

  const ClusterEndpoint endpoint = LoadKubeconfig(path, "", Env({}));
  EXPECT_EQ(endpoint.ca_pem, kCaPem);
  EXPECT_EQ(endpoint.client_cert_pem, kCertPem);
  EXPECT_EQ(endpoint.client_key_pem, kKeyPem);
}

TEST(KubeconfigTest, TokenFileWinsOverTokenAndResolvesAgainstTheFileFolder) {
  testing::TempDir dir;
  dir.Write("sub/token", "file-token\n");
  const std::string path = dir.Write(
      "sub/config", Kubeconfig("    server: https://api\n    insecure-skip-tls-verify: true\n",
                               "    token: static-token\n    tokenFile: token\n"));

  const ClusterEndpoint endpoint = LoadKubeconfig(path, "", Env({}));
  EXPECT_EQ(endpoint.token_file, dir.File("sub/token"));
  EXPECT_EQ(endpoint.token, "");
  EXPECT_TRUE(endpoint.insecure_skip_tls_verify);
  EXPECT_THAT(endpoint.description, HasSubstr("auth=token-file"));
}

TEST(KubeconfigTest, GivenContextBeatsCurrentContext) {
  testing::TempDir dir;
  const std::string path = dir.Write("config",
                                     "current-context: one\n"
                                     "clusters:\n"
                                     "- {name: c1, cluster: {server: 'https://one'}}\n"
                                     "- {name: c2, cluster: {server: 'https://two'}}\n"
                                     "contexts:\n"
                                     "- {name: one, context: {cluster: c1}}\n"
                                     "- {name: two, context: {cluster: c2}}\n");

  EXPECT_EQ(LoadKubeconfig(path, "", Env({})).server, "https://one");
  EXPECT_EQ(LoadKubeconfig(path, "two", Env({})).server, "https://two");
}

TEST(KubeconfigTest, KubeconfigListMergesFirstDefinitionWins) {
  testing::TempDir dir;
  const std::string first = dir.Write("a/config",
                                      "current-context: ctx-a\n"
                                      "clusters:\n"
                                      "- {name: shared, cluster: {server: 'https://first'}}\n"
                                      "contexts:\n"
                                      "- {name: ctx-a, context: {cluster: shared, user: u}}\n");
  const std::string second = dir.Write("b/config",
                                       "current-context: ctx-b\n"
                                       "clusters:\n"
                                       "- {name: shared, cluster: {server: 'https://second'}}\n"
                                       "- {name: only-b, cluster: {server: 'https://only-b'}}\n"
                                       "users:\n"
                                       "- {name: u, user: {token: from-b}}\n"
                                       "contexts:\n"
                                       "- {name: ctx-a, context: {cluster: only-b}}\n"
                                       "- {name: ctx-b, context: {cluster: only-b, user: u}}\n");
  const EnvLookup env = Env({{"KUBECONFIG", dir.File("missing") + ":" + first + "::" + second}});

  const ClusterEndpoint merged = LoadKubeconfig("", "", env);
  EXPECT_EQ(merged.server, "https://first");  // ctx-a and cluster shared from the first file
  EXPECT_EQ(merged.token, "from-b");          // user u only exists in the second file
  EXPECT_EQ(LoadKubeconfig("", "ctx-b", env).server, "https://only-b");
}

TEST(KubeconfigTest, ExplicitPathBeatsEnvironmentAndHome) {
  testing::TempDir dir;
  const std::string explicit_path =
      dir.Write("explicit",
                "current-context: x\nclusters: [{name: c, cluster: {server: "
                "'https://explicit'}}]\ncontexts: [{name: x, context: {cluster: c}}]\n");
  const std::string env_path =
      dir.Write("env",
                "current-context: x\nclusters: [{name: c, cluster: {server: "
                "'https://env'}}]\ncontexts: [{name: x, context: {cluster: c}}]\n");
  dir.Write("home/.kube/config",
            "current-context: x\nclusters: [{name: c, cluster: {server: 'https://home'}}]\n"
            "contexts: [{name: x, context: {cluster: c}}]\n");

  EXPECT_EQ(LoadKubeconfig(explicit_path, "", Env({{"KUBECONFIG", env_path}})).server,
            "https://explicit");
  EXPECT_EQ(LoadKubeconfig("", "", Env({{"KUBECONFIG", env_path}})).server, "https://env");
  EXPECT_EQ(LoadKubeconfig("", "", Env({{"HOME", dir.File("home")}})).server, "https://home");
}

TEST(KubeconfigTest, UnsupportedUserFieldsNameFieldUserAndFile) {
  for (const std::string field : {"exec", "auth-provider", "username", "password"}) {
    testing::TempDir dir;
    const std::string value = field == "exec"            ? "{command: aws, apiVersion: x}"
                              : field == "auth-provider" ? "{name: oidc}"
                                                         : "someone";
    const std::string path = dir.Write(
        "config", Kubeconfig("    server: https://api\n", "    " + field + ": " + value + "\n"));
    const std::string error = LoadError(path);
    EXPECT_THAT(error, HasSubstr(field)) << field;
    EXPECT_THAT(error, HasSubstr("user \"admin\"")) << field;
    EXPECT_THAT(error, HasSubstr(path)) << field;
  }
}

TEST(KubeconfigTest, ProxyUrlIsRejectedNamingTheCluster) {
  testing::TempDir dir;
  const std::string path = dir.Write(
      "config",
      Kubeconfig("    server: https://api\n    proxy-url: http://proxy:3128\n", "    token: t\n"));
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr("proxy-url"));
  EXPECT_THAT(error, HasSubstr("cluster \"prod\""));
  EXPECT_THAT(error, HasSubstr(path));
}

TEST(KubeconfigTest, InsecureTogetherWithCaIsAnError) {
  testing::TempDir dir;
  const std::string path =
      dir.Write("config", Kubeconfig("    server: https://api\n    insecure-skip-tls-verify: true\n"
                                     "    certificate-authority-data: " +
                                         Base64(kCaPem) + "\n",
                                     "    token: t\n"));
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr("insecure-skip-tls-verify"));
  EXPECT_THAT(error, HasSubstr("certificate authority"));
}

TEST(KubeconfigTest, BrokenReferencesNameWhatIsWrong) {
  testing::TempDir dir;
  const std::string missing_ca = dir.Write(
      "missing-ca", Kubeconfig("    server: https://api\n    certificate-authority: nope.crt\n",
                               "    token: t\n"));
  EXPECT_THAT(LoadError(missing_ca), HasSubstr("certificate-authority"));
  EXPECT_THAT(LoadError(missing_ca), HasSubstr(dir.File("nope.crt")));

  const std::string bad_base64 =
      dir.Write("bad-base64",
                Kubeconfig("    server: https://api\n    certificate-authority-data: '%%%'\n", ""));
  EXPECT_THAT(LoadError(bad_base64), HasSubstr("certificate-authority-data"));

  const std::string not_pem =
      dir.Write("not-pem", Kubeconfig("    server: https://api\n    certificate-authority-data: " +
                                          Base64("hello") + "\n",
                                      ""));
  EXPECT_THAT(LoadError(not_pem), HasSubstr("PEM"));

  const std::string cert_only =
      dir.Write("cert-only", Kubeconfig("    server: https://api\n",
                                        "    client-certificate-data: " + Base64(kCertPem) + "\n"));
  EXPECT_THAT(LoadError(cert_only), HasSubstr("client-key"));

  const std::string no_server = dir.Write("no-server", Kubeconfig("    tls-server-name: x\n", ""));
  EXPECT_THAT(LoadError(no_server), HasSubstr("no server"));

  const std::string bad_scheme = dir.Write("bad-scheme", Kubeconfig("    server: ftp://api\n", ""));
  EXPECT_THAT(LoadError(bad_scheme), HasSubstr("ftp://api"));

  // Found by fuzz.kubeconfig: a server without "://" once passed as its own scheme.
  for (const char* server : {"http", "https", "api.example.com:6443", "https:/api", "https://"}) {
    const std::string no_scheme =
        dir.Write("no-scheme", Kubeconfig(std::string("    server: ") + server + "\n", ""));
    EXPECT_THAT(LoadError(no_scheme), HasSubstr("is not an https:// URL with a host")) << server;
  }
}

TEST(KubeconfigTest, ReferencedFilesAreReadUpToALimit) {
  testing::TempDir dir;
  // A device never ends; the loader stops at the limit instead of reading forever.
  const std::string endless =
      dir.Write("endless", Kubeconfig("    server: https://api\n", "    tokenFile: /dev/zero\n"));
  EXPECT_THAT(LoadError(endless), HasSubstr("tokenFile: cannot read /dev/zero: it is larger than"));

  const std::string folder = dir.Write(
      "folder",
      Kubeconfig("    server: https://api\n    certificate-authority: .\n", "    token: t\n"));
  EXPECT_THAT(LoadError(folder), HasSubstr("it is a directory"));
}

TEST(KubeconfigTest, UserInformationInTheServerUrlIsRefusedWithoutEchoingIt) {
  testing::TempDir dir;
  for (const std::string server : {"https://admin:hunter2secret@api:6443",
                                   "https://hunter2secret@api", "ftp://hunter2secret@x"}) {
    const std::string path =
        dir.Write("config", Kubeconfig("    server: " + server + "\n", "    token: t\n"));
    const std::string error = LoadError(path);
    EXPECT_THAT(error, HasSubstr("user information")) << server;
    EXPECT_THAT(error, Not(HasSubstr("hunter2secret"))) << server;
  }
  // An '@' in the path is not user information.
  const std::string in_path =
      dir.Write("path", Kubeconfig("    server: https://api/k8s/@cluster\n", "    token: t\n"));
  EXPECT_EQ(LoadKubeconfig(in_path, "", Env({})).server, "https://api/k8s/@cluster");
}

TEST(KubeconfigTest, TokenWithSpacesOrControlBytesIsRefused) {
  testing::TempDir dir;
  // YAML double-quoted scalars, so \r, \n and \t arrive as the bytes themselves.
  for (const std::string token :
       {R"("abc\r\nX-Injected: 1")", R"("two words")", R"("tab\there")"}) {
    const std::string path =
        dir.Write("config", Kubeconfig("    server: https://api\n", "    token: " + token + "\n"));
    EXPECT_THAT(LoadError(path), HasSubstr("field token holds characters")) << token;
  }
}

TEST(KubeconfigTest, MissingContextClusterOrUserIsNamed) {
  testing::TempDir dir;
  const std::string path = dir.Write("config",
                                     "current-context: main\n"
                                     "contexts:\n"
                                     "- {name: main, context: {cluster: gone, user: u}}\n"
                                     "- {name: other, context: {cluster: c, user: ghost}}\n"
                                     "clusters: [{name: c, cluster: {server: 'https://c'}}]\n");
  EXPECT_THAT(LoadError(path), HasSubstr("cluster \"gone\""));
  try {
    LoadKubeconfig(path, "absent", Env({}));
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("context \"absent\""));
  }
  try {
    LoadKubeconfig(path, "other", Env({}));
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr("user \"ghost\""));
  }

  const std::string no_current = dir.Write("no-current", "clusters: []\n");
  EXPECT_THAT(LoadError(no_current), HasSubstr("current-context"));
}

TEST(KubeconfigTest, InvalidYamlNamesFileAndLine) {
  testing::TempDir dir;
  const std::string path = dir.Write("config", "clusters:\n- name: a\n  cluster: [unclosed\n");
  const std::string error = LoadError(path);
  EXPECT_THAT(error, HasSubstr(path));
  EXPECT_THAT(error, HasSubstr("line"));
  EXPECT_THAT(LoadError(dir.File("absent")), HasSubstr(dir.File("absent")));
}

TEST(InClusterTest, BuildsUrlAndReadsServiceAccount) {
  testing::TempDir dir;
  dir.Write("ca.crt", kCaPem);
  dir.Write("token", "sa-token\n");
  const ClusterEndpoint endpoint = LoadInCluster(
      dir.path(),
      Env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
  EXPECT_EQ(endpoint.server, "https://10.96.0.1:443");
  EXPECT_EQ(endpoint.ca_pem, kCaPem);
  EXPECT_EQ(endpoint.token_file, dir.File("token"));
  EXPECT_THAT(endpoint.description, Not(HasSubstr("sa-token")));

  const ClusterEndpoint ipv6 = LoadInCluster(
      dir.path(),
      Env({{"KUBERNETES_SERVICE_HOST", "fd00::1"}, {"KUBERNETES_SERVICE_PORT", "6443"}}));
  EXPECT_EQ(ipv6.server, "https://[fd00::1]:6443");
}

TEST(InClusterTest, MissingEnvironmentOrFilesAreErrors) {
  testing::TempDir dir;
  EXPECT_THROW(LoadInCluster(dir.path(), Env({{"KUBERNETES_SERVICE_HOST", "10.96.0.1"}})),
               ConfigError);
  try {
    LoadInCluster(dir.path(),
                  Env({{"KUBERNETES_SERVICE_HOST", "h"}, {"KUBERNETES_SERVICE_PORT", "443"}}));
    ADD_FAILURE() << "expected ConfigError";
  } catch (const ConfigError& e) {
    EXPECT_THAT(e.what(), HasSubstr(dir.File("ca.crt")));
  }
}

TEST(ClusterEndpointTest, ChoosesLikeClientGo) {
  testing::TempDir dir;
  dir.Write("sa/ca.crt", kCaPem);
  dir.Write("sa/token", "t");
  const std::string kubeconfig =
      dir.Write("config",
                "current-context: x\nclusters: [{name: c, cluster: {server: "
                "'https://from-file'}}]\ncontexts: [{name: x, context: {cluster: c}}]\n");
  const std::map<std::string, std::string> pod_env = {{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                      {"KUBERNETES_SERVICE_PORT", "443"},
                                                      {"HOME", dir.File("home")}};
  EXPECT_EQ(LoadClusterEndpoint("", "", Env(pod_env), dir.File("sa")).server,
            "https://10.96.0.1:443");
  EXPECT_EQ(LoadClusterEndpoint(kubeconfig, "", Env(pod_env), dir.File("sa")).server,
            "https://from-file");
  std::map<std::string, std::string> with_kubeconfig = pod_env;
  with_kubeconfig["KUBECONFIG"] = kubeconfig;
  EXPECT_EQ(LoadClusterEndpoint("", "", Env(with_kubeconfig), dir.File("sa")).server,
            "https://from-file");
}

}  // namespace
}  // namespace kce
