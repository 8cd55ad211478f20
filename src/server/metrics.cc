// Copyright 2026 The semble Authors.

#include "server/metrics.h"

#include <cstdio>

namespace semble::server {
namespace {

std::string FormatDouble(double v) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%.9g", v);
  return buf;
}

}  // namespace

std::string EscapeLabel(std::string_view v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void AppendHistogram(std::string* out, std::string_view name, std::string_view labels,
                     const core::LatencyHistogram::Snapshot& s) {
  const std::string sep = labels.empty() ? "" : ",";
  for (size_t i = 0; i < core::LatencyHistogram::kBounds.size(); ++i) {
    *out += std::string(name) + "_bucket{" + std::string(labels) + sep + "le=\"" +
            FormatDouble(core::LatencyHistogram::kBounds[i]) + "\"} " +
            std::to_string(s.cumulative[i]) + "\n";
  }
  *out += std::string(name) + "_bucket{" + std::string(labels) + sep + "le=\"+Inf\"} " +
          std::to_string(s.count) + "\n";
  const std::string braces = labels.empty() ? "" : "{" + std::string(labels) + "}";
  *out += std::string(name) + "_sum" + braces + " " + FormatDouble(s.sum_seconds) + "\n";
  *out += std::string(name) + "_count" + braces + " " + std::to_string(s.count) + "\n";
}

void Metrics::Observe(std::string_view route, int status, double seconds) {
  RouteStats* stats;
  {
    std::lock_guard lock(mu_);
    auto it = routes_.find(route);
    if (it == routes_.end()) {
      it = routes_.emplace(std::string(route), std::make_unique<RouteStats>()).first;
    }
    stats = it->second.get();
    ++stats->by_status[status];
  }
  stats->latency.Observe(seconds);  // entries are never removed, so the pointer stays valid
}

void Metrics::Render(std::string* out) const {
  std::lock_guard lock(mu_);
  *out += "# HELP semble_http_requests_total HTTP requests answered, by route and status code.\n";
  *out += "# TYPE semble_http_requests_total counter\n";
  for (const auto& [route, stats] : routes_) {
    for (const auto& [status, n] : stats->by_status) {
      *out += "semble_http_requests_total{route=\"" + EscapeLabel(route) + "\",code=\"" +
              std::to_string(status) + "\"} " + std::to_string(n) + "\n";
    }
  }
  *out += "# HELP semble_http_request_duration_seconds Time from routing to response, by route.\n";
  *out += "# TYPE semble_http_request_duration_seconds histogram\n";
  for (const auto& [route, stats] : routes_) {
    AppendHistogram(out, "semble_http_request_duration_seconds",
                    "route=\"" + EscapeLabel(route) + "\"", stats->latency.Read());
  }
}

}  // namespace semble::server
