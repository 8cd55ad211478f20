// Copyright 2026 The semble Authors.
//
// Handlers on the I/O threads (Route::try_inline): pipelined answers keep their order whichever
// thread ran them, a handler that would block hands its request to a worker (Offload), large
// bodies go to a worker, and a connection whose handler is busy does not hold up another
// connection. The assertions are on answers and on which kind of thread ran a handler, never on
// timings.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "server/http_server.h"
#include "server/raw_client.h"
#include "server/running_server.h"

namespace semble::server {
namespace {

using testing::BodyOf;
using testing::RawSocket;
using testing::RunningServer;
using testing::StatusOf;

// Handlers wait here until the test opens it; the test can wait for a handler to arrive.
class Gate {
 public:
  void Wait() {
    std::unique_lock lock(mu_);
    ++arrived_;
    cv_.notify_all();
    cv_.wait(lock, [this] { return open_; });
  }
  bool Arrived(int n) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return arrived_ >= n; });
  }
  void Open() {
    std::lock_guard lock(mu_);
    open_ = true;
    cv_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int arrived_ = 0;
  bool open_ = false;
};

// "io:<body>" or "worker:<body>": where the handler ran.
HttpResponse Where(const HttpRequest& req) {
  return HttpResponse{200, "text/plain", (req.on_io_thread ? "io:" : "worker:") + req.body};
}

struct TestRoutes {
  Gate gate;
  std::atomic<int> offload_io_calls{0};
  std::atomic<int> offload_worker_calls{0};
  Router router;

  TestRoutes() {
    Add("/inline", true, [](const HttpRequest& req) { return Where(req); });
    Add("/worker", false, [](const HttpRequest& req) { return Where(req); });
    // Would block: asks for a worker when on an I/O thread.
    Add("/offload", true, [this](const HttpRequest& req) {
      if (req.on_io_thread) {
        ++offload_io_calls;
        return Offload();
      }
      ++offload_worker_calls;
      return Where(req);
    });
    Add("/gate-worker", false, [this](const HttpRequest& req) {
      gate.Wait();
      return Where(req);
    });
    // Breaks the contract of try_inline on purpose: it holds its I/O thread until the gate opens.
    Add("/gate-inline", true, [this](const HttpRequest& req) {
      gate.Wait();
      return Where(req);
    });
    Add("/deferred", true, [](const HttpRequest& req) {
      auto d = std::make_shared<DeferredResponse>();
      const bool never = req.body == "never";
      d->timeout = std::chrono::milliseconds(never ? 50 : 30000);
      d->start = [never](std::function<void()> ready) {
        if (!never) ready();
      };
      d->answer = [] { return HttpResponse{200, "text/plain", "answered"}; };
      d->timed_out = [] { return HttpResponse{408, "text/plain", "timed out"}; };
      HttpResponse r;
      r.deferred = std::move(d);
      return r;
    });
  }

  void Add(const std::string& path, bool try_inline, Handler h) {
    Route route{"POST", path, path.substr(1), Scope::kPublic, std::move(h)};
    route.try_inline = try_inline;
    router.Add(std::move(route));
  }
};

std::string Post(const std::string& path, const std::string& body) {
  return "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: " + std::to_string(body.size()) +
         "\r\n\r\n" + body;
}

TEST(HttpInlineTest, PipelinedAnswersKeepTheirOrderWhicheverThreadRanThem) {
  TestRoutes t;
  RunningServer server(&t.router, HttpServerOptions{});
  RawSocket s(server.port());
  ASSERT_TRUE(s.Send(Post("/inline", "1") + Post("/worker", "2") + Post("/offload", "3") +
                     Post("/inline", "4") + Post("/deferred", "5") + Post("/inline", "6")));
  for (const char* want : {"io:1", "worker:2", "worker:3", "io:4", "answered", "io:6"}) {
    const std::string reply = s.ReadResponse();
    EXPECT_EQ(BodyOf(reply), want) << reply;
  }
  // Many small requests in one send: each is answered once, in order.
  std::string burst;
  for (int i = 0; i < 500; ++i)
    burst += Post(i % 7 == 3 ? "/worker" : "/inline", std::to_string(i));
  ASSERT_TRUE(s.Send(burst));
  for (int i = 0; i < 500; ++i) {
    const std::string reply = s.ReadResponse();
    ASSERT_EQ(BodyOf(reply), (i % 7 == 3 ? "worker:" : "io:") + std::to_string(i)) << i;
  }
}

TEST(HttpInlineTest, OffloadRunsTheHandlerAgainOnAWorker) {
  TestRoutes t;
  RunningServer server(&t.router, HttpServerOptions{});
  const std::string reply = testing::Exchange(server.port(), Post("/offload", "x"));
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_EQ(BodyOf(reply), "worker:x");
  EXPECT_EQ(t.offload_io_calls.load(), 1);
  EXPECT_EQ(t.offload_worker_calls.load(), 1);
}

TEST(HttpInlineTest, LargeBodiesOfInlineRoutesRunOnAWorker) {
  TestRoutes t;
  RunningServer server(&t.router, HttpServerOptions{});
  const std::string body(100 << 10, 'b');
  const std::string reply = testing::Exchange(server.port(), Post("/inline", body));
  EXPECT_EQ(StatusOf(reply), 200);
  EXPECT_EQ(BodyOf(reply), "worker:" + body);
}

TEST(HttpInlineTest, DeferredAnswersOfInlineHandlersArriveAndTimeOut) {
  TestRoutes t;
  RunningServer server(&t.router, HttpServerOptions{});
  RawSocket s(server.port());
  ASSERT_TRUE(s.Send(Post("/deferred", "now")));
  const std::string ready = s.ReadResponse();
  EXPECT_EQ(BodyOf(ready), "answered") << ready;
  ASSERT_TRUE(s.Send(Post("/deferred", "never")));
  const std::string late = s.ReadResponse();
  EXPECT_EQ(StatusOf(late), 408) << late;
  // The connection goes on after both.
  ASSERT_TRUE(s.Send(Post("/inline", "after")));
  EXPECT_EQ(BodyOf(s.ReadResponse()), "io:after");
}

TEST(HttpInlineTest, ABlockedWorkerHandlerDoesNotHoldUpQueriesOnTheSameIoThread) {
  TestRoutes t;
  HttpServerOptions options;
  options.io_threads = 1;
  options.threads = 2;
  RunningServer server(&t.router, options);
  RawSocket blocked(server.port());
  ASSERT_TRUE(blocked.Send(Post("/gate-worker", "a")));
  ASSERT_TRUE(t.gate.Arrived(1));
  // The only I/O thread still serves: another connection's query is answered meanwhile, and so is
  // a query offloaded to the other worker.
  RawSocket other(server.port());
  ASSERT_TRUE(other.Send(Post("/inline", "b") + Post("/offload", "c")));
  EXPECT_EQ(BodyOf(other.ReadResponse()), "io:b");
  EXPECT_EQ(BodyOf(other.ReadResponse()), "worker:c");
  EXPECT_EQ(blocked.ReadResponse(10), "");  // still waiting at the gate
  t.gate.Open();
  EXPECT_EQ(BodyOf(blocked.ReadResponse()), "worker:a");
}

TEST(HttpInlineTest, ConnectionsGoToTheIoThreadWithFewestConnections) {
  TestRoutes t;
  HttpServerOptions options;
  options.io_threads = 2;
  RunningServer server(&t.router, options);
  // The first connection's handler holds its I/O thread; the next connection is on the other.
  RawSocket first(server.port());
  ASSERT_TRUE(first.Send(Post("/gate-inline", "a")));
  ASSERT_TRUE(t.gate.Arrived(1));
  const std::string reply = testing::Exchange(server.port(), Post("/inline", "b"));
  EXPECT_EQ(BodyOf(reply), "io:b") << reply;
  t.gate.Open();
  EXPECT_EQ(BodyOf(first.ReadResponse()), "io:a");
}

TEST(HttpInlineTest, StopClosesKeptAliveConnectionsOnEveryIoThread) {
  TestRoutes t;
  HttpServerOptions options;
  options.io_threads = 3;
  auto server = std::make_unique<RunningServer>(&t.router, options);
  std::vector<std::unique_ptr<RawSocket>> open;
  for (int i = 0; i < 6; ++i) {
    open.push_back(std::make_unique<RawSocket>(server->port()));
    ASSERT_TRUE(open.back()->Send(Post("/inline", std::to_string(i))));
    EXPECT_EQ(BodyOf(open.back()->ReadResponse()), "io:" + std::to_string(i));
  }
  server->Stop();  // returns once every I/O thread has finished
  for (auto& s : open) EXPECT_TRUE(s->ClosedWithin(5000));
}

}  // namespace
}  // namespace semble::server
