// Copyright 2026 The semble Authors.
//
// One HTTP POST to the caching proxy's upstream model API, over libcurl (TLS, proxies and
// redirects as every curl user expects), bounded by a timeout.

#ifndef SEMBLE_SRC_SERVER_UPSTREAM_CLIENT_H_
#define SEMBLE_SRC_SERVER_UPSTREAM_CLIENT_H_

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>


namespace semble::server {

struct UpstreamResponse {
  int status = 0;  // 0: no HTTP answer (error says why)
  std::string content_type;
  std::string body;
  std::string error;
  bool timed_out = false;  // no answer within the timeout
  bool not_sent = false;   // the connection could not be made: the request never left
  std::string retry_after;  // the Retry-After header field, if any
};

// POSTs body to url with these header fields. Any HTTP status is a response; a transport failure
// (cannot connect, timed out, TLS) has status 0 and the reason in error.
// `keep_going`, when given, is asked about once a second while the request runs; false abandons
// it (an error, status 0, as after a timeout: the request may have been applied).
UpstreamResponse PostUpstream(const std::string& url,
                                      const std::vector<std::pair<std::string, std::string>>& headers,
                                      const std::string& body, std::chrono::milliseconds timeout,
                                      const std::function<bool()>& keep_going = nullptr);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_UPSTREAM_CLIENT_H_
