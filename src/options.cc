#include "kce/options.h"

#include <yaml-cpp/yaml.h>

#include <CLI/CLI.hpp>
#include <map>
#include <memory>
#include <string_view>
#include <variant>

#include "kce/config_error.h"
#include "kce/read_file.h"
#include "kce/version.h"
#include "option_fields.h"

namespace kce {
namespace {

using detail::Field;
using detail::Fields;
using detail::FormatValue;
using detail::KebabCase;
using detail::SetFromText;
using detail::SplitList;
using detail::TypeName;

std::string JoinLines(const std::vector<std::string>& lines) {
  std::string joined;
  for (const std::string& line : lines) joined += (joined.empty() ? "" : "\n") + line;
  return joined;
}

std::string NodeKind(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
      return "no value";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Map:
      return "a mapping";
    default:
      return "a scalar";
  }
}

std::string Expectation(const std::string& type) {
  if (type == "integer") return "an integer";
  if (type == "bool") return "true or false";
  if (type == "duration") return "a duration such as \"30s\"";
  if (type == "bytes") return "a byte size such as \"256Mi\"";
  return "a " + type;
}

// Sets one field from a YAML value, checking the YAML type; returns a problem or "".
std::string SetFromYaml(Options* options, const Field& field, const YAML::Node& value) {
  const bool is_list = std::holds_alternative<std::vector<std::string> Options::*>(field.member);
  if (is_list) {
    if (!value.IsSequence()) {
      return "expected a list such as [a, b], got " + NodeKind(value);
    }
    std::vector<std::string> items;
    for (const YAML::Node& item : value) {
      if (!item.IsScalar()) {
        return "expected a list of strings, got an item that is " + NodeKind(item);
      }
      items.push_back(item.Scalar());
    }
    options->*std::get<std::vector<std::string> Options::*>(field.member) = std::move(items);
    return "";
  }
  const std::string type = TypeName(field.member);
  const std::string expected = "expected " + Expectation(type);
  if (!value.IsScalar()) return expected + ", got " + NodeKind(value);
  // A quoted "500" is a string in YAML; integers and booleans must be written plain.
  const bool quoted = value.Tag() == "!";
  if (quoted && (type == "integer" || type == "bool")) {
    return expected + ", got the quoted string \"" + value.Scalar() + "\"";
  }
  return SetFromText(options, field, value.Scalar());
}

const Field* FindYamlKey(const std::string& key) {
  for (const Field& field : Fields()) {
    if (key == field.name || key == KebabCase(field.name)) return &field;
  }
  return nullptr;
}

void ApplyYamlFile(const std::string& path, Options* options) {
  std::string content;
  if (const std::string error = ReadWholeFile(path, kMaxSmallFileBytes, &content); !error.empty()) {
    throw ConfigError(path + ": cannot read the config file: " + error);
  }

  YAML::Node root;
  try {
    root = YAML::Load(content);
  } catch (const YAML::Exception& e) {
    throw ConfigError(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                      std::to_string(e.mark.column + 1) + ": invalid YAML: " + e.msg);
  }
  if (root.IsNull()) return;  // An empty file sets nothing.
  if (!root.IsMap()) {
    throw ConfigError(path + ": the top level must be a mapping of keys to values, not " +
                      NodeKind(root));
  }

  std::vector<std::string> problems;
  std::map<const Field*, std::string> seen;
  for (const auto& entry : root) {
    const std::string where = path + ":" + std::to_string(entry.first.Mark().line + 1) + ": ";
    if (!entry.first.IsScalar()) {
      problems.push_back(where + "keys must be strings");
      continue;
    }
    const std::string key = entry.first.Scalar();
    const Field* field = FindYamlKey(key);
    if (field == nullptr) {
      problems.push_back(where + "unknown key \"" + key + "\"");
      continue;
    }
    if (!field->in_yaml) {
      problems.push_back(where + "key \"" + key + "\" is only accepted as the flag " +
                         std::string(field->flag));
      continue;
    }
    if (const auto [it, inserted] = seen.emplace(field, key); !inserted) {
      problems.push_back(where + "key \"" + key + "\" repeats \"" + it->second + "\"");
      continue;
    }
    if (std::string problem = SetFromYaml(options, *field, entry.second); !problem.empty()) {
      problems.push_back(where + key + ": " + problem);
    }
  }
  if (!problems.empty()) {
    throw ConfigError(JoinLines(problems));
  }
}

bool NeedsQuotes(const std::string& value) {
  if (value.empty()) return true;
  for (const char c : value) {
    if (c == ' ' || c == '"' || c == '=' || c == '\\' || static_cast<unsigned char>(c) < 0x20) {
      return true;
    }
  }
  return false;
}

std::string Quote(const std::string& value) {
  std::string out = "\"";
  for (const char c : value) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      static constexpr char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[(c >> 4) & 0xf];
      out += kHex[c & 0xf];
    } else {
      out += c;
    }
  }
  return out + "\"";
}

}  // namespace

int ExitCodeForConfigError() { return 2; }

LoadedOptions LoadOptions(int argc, const char* const* argv) {
  const std::vector<Field>& fields = Fields();
  const Options defaults;
  CLI::App app(
      "Exports committed CPU and memory requests and limits of Kubernetes nodes, "
      "namespaces and the cluster as Prometheus metrics.",
      "kube-commitment-exporter");
  app.set_version_flag("--version",
                       std::string(Version()) + " (revision " + std::string(Revision()) + ")");

  // Flags are read as text and converted here, so flags and YAML share one parser and one set
  // of messages.
  std::vector<std::string> texts(fields.size());
  std::vector<std::vector<std::string>> lists(fields.size());
  auto bools = std::make_unique<bool[]>(fields.size());
  std::vector<CLI::Option*> cli_options;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& field = fields[i];
    std::string names(field.flag);
    if (!field.alias.empty()) names += "," + std::string(field.alias);
    const std::string description(field.description);
    CLI::Option* option = nullptr;
    if (std::holds_alternative<bool Options::*>(field.member)) {
      bools[i] = false;
      option = app.add_flag(names, bools[i], description);
    } else if (std::holds_alternative<std::vector<std::string> Options::*>(field.member)) {
      option = app.add_option(names, lists[i], description)->allow_extra_args(false);
    } else {
      option = app.add_option(names, texts[i], description)
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
      option->type_name(TypeName(field.member) == "string" ? "TEXT"
                                                           : "<" + TypeName(field.member) + ">");
    }
    const bool is_bool = std::holds_alternative<bool Options::*>(field.member);
    if (const std::string text = FormatValue(defaults, field.member); !text.empty() && !is_bool) {
      option->default_str(text);
    }
    cli_options.push_back(option);
  }

  LoadedOptions loaded;
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    loaded.exit_now = true;
    loaded.output = app.help();
    return loaded;
  } catch (const CLI::CallForVersion& e) {
    loaded.exit_now = true;
    loaded.output = "kube-commitment-exporter " + std::string(e.what()) + "\n";
    return loaded;
  } catch (const CLI::ParseError& e) {
    throw ConfigError(std::string("command line: ") + e.what());
  }

  Options& options = loaded.options;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    if (fields[i].name == "config_file" && cli_options[i]->count() > 0) {
      options.config_file = texts[i];
      if (!options.config_file.empty()) ApplyYamlFile(options.config_file, &options);
    }
  }

  std::vector<std::string> problems;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const Field& field = fields[i];
    if (cli_options[i]->count() == 0) continue;
    if (std::holds_alternative<bool Options::*>(field.member)) {
      options.*std::get<bool Options::*>(field.member) = bools[i];
    } else if (std::holds_alternative<std::vector<std::string> Options::*>(field.member)) {
      // Each occurrence may itself be comma-separated; a flag replaces the file's list.
      std::vector<std::string> items;
      for (const std::string& text : lists[i]) {
        for (std::string& item : SplitList(text)) items.push_back(std::move(item));
      }
      options.*std::get<std::vector<std::string> Options::*>(field.member) = std::move(items);
    } else if (std::string problem = SetFromText(&options, field, texts[i]); !problem.empty()) {
      problems.push_back(std::string(field.flag) + ": " + problem);
    }
  }
  if (!problems.empty()) {
    throw ConfigError(JoinLines(problems));
  }
  return loaded;
}

void ValidateOrThrow(const Options& options) {
  const std::vector<std::string> problems = Validate(options);
  if (problems.empty()) return;
  throw ConfigError(JoinLines(problems));
}

std::string DescribeOptions(const Options& options) {
  std::string line;
  for (const Field& field : Fields()) {
    const std::string value = FormatValue(options, field.member);
    if (!line.empty()) line += ' ';
    line += std::string(field.name) + "=" + (NeedsQuotes(value) ? Quote(value) : value);
  }
  return line;
}

std::vector<OptionDoc> OptionDocs() {
  const Options defaults;
  std::vector<OptionDoc> docs;
  for (const Field& field : Fields()) {
    OptionDoc doc;
    doc.field = field.name;
    doc.flag = field.flag;
    if (!field.alias.empty()) doc.flag_aliases.emplace_back(field.alias);
    if (field.in_yaml) doc.yaml_key = field.name;
    doc.type = TypeName(field.member);
    doc.default_text = FormatValue(defaults, field.member);
    doc.description = field.description;
    docs.push_back(std::move(doc));
  }
  return docs;
}

}  // namespace kce
