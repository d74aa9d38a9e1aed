#include "kce/logging.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <cstdio>
#include <ctime>

#include "kce/config_error.h"

namespace kce {
namespace {

std::string_view LevelName(spdlog::level::level_enum level) {
  switch (level) {
    case spdlog::level::trace:
      return "trace";
    case spdlog::level::debug:
      return "debug";
    case spdlog::level::info:
      return "info";
    case spdlog::level::warn:
      return "warn";
    case spdlog::level::err:
      return "error";
    case spdlog::level::critical:
      return "critical";
    default:
      return "off";
  }
}

void AppendTimestamp(std::chrono::system_clock::time_point time, std::string* out) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(time);
  const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(time - seconds);
  const std::time_t tt = std::chrono::system_clock::to_time_t(seconds);
  std::tm utc{};
  gmtime_r(&tt, &utc);
  char buffer[64];
  std::snprintf(buffer, sizeof buffer, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis.count()));
  *out += buffer;
}

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlong,
// surrogate, beyond U+10FFFF or truncated).
std::size_t Utf8SequenceLength(std::string_view s, std::size_t i) {
  const auto byte = [&s](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  std::size_t length = 0;
  unsigned char low = 0x80;
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < low || byte(i + 1) > high) return 0;
  for (std::size_t k = i + 2; k < i + length; ++k) {
    if (byte(k) < 0x80 || byte(k) > 0xBF) return 0;
  }
  return length;
}

void AppendJsonString(std::string_view s, std::string* out) {
  static constexpr char kHex[] = "0123456789abcdef";
  *out += '"';
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x80) {
      const std::size_t length = Utf8SequenceLength(s, i);
      if (length == 0) {
        *out += "\\ufffd";
        ++i;
      } else {
        out->append(s.substr(i, length));
        i += length;
      }
      continue;
    }
    switch (c) {
      case '"':
        *out += "\\\"";
        break;
      case '\\':
        *out += "\\\\";
        break;
      case '\n':
        *out += "\\n";
        break;
      case '\r':
        *out += "\\r";
        break;
      case '\t':
        *out += "\\t";
        break;
      default:
        if (c < 0x20 || c == 0x7f) {
          *out += "\\u00";
          *out += kHex[c >> 4];
          *out += kHex[c & 0xf];
        } else {
          *out += static_cast<char>(c);
        }
    }
    ++i;
  }
  *out += '"';
}

// Text lines stay one per event: control characters become visible escapes.
void AppendTextMessage(std::string_view s, std::string* out) {
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '\n') {
      *out += "\\n";
    } else if (c == '\r') {
      *out += "\\r";
    } else if (c == '\t') {
      *out += "\\t";
    } else if (c < 0x20 || c == 0x7f) {
      static constexpr char kHex[] = "0123456789abcdef";
      *out += "\\x";
      *out += kHex[c >> 4];
      *out += kHex[c & 0xf];
    } else {
      *out += ch;
    }
  }
}

// The one sink every component logger shares. Format and destination can change while loggers
// are in use; base_sink's mutex guards both.
class SharedSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  void Configure(bool json, std::ostream* out) {
    std::lock_guard<std::mutex> lock(mutex_);
    json_ = json;
    out_ = out;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    const std::string_view logger(msg.logger_name.data(), msg.logger_name.size());
    const std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string line;
    line.reserve(64 + payload.size());
    if (json_) {
      line += "{\"ts\":\"";
      AppendTimestamp(msg.time, &line);
      line += "\",\"level\":\"";
      line += LevelName(msg.level);
      line += "\",\"logger\":";
      AppendJsonString(logger, &line);
      line += ",\"msg\":";
      AppendJsonString(payload, &line);
      line += "}\n";
    } else {
      AppendTimestamp(msg.time, &line);
      line += ' ';
      line += LevelName(msg.level);
      line += " [";
      AppendTextMessage(logger, &line);
      line += "] ";
      AppendTextMessage(payload, &line);
      line += '\n';
    }
    if (out_ != nullptr) {
      out_->write(line.data(), static_cast<std::streamsize>(line.size()));
    } else {
      std::fwrite(line.data(), 1, line.size(), stderr);
    }
  }

  void flush_() override {
    if (out_ != nullptr) {
      out_->flush();
    } else {
      std::fflush(stderr);
    }
  }

 private:
  bool json_ = false;
  std::ostream* out_ = nullptr;
};

struct Registry {
  std::mutex mutex;
  std::map<std::string, std::shared_ptr<spdlog::logger>, std::less<>> loggers;
  std::shared_ptr<SharedSink> sink = std::make_shared<SharedSink>();
  spdlog::level::level_enum level = spdlog::level::info;
};

Registry& GetRegistry() {
  // Never destroyed, so loggers stay usable from other static destructors.
  static Registry* registry = new Registry();
  return *registry;
}

}  // namespace

std::optional<spdlog::level::level_enum> ParseLogLevel(std::string_view level) {
  if (level == "trace") return spdlog::level::trace;
  if (level == "debug") return spdlog::level::debug;
  if (level == "info") return spdlog::level::info;
  if (level == "warn") return spdlog::level::warn;
  if (level == "error") return spdlog::level::err;
  if (level == "off") return spdlog::level::off;
  return std::nullopt;
}

void SetupLogging(const std::string& level, const std::string& format, std::ostream* out) {
  if (!ParseLogLevel(level)) {
    throw ConfigError("unknown log level \"" + level +
                      "\" (expected trace, debug, info, warn, error or off)");
  }
  if (format != "text" && format != "json") {
    throw ConfigError("unknown log format \"" + format + "\" (expected text or json)");
  }
  GetRegistry().sink->Configure(format == "json", out);
  SetLogLevel(level);
  // Code that logs through spdlog's free functions lands in the same sink and format.
  spdlog::set_default_logger(GetLogger("default"));
}

bool SetLogLevel(std::string_view level) {
  const std::optional<spdlog::level::level_enum> parsed = ParseLogLevel(level);
  if (!parsed) return false;
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  registry.level = *parsed;
  for (auto& [name, logger] : registry.loggers) logger->set_level(*parsed);
  return true;
}

std::shared_ptr<spdlog::logger> GetLogger(const std::string& component) {
  Registry& registry = GetRegistry();
  std::lock_guard<std::mutex> lock(registry.mutex);
  if (auto it = registry.loggers.find(component); it != registry.loggers.end()) return it->second;

  auto logger = std::make_shared<spdlog::logger>(component, registry.sink);
  logger->set_level(registry.level);
  // Errors at or above warn reach the output at once; the rest is flushed by stderr itself.
  logger->flush_on(spdlog::level::warn);
  // A logger of the same name made elsewhere through spdlog gives way to the shared one, except
  // spdlog's default logger: dropping it would leave spdlog::info() without a target.
  const auto existing = spdlog::get(component);
  if (existing == nullptr || existing != spdlog::default_logger()) {
    spdlog::drop(component);
    try {
      spdlog::register_logger(logger);
    } catch (const spdlog::spdlog_ex&) {
      // Registered by another thread through spdlog in between; ours still works unregistered.
    }
  }
  registry.loggers.emplace(component, logger);
  return logger;
}

}  // namespace kce
