// Keeps the README's reference tables and the code in step: the metric names are the product's
// API, and the configuration table is what users read first.
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

#include <gtest/gtest.h>

#include "kce/metric_catalog.h"
#include "kce/options.h"

namespace kce {
namespace {

std::string ReadSourceFile(const std::string& relative) {
  std::ifstream in(std::string(KCE_SOURCE_DIR) + "/" + relative);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string ReadReadme() { return ReadSourceFile("README.md"); }

// The shell commands of the README's "```sh" blocks under `heading`, one per line.
std::vector<std::string> ShellLines(const std::string& readme, const std::string& heading) {
  std::vector<std::string> commands;
  std::istringstream lines(readme);
  std::string line;
  bool inside = false;
  bool in_block = false;
  while (std::getline(lines, line)) {
    if (line.rfind("## ", 0) == 0) inside = line == heading;
    if (!inside) continue;
    if (line.rfind("```", 0) == 0) {
      in_block = !in_block && line == "```sh";
    } else if (in_block) {
      commands.push_back(line);
    }
  }
  return commands;
}

// Table rows under the heading `heading` (up to the next heading of the same level).
std::vector<std::vector<std::string>> TableRows(const std::string& readme,
                                                const std::string& heading) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream lines(readme);
  std::string line;
  bool inside = false;
  while (std::getline(lines, line)) {
    if (line.rfind("## ", 0) == 0) inside = line == heading;
    if (!inside || line.rfind("| ", 0) != 0) continue;
    std::vector<std::string> cells;
    std::istringstream cols(line.substr(1));
    std::string cell;
    while (std::getline(cols, cell, '|')) {
      const auto first = cell.find_first_not_of(' ');
      const auto last = cell.find_last_not_of(' ');
      cells.push_back(first == std::string::npos ? "" : cell.substr(first, last - first + 1));
    }
    rows.push_back(cells);
  }
  return rows;
}

std::string Unquote(const std::string& cell) {
  if (cell.size() >= 2 && cell.front() == '`' && cell.back() == '`') {
    return cell.substr(1, cell.size() - 2);
  }
  return cell;
}

// CI must run what the README tells a newcomer to run, not a command of its own.
TEST(ReadmeTest, CiRunsTheReadmeTestCommand) {
  const std::vector<std::string> commands = ShellLines(ReadReadme(), "## Quick start");
  ASSERT_EQ(commands.size(), 2u) << "the Quick start has one command to serve, one to test";
  EXPECT_NE(commands[0].find("--snapshot examples/cluster.json"), std::string::npos);
  EXPECT_NE(commands[1].find("ctest"), std::string::npos);

  // Beside the command, .ci/run may only set shell options and enter the checkout: nothing that
  // changes what the command finds (PATH, for one) on a machine where the README is followed.
  std::istringstream ci(ReadSourceFile(".ci/run"));
  std::string line;
  std::vector<std::string> steps;
  while (std::getline(ci, line)) {
    if (line.empty() || line.front() == '#' || line == "set -euo pipefail" ||
        line == "cd \"$(dirname \"$0\")/..\"") {
      continue;
    }
    steps.push_back(line);
  }
  EXPECT_EQ(steps, std::vector<std::string>{commands[1]})
      << ".ci/run does something besides the README's test command";
}

TEST(ReadmeTest, MetricTableMatchesCatalog) {
  const auto rows = TableRows(ReadReadme(), "## Metrics");
  std::map<std::string, std::vector<std::string>> documented;
  for (const auto& row : rows) {
    if (row.size() >= 4 && row[0].rfind("`kube_commitment_", 0) == 0) {
      documented[Unquote(row[0])] = row;
    }
  }
  std::set<std::string> in_code;
  for (const MetricInfo& info : MetricCatalog()) {
    const std::string name(info.name);
    in_code.insert(name);
    auto it = documented.find(name);
    if (it == documented.end()) {
      ADD_FAILURE() << "metric " << name << " is missing from the README's metric table";
      continue;
    }
    std::string labels = it->second[1];
    labels.erase(std::remove(labels.begin(), labels.end(), '`'), labels.end());
    labels.erase(std::remove(labels.begin(), labels.end(), ' '), labels.end());
    EXPECT_EQ(labels, info.labels) << "labels of " << name;
    EXPECT_EQ(it->second[2], info.unit) << "unit of " << name;
  }
  for (const auto& [name, row] : documented) {
    EXPECT_TRUE(in_code.count(name)) << "README documents " << name << " but the code has none";
  }
}

TEST(ReadmeTest, ConfigurationTableMatchesOptions) {
  const auto rows = TableRows(ReadReadme(), "## Configuration");
  std::map<std::string, std::vector<std::string>> documented;
  for (const auto& row : rows) {
    if (row.size() >= 4 && row[0].rfind("`--", 0) == 0) documented[Unquote(row[0])] = row;
  }
  ASSERT_FALSE(documented.empty()) << "no configuration table in the README";
  std::set<std::string> flags;
  for (const OptionDoc& doc : OptionDocs()) {
    flags.insert(doc.flag);
    auto it = documented.find(doc.flag);
    if (it == documented.end()) {
      ADD_FAILURE() << "option " << doc.flag << " is missing from the README's table";
      continue;
    }
    EXPECT_EQ(Unquote(it->second[1]), doc.yaml_key.empty() ? "" : doc.yaml_key)
        << "YAML key of " << doc.flag;
    EXPECT_EQ(Unquote(it->second[2]), doc.default_text) << "default of " << doc.flag;
  }
  for (const auto& [flag, row] : documented) {
    EXPECT_TRUE(flags.count(flag)) << "README documents " << flag << " but the code has none";
  }
}

}  // namespace
}  // namespace kce
