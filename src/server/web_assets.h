// Copyright 2026 The semble Authors.
//
// The web console's files (web/ in the source tree), compiled into the binary by
// cmake/embed_assets.cmake so that `semble serve` needs nothing beside it.

#ifndef SEMBLE_SRC_SERVER_WEB_ASSETS_H_
#define SEMBLE_SRC_SERVER_WEB_ASSETS_H_

#include <span>
#include <string_view>

namespace semble::server {

struct WebAsset {
  std::string_view path;  // relative to web/, e.g. "index.html", "console.js"
  std::string_view data;
};

std::span<const WebAsset> WebAssets();

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_WEB_ASSETS_H_
