// Copyright 2026 The semble Authors.
//
// Request metrics in the Prometheus text exposition format (version 0.0.4): a request counter by
// route and status code and a latency histogram by route. The route label is the route's name
// ("vectorize.query"), never the raw path, so label cardinality stays fixed whatever clients send.

#ifndef SEMBLE_SRC_SERVER_METRICS_H_
#define SEMBLE_SRC_SERVER_METRICS_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/histogram.h"

namespace semble::server {

class Metrics {
 public:
  void Observe(std::string_view route, int status, double seconds);
  // Appends semble_http_requests_total and semble_http_request_duration_seconds.
  void Render(std::string* out) const;

 private:
  struct RouteStats {
    core::LatencyHistogram latency;
    std::map<int, uint64_t> by_status;
  };
  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<RouteStats>, std::less<>> routes_;
};

// Appends one histogram's _bucket/_sum/_count lines; `labels` is "" or `key="value",...`.
void AppendHistogram(std::string* out, std::string_view name, std::string_view labels,
                     const core::LatencyHistogram::Snapshot& s);
// A label value with \, " and newline escaped.
std::string EscapeLabel(std::string_view v);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_METRICS_H_
