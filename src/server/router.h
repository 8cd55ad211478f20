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

#include <functional>
#include <map>
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
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
};

using Handler = std::function<HttpResponse(const HttpRequest&)>;

struct Route {
  std::string method;
  std::string pattern;
  std::string name;  // a stable label for metrics and logs, e.g. "vectorize.query"
  Scope scope = Scope::kRead;
  Handler handler;
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
