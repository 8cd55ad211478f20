// Copyright 2026 The semble Authors.

#include "server/router.h"

namespace semble::server {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  size_t pos = 0;
  while (true) {
    const size_t slash = path.find('/', pos);
    if (slash == std::string_view::npos) {
      out.push_back(path.substr(pos));
      return out;
    }
    out.push_back(path.substr(pos, slash - pos));
    pos = slash + 1;
  }
}

void Router::Add(Route route) {
  Compiled c;
  for (std::string_view s : SplitPath(route.pattern)) c.segments.emplace_back(s);
  c.route = std::move(route);
  routes_.push_back(std::move(c));
}

bool Router::MatchSegments(const std::vector<std::string>& pattern,
                           const std::vector<std::string_view>& path,
                           std::vector<std::string>* captures) {
  captures->clear();
  for (size_t i = 0; i < pattern.size(); ++i) {
    const std::string& p = pattern[i];
    if (p == "{*}") {
      if (i >= path.size()) return false;
      std::string rest;
      for (size_t j = i; j < path.size(); ++j) {
        if (path[j].empty()) return false;
        if (j > i) rest += '/';
        rest += path[j];
      }
      captures->push_back(std::move(rest));
      return true;
    }
    if (i >= path.size()) return false;
    if (p == "{}") {
      if (path[i].empty()) return false;
      captures->emplace_back(path[i]);
    } else if (p != path[i]) {
      return false;
    }
  }
  return pattern.size() == path.size();
}

Router::MatchResult Router::Match(std::string_view method, std::string_view path,
                                  const Route** route, std::vector<std::string>* captures) const {
  const std::vector<std::string_view> segments = SplitPath(path);
  bool path_exists = false;
  for (const Compiled& c : routes_) {
    if (!MatchSegments(c.segments, segments, captures)) continue;
    if (c.route.method == method) {
      *route = &c.route;
      return MatchResult::kFound;
    }
    path_exists = true;
  }
  captures->clear();
  return path_exists ? MatchResult::kWrongMethod : MatchResult::kNoRoute;
}

}  // namespace semble::server
