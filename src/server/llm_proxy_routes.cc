// Copyright 2026 The semble Authors.
//
// The caching proxy for an OpenAI-compatible model API (`semble serve --llm-upstream URL`):
// POST /v1/chat/completions is answered from a semantic cache when an earlier request asked the
// same thing in the same context, and forwarded upstream otherwise; the answer is then stored.
//
//   - The cache's scope is {model, context}: context hashes everything but the last user message
//     (system prompt, earlier turns, sampling parameters, tools; wire/chat_json.h), so a
//     similar question in another conversation or with other settings never shares an answer.
//   - Response header cf-aig-cache-status: HIT, MISS or BYPASS (AI Gateway's name and values).
//     Request headers cf-aig-skip-cache: true (forward, do not look up or store) and
//     cf-aig-cache-ttl: <seconds> (the stored answer's lifetime), as AI Gateway reads them;
//     x-semble-cache: refresh forwards and replaces the stored answer.
//   - A streaming request that hits gets the stored answer as chunk events. A streaming miss is
//     relayed whole when the upstream's stream ends (the server sends each response at once), so
//     the first token arrives no earlier than the last.
//   - Identical requests that miss at the same time make one upstream call (single flight) and
//     all get its answer. Upstream errors pass through and are never stored.
//   - Upstream calls run on threads of their own: a slow model never holds a server worker.

#include <atomic>
#include <chrono>
#include <list>
#include <map>
#include <mutex>
#include <thread>

#include "server/api.h"
#include "server/cache_set.h"
#include "server/envelope.h"
#include "server/upstream_client.h"
#include "wire/chat_json.h"

namespace semble::server {
namespace {

constexpr char kStatusHeader[] = "cf-aig-cache-status";

// One upstream call and the requests waiting for its answer.
struct Flight {
  std::mutex mu;
  bool done = false;
  UpstreamResponse response;
  std::vector<std::function<void()>> waiters;
};

int64_t ParseSeconds(std::string_view v) {
  if (v.empty() || v.size() > 12) return -1;
  int64_t n = 0;
  for (char c : v) {
    if (c < '0' || c > '9') return -1;
    n = n * 10 + (c - '0');
  }
  return n;
}

class LlmProxy {
 public:
  explicit LlmProxy(ApiContext* ctx) : ctx_(ctx) {}
  ~LlmProxy() {
    std::lock_guard lock(threads_mu_);
    for (std::thread& t : threads_) t.join();
  }

  HttpResponse Chat(const HttpRequest& req) {
    auto chat = wire::ParseChatRequest(req.body);
    if (!chat.ok()) return OpenAiError(400, "invalid_request", chat.status().message());
    const bool skip = req.Header("cf-aig-skip-cache") == "true";
    const bool refresh = req.Header("x-semble-cache") == "refresh";
    std::optional<int64_t> ttl;
    if (std::string_view t = req.Header("cf-aig-cache-ttl"); !t.empty()) {
      const int64_t seconds = ParseSeconds(t);
      if (seconds < 1) {
        return OpenAiError(400, "invalid_request",
                           "cf-aig-cache-ttl must be a whole number of seconds, at least 1");
      }
      ttl = seconds;
    }
    std::shared_ptr<SemanticCache> cache;
    if (chat->cacheable && !skip) {
      auto got = ctx_->caches->Get(ctx_->llm.cache);
      if (got.ok()) cache = *got;
    }
    const std::map<std::string, std::string> scope = {{"model", chat->model},
                                                      {"context", chat->context}};
    if (cache != nullptr && !refresh) {
      CacheLookupRequest lookup;
      lookup.prompt = chat->prompt;
      lookup.scope = scope;
      auto found = cache->Lookup(lookup);
      if (!found.ok()) {
        cache = nullptr;  // e.g. a prompt longer than a cache takes: answered, not cached
      } else if (found->hit) {
        if (auto r = FromCache(found->response, chat->stream); r.status == 200) return r;
        cache = nullptr;  // a stored answer that no longer reads: ask again
      }
    }
    const char* status = cache == nullptr ? "BYPASS" : refresh ? "REFRESH" : "MISS";

    // The flight: shared by identical misses, private otherwise.
    std::shared_ptr<Flight> flight;
    bool leader = true;
    std::string flight_key;
    if (cache != nullptr && !refresh) {
      flight_key = chat->context + (chat->stream ? "s" : "n") + chat->prompt;
      std::lock_guard lock(flights_mu_);
      auto [it, fresh] = flights_.try_emplace(flight_key);
      if (fresh) it->second = std::make_shared<Flight>();
      flight = it->second;
      leader = fresh;
    } else {
      flight = std::make_shared<Flight>();
    }
    if (leader) {
      Launch(flight, req, *chat, cache, scope, ttl, flight_key);
    }
    auto deferred = std::make_shared<DeferredResponse>();
    // The upstream call ends by its own timeout; this one only guards against a lost wake-up.
    deferred->timeout = std::chrono::milliseconds(ctx_->llm.timeout_ms + 10000);
    deferred->start = [flight](std::function<void()> ready) {
      std::unique_lock lock(flight->mu);
      if (flight->done) {
        lock.unlock();
        ready();
        return;
      }
      flight->waiters.push_back(std::move(ready));
    };
    deferred->answer = [flight, status] {
      std::lock_guard lock(flight->mu);
      return Relay(flight->response, status);
    };
    deferred->timed_out = [] {
      return OpenAiError(504, "upstream_timeout", "the upstream model did not answer in time");
    };
    HttpResponse r;
    r.deferred = std::move(deferred);
    return r;
  }

 private:
  static HttpResponse FromCache(const std::string& completion, bool stream) {
    HttpResponse r;
    if (stream) {
      auto events = wire::CompletionToEvents(completion);
      if (!events.ok()) return OpenAiError(500, "cache_error", events.status().message());
      r.body = std::move(events).value();
      r.content_type = "text/event-stream";
    } else {
      r.body = completion;
    }
    r.headers.emplace_back(kStatusHeader, "HIT");
    return r;
  }

  static HttpResponse Relay(const UpstreamResponse& up, const char* status) {
    if (up.status == 0) {
      HttpResponse r = up.timed_out ? OpenAiError(504, "upstream_timeout", up.error)
                                    : OpenAiError(502, "upstream_unreachable", up.error);
      r.headers.emplace_back(kStatusHeader, status);
      return r;
    }
    HttpResponse r;
    r.status = up.status;
    r.body = up.body;
    r.content_type = up.content_type.empty() ? "application/json" : up.content_type;
    r.headers.emplace_back(kStatusHeader, status);
    return r;
  }

  void Launch(std::shared_ptr<Flight> flight, const HttpRequest& req, const wire::ChatRequest& chat,
              std::shared_ptr<SemanticCache> cache, std::map<std::string, std::string> scope,
              std::optional<int64_t> ttl, std::string flight_key) {
    std::vector<std::pair<std::string, std::string>> headers = {
        {"Content-Type", "application/json"}};
    if (!ctx_->llm.upstream_key.empty()) {
      headers.emplace_back("Authorization", "Bearer " + ctx_->llm.upstream_key);
    } else if (ctx_->llm.forward_client_authorization) {
      if (std::string_view a = req.Header("authorization"); !a.empty()) {
        headers.emplace_back("Authorization", std::string(a));
      }
    }
    std::string url = ctx_->llm.upstream;
    while (!url.empty() && url.back() == '/') url.pop_back();
    url += "/chat/completions";
    auto job = [this, flight, url = std::move(url), headers = std::move(headers),
                body = req.body, stream = chat.stream, prompt = chat.prompt,
                cache = std::move(cache), scope = std::move(scope), ttl,
                flight_key = std::move(flight_key)] {
      UpstreamResponse up =
          PostUpstream(url, headers, body, std::chrono::milliseconds(ctx_->llm.timeout_ms));
      if (cache != nullptr && up.status == 200) Store(*cache, up, stream, prompt, scope, ttl);
      if (!flight_key.empty()) {
        // Later identical requests look the cache up again (and now hit).
        std::lock_guard lock(flights_mu_);
        flights_.erase(flight_key);
      }
      std::vector<std::function<void()>> waiters;
      {
        std::lock_guard lock(flight->mu);
        flight->response = std::move(up);
        flight->done = true;
        waiters.swap(flight->waiters);
      }
      for (auto& ready : waiters) ready();
    };
    std::lock_guard lock(threads_mu_);
    Reap();
    auto done = std::make_shared<std::atomic<bool>>(false);
    threads_.emplace_back([job = std::move(job), done] {
      job();
      done->store(true);
    });
    finished_.push_back(done);
  }

  static void Store(SemanticCache& cache, const UpstreamResponse& up, bool stream,
                    const std::string& prompt, const std::map<std::string, std::string>& scope,
                    std::optional<int64_t> ttl) {
    std::string completion = up.body;
    if (stream) {
      auto whole = wire::EventsToCompletion(up.body);
      if (!whole.ok()) return;  // tool calls, or a stream cut short: not cached
      completion = std::move(whole).value();
    }
    if (!wire::CacheableCompletion(completion)) return;
    CacheStoreRequest store;
    store.prompt = prompt;
    store.response = std::move(completion);
    store.scope = scope;
    store.ttl_seconds = ttl;
    // Too large for the cache, or the cache was deleted meanwhile: the client still gets its
    // answer; only the saving is lost.
    (void)cache.Store(store);
  }

  // Joins the threads whose calls have ended. Caller holds threads_mu_.
  void Reap() {
    auto t = threads_.begin();
    auto d = finished_.begin();
    while (t != threads_.end()) {
      if ((*d)->load()) {
        t->join();
        t = threads_.erase(t);
        d = finished_.erase(d);
      } else {
        ++t;
        ++d;
      }
    }
  }

  ApiContext* ctx_;
  std::mutex flights_mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;
  std::mutex threads_mu_;
  std::list<std::thread> threads_;
  std::list<std::shared_ptr<std::atomic<bool>>> finished_;
};

}  // namespace

void AddLlmProxyRoutes(ApiContext* ctx, Router* router) {
  if (ctx->llm.upstream.empty() || ctx->caches == nullptr) return;
  auto proxy = std::make_shared<LlmProxy>(ctx);
  Route route;
  route.method = "POST";
  route.pattern = "/v1/chat/completions";
  route.name = "openai.chat_completions";
  route.scope = Scope::kRead;
  route.handler = [proxy](const HttpRequest& req) { return proxy->Chat(req); };
  route.openai_errors = true;
  route.wants_headers = true;
  router->Add(std::move(route));
}

}  // namespace semble::server
