#pragma once

// The web console's static files (console/ in the repository), embedded at
// build time by cmake/EmbedFiles.cmake into a generated console_assets.cc.

#include <string_view>
#include <vector>

namespace s2lite::server {

struct ConsoleAsset {
  std::string_view path;  // relative to console/, e.g. "index.html", "js/app.js"
  std::string_view bytes;
};

// Every embedded file; constant data, the same for every Server.
const std::vector<ConsoleAsset>& ConsoleAssets();

}  // namespace s2lite::server
