#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "s2lite/options.h"

namespace spdlog {
class logger;
}

namespace s2lite::server {

// A logger private to one Server (never registered in spdlog's global
// registry, never the default logger): to options.log_sink when set, else
// stderr; text or JSON lines.
std::shared_ptr<spdlog::logger> MakeLogger(const Options& options, const std::string& name);

// Quotes a value for a text log line when it holds spaces, quotes or control
// bytes ("a b" -> "\"a b\"").
std::string LogQuote(std::string_view s);

}  // namespace s2lite::server
