// Copyright 2026 The semble Authors.
//
// The server's request and response as the API code sees them (no HTTP library types cross this
// line, so routes can be tested without a socket), and the table that maps a method and a path to
// a route.
//
// A pattern is a path whose segments are literals, "{}" (one segment, captured) or a final "{*}"
// (the rest of the path, captured, for Workers AI model names such as "@cf/baai/bge-small-en-v1.5").

#ifndef SEMBLE_SRC_SERVER_ROUTER_H_
#define SEMBLE_SRC_SERVER_ROUTER_H_

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace semble::server {

// What a caller must hold to use a route (see auth.h).
enum class Scope { kPublic, kRead, kWrite };

struct HttpRequest {
  std::string method;
  std::string path;                           // percent-decoded
  std::vector<std::string> captures;          // the pattern's "{}" / "{*}" segments, in order
  std::map<std::string, std::string> query;   // the first value of each parameter
  std::string content_type;                   // lower-cased media type without parameters
  std::string body;                           // empty for multipart bodies
  std::map<std::string, std::string> parts;   // multipart/form-data: part name -> content
  bool multipart = false;
  // The request's header fields (names lower-cased), for routes that ask for them
  // (Route::wants_headers); empty otherwise, so other requests do not pay for the copies.
  std::vector<std::pair<std::string, std::string>> headers;
  // True when the handler runs on the I/O thread that read the request (Route::try_inline). It
  // must then not block: a request that would (an embedding, an fsync, a call to another server,
  // a wait for other threads) is answered with Offload() and runs again on a worker.
  bool on_io_thread = false;

  // The value of header `name` (lower-case), or "" when absent.
  std::string_view Header(std::string_view name) const {
    for (const auto& [k, v] : headers) {
      if (k == name) return v;
    }
    return {};
  }
};

struct DeferredResponse;

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  // Set by a handler that answers later, when an event happens (status and body are then
  // ignored). The server holds no thread while it waits.
  std::shared_ptr<DeferredResponse> deferred = nullptr;
  // Extra header fields to send. Names are tokens and values hold no CR or LF (the server drops
  // a field that breaks this rather than let a value split the response).
  std::vector<std::pair<std::string, std::string>> headers = {};
  // Set by Offload(): no answer yet, run the handler again on a worker.
  bool offload = false;
};

// What a handler running on an I/O thread (HttpRequest::on_io_thread) answers for a request that
// would block there.
inline HttpResponse Offload() {
  HttpResponse r;
  r.offload = true;
  return r;
}

// A response that waits for an event, bounded by a timeout the server keeps on its own timer.
// The server calls start(ready) on a worker thread once the handler has returned; ready() may be
// called from any thread (also from inside start), at most once. Then exactly one of answer()
// (ready came first) and timed_out() (the timeout passed first, or the server is stopping) runs,
// on a worker thread, and its response is sent. timed_out() must undo what start() began.
struct DeferredResponse {
  std::chrono::milliseconds timeout{0};
  std::function<void(std::function<void()> ready)> start;
  std::function<HttpResponse()> answer;
  std::function<HttpResponse()> timed_out;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::string name;  // a stable label for metrics and logs, e.g. "vectorize.query"
  Scope scope = Scope::kRead;
  Handler handler;
  // How errors the server answers before the handler (auth, body size) are shaped: Cloudflare's
  // v4 envelope, or OpenAI's {error: {...}} for the OpenAI-compatible routes, whose clients read
  // only that.
  bool openai_errors = false;
  // Whether the handler reads header fields (HttpRequest::headers).
  bool wants_headers = false;
  // Whether the handler may run on the I/O thread that read the request instead of a worker,
  // which saves two thread hand-offs per request. Only for handlers that compute for at most about
  // as long as a query (the I/O thread's other connections wait meanwhile) and that answer
  // Offload() to whatever would block (HttpRequest::on_io_thread). Small bodies only.
  bool try_inline = false;
};

class Router {
 public:
  void Add(Route route);

  enum class MatchResult { kFound, kNoRoute, kWrongMethod };
  // Finds the route for method + path and fills *captures. kWrongMethod: the path exists under
  // another method.
  MatchResult Match(std::string_view method, std::string_view path, const Route** route,
                    std::vector<std::string>* captures) const;

 private:
  struct Compiled {
    Route route;
    std::vector<std::string> segments;
  };
  static bool MatchSegments(const std::vector<std::string>& pattern,
                            const std::vector<std::string_view>& path,
                            std::vector<std::string>* captures);
  std::vector<Compiled> routes_;
};

// Splits "/a/b/c" into {"a","b","c"}; an empty segment ("//", trailing "/") is kept as "".
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_ROUTER_H_
