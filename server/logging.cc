#include "server/logging.h"

#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>

#include "common/hex.h"

namespace s2lite::server {
namespace {

class CallbackSink final : public spdlog::sinks::base_sink<std::mutex> {
 public:
  explicit CallbackSink(std::function<void(LogLevel, std::string_view)> fn) : fn_(std::move(fn)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    std::string_view line(buf.data(), buf.size());
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
    fn_(FromSpd(msg.level), line);
  }
  void flush_() override {}

 private:
  static LogLevel FromSpd(spdlog::level::level_enum l) {
    switch (l) {
      case spdlog::level::trace:
        return LogLevel::kTrace;
      case spdlog::level::debug:
        return LogLevel::kDebug;
      case spdlog::level::info:
        return LogLevel::kInfo;
      case spdlog::level::warn:
        return LogLevel::kWarn;
      case spdlog::level::err:
      case spdlog::level::critical:
        return LogLevel::kError;
      default:
        return LogLevel::kOff;
    }
  }
  std::function<void(LogLevel, std::string_view)> fn_;
};

void AppendJsonEscaped(std::string_view s, spdlog::memory_buf_t& dest) {
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      dest.push_back('\\');
      dest.push_back(c);
    } else if (u < 0x20) {
      const char esc[] = {
          '\\', 'u', '0', '0', common::kLowerHexDigits[u >> 4], common::kLowerHexDigits[u & 15]};
      dest.append(esc, esc + 6);
    } else {
      dest.push_back(c);
    }
  }
}

// %j: the message, escaped for a JSON string.
class JsonMessageFlag final : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    AppendJsonEscaped(std::string_view(msg.payload.data(), msg.payload.size()), dest);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<JsonMessageFlag>();
  }
};

spdlog::level::level_enum ToSpd(LogLevel l) {
  switch (l) {
    case LogLevel::kTrace:
      return spdlog::level::trace;
    case LogLevel::kDebug:
      return spdlog::level::debug;
    case LogLevel::kInfo:
      return spdlog::level::info;
    case LogLevel::kWarn:
      return spdlog::level::warn;
    case LogLevel::kError:
      return spdlog::level::err;
    case LogLevel::kOff:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

}  // namespace

std::shared_ptr<spdlog::logger> MakeLogger(const Options& options, const std::string& name) {
  spdlog::sink_ptr sink;
  if (options.log_sink) {
    sink = std::make_shared<CallbackSink>(options.log_sink);
  } else {
    sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  }
  auto formatter = std::make_unique<spdlog::pattern_formatter>(spdlog::pattern_time_type::utc);
  if (options.log_json) {
    formatter->add_flag<JsonMessageFlag>('j').set_pattern(
        R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","msg":"%j"})");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%eZ %l %v");
  }
  sink->set_formatter(std::move(formatter));
  auto logger = std::make_shared<spdlog::logger>(name, std::move(sink));
  logger->set_level(ToSpd(options.log_level));
  logger->flush_on(spdlog::level::warn);
  return logger;
}

std::string LogQuote(std::string_view s) {
  bool plain = !s.empty();
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (u <= 0x20 || c == '"' || c == '\\' || u == 0x7f) plain = false;
  }
  if (plain) return std::string(s);
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u == 0x7f) {
      char buf[5];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += '"';
  return out;
}

}  // namespace s2lite::server
