// Copyright 2026 The semble Authors.
//
// The server under slow, idle, greedy and waiting clients: slow connections hold no thread and
// are closed by their deadlines, connections are capped per client, a burst of 1000 connections
// is answered, and waitForMutation waits without a thread. Deadlines are configured short here;
// the assertions are on answers and closures, never on timings.

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "semble/database.h"
#include "server/api.h"
#include "server/http_server.h"
#include "server/raw_client.h"
#include "server/running_server.h"
#include "util/test_util.h"

namespace semble::server {
namespace {

using testing::BodyOf;
using testing::RawSocket;
using testing::RunningServer;
using testing::StatusOf;

Router SimpleRouter() {
  Router r;
  r.Add({"GET", "/q", "q", Scope::kRead, [](const HttpRequest&) {
           return HttpResponse{200, "text/plain", "ok"};
         }});
  r.Add({"POST", "/echo", "echo", Scope::kWrite, [](const HttpRequest& req) {
           return HttpResponse{200, "text/plain", req.body};
         }});
  return r;
}

const char kGet[] = "GET /q HTTP/1.1\r\nHost: x\r\n\r\n";

TEST(HttpLimitsTest, SlowClientsHoldNoThreadAndAreClosedByTheirDeadlines) {
  Router router = SimpleRouter();
  HttpServerOptions options;
  options.threads = 2;
  options.header_timeout = std::chrono::milliseconds(1500);
  options.body_timeout = std::chrono::milliseconds(1500);
  RunningServer server(&router, options);
  // 32 connections (16 x threads): half trickle header lines, half trickle a body.
  std::vector<std::unique_ptr<RawSocket>> slow;
  for (int i = 0; i < 32; ++i) {
    slow.push_back(std::make_unique<RawSocket>(server.port()));
    ASSERT_GE(slow.back()->fd(), 0);
    ASSERT_TRUE(slow.back()->Send(
        i % 2 == 0 ? "GET /q HTTP/1.1\r\n" : "POST /echo HTTP/1.1\r\nContent-Length: 100\r\n\r\n"));
  }
  std::atomic<bool> done{false};
  std::thread trickle([&] {
    for (int tick = 0; tick < 40 && !done; ++tick) {
      for (size_t i = 0; i < slow.size(); ++i) slow[i]->Send(i % 2 == 0 ? "X-Slow: 1\r\n" : "x");
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  // Everyone else is still served while they trickle.
  const std::string reply = testing::Exchange(server.port(), kGet, 3000);
  done = true;
  trickle.join();
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  // Each slow connection ends at its deadline: header tricklers closed, body tricklers told 408.
  for (size_t i = 0; i < slow.size(); ++i) {
    std::string extra;
    EXPECT_TRUE(slow[i]->ClosedWithin(5000, &extra)) << i;
    if (i % 2 == 1) {
      EXPECT_EQ(StatusOf(extra), 408) << extra;
    }
  }
}

TEST(HttpLimitsTest, HeaderDeadlineClosesATricklingConnection) {
  Router router = SimpleRouter();
  HttpServerOptions options;
  options.header_timeout = std::chrono::milliseconds(500);
  RunningServer server(&router, options);
  RawSocket s(server.port());
  ASSERT_TRUE(s.Send("GET /q HTTP/1.1\r\n"));
  bool closed = false;
  // Each line arrives well within any per-receive timeout; the block as a whole is too late.
  for (int i = 0; i < 50 && !closed; ++i) {
    if (!s.Send("X-Line: " + std::to_string(i) + "\r\n")) break;
    closed = s.ClosedWithin(100);
  }
  EXPECT_TRUE(closed || s.ClosedWithin(2000));
}

TEST(HttpLimitsTest, IdleKeepAliveConnectionIsClosed) {
  Router router = SimpleRouter();
  HttpServerOptions options;
  options.idle_timeout = std::chrono::milliseconds(300);
  RunningServer server(&router, options);
  RawSocket s(server.port());
  ASSERT_TRUE(s.Send(kGet));
  const std::string reply = s.ReadResponse();
  EXPECT_EQ(StatusOf(reply), 200) << reply;
  EXPECT_NE(reply.find("Connection: keep-alive"), std::string::npos) << reply;
  EXPECT_TRUE(s.ClosedWithin(3000));
}

TEST(HttpLimitsTest, ConnectionsPerClientAreCapped) {
  Router router = SimpleRouter();
  HttpServerOptions options;
  options.max_connections_per_client = 4;
  RunningServer server(&router, options);
  std::vector<std::unique_ptr<RawSocket>> held;
  for (int i = 0; i < 4; ++i) {
    held.push_back(std::make_unique<RawSocket>(server.port()));
    ASSERT_TRUE(held.back()->Send(kGet));
    EXPECT_EQ(StatusOf(held.back()->ReadResponse()), 200);  // and kept open
  }
  RawSocket fifth(server.port());
  const std::string refused = fifth.ReadResponse();
  EXPECT_EQ(StatusOf(refused), 503) << refused;
  EXPECT_NE(refused.find("\"success\":false"), std::string::npos) << refused;
  EXPECT_TRUE(fifth.ClosedWithin(3000));
  // A place freed is a place for someone else.
  held.pop_back();
  std::string again;
  // The server frees the place once its I/O thread sees the close: up to 10 s on a loaded machine.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (StatusOf(again) != 200 && std::chrono::steady_clock::now() < deadline) {
    again = testing::Exchange(server.port(), kGet);
    if (StatusOf(again) != 200) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_EQ(StatusOf(again), 200) << again;
}

TEST(HttpLimitsTest, TotalConnectionsAreCapped) {
  Router router = SimpleRouter();
  HttpServerOptions options;
  options.max_connections = 2;
  RunningServer server(&router, options);
  RawSocket a(server.port()), b(server.port());
  ASSERT_TRUE(a.Send(kGet));
  ASSERT_TRUE(b.Send(kGet));
  EXPECT_EQ(StatusOf(a.ReadResponse()), 200);
  EXPECT_EQ(StatusOf(b.ReadResponse()), 200);
  RawSocket c(server.port());
  EXPECT_EQ(StatusOf(c.ReadResponse()), 503);
}

TEST(HttpLimitsTest, AThousandConcurrentConnectionsAreAllAnswered) {
  Router router = SimpleRouter();
  HttpServerOptions options;
  options.threads = 2;
  RunningServer server(&router, options);
  std::vector<std::unique_ptr<RawSocket>> clients;
  for (int i = 0; i < 1000; ++i) clients.push_back(std::make_unique<RawSocket>(server.port()));
  for (auto& c : clients) {
    ASSERT_GE(c->fd(), 0);
    ASSERT_TRUE(c->Send(kGet));
  }
  int answered = 0;
  for (auto& c : clients) answered += StatusOf(c->ReadResponse(20000)) == 200;
  EXPECT_EQ(answered, 1000);
}

// waitForMutation against a real index.
class WaitForMutationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = Database::Open(DatabaseOptions{}, dir_.path());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto index = db_->CreateIndex({"idx", "", {2, Metric::kCosine, "flat"}});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = *index;
    auto m = Insert("a");
    first_ = m;
    ctx_.db = db_.get();
    ctx_.metrics = &metrics_;
    AddVectorizeRoutes(&ctx_, &router_);
  }
  std::string Insert(const std::string& id) {
    std::vector<VectorRecord> records{{id, {1.0f, 0.5f}, "", ""}};
    auto m = index_->Insert(records);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? m->mutation_id : "";
  }
  // The id the next mutation will get: the same incarnation, sequence number + 1.
  static std::string NextId(const std::string& id) {
    const uint64_t seq = std::stoull(id.substr(id.size() - 8), nullptr, 16);
    char tail[9];
    std::snprintf(tail, sizeof(tail), "%08llx", static_cast<unsigned long long>(seq + 1));
    return id.substr(0, id.size() - 8) + tail;
  }
  static std::string InfoRequest(const std::string& query) {
    return "GET /client/v4/accounts/a/vectorize/v2/indexes/idx/info" + query +
           " HTTP/1.1\r\nHost: x\r\n\r\n";
  }

  semble::test::TempDir dir_;
  std::unique_ptr<Database> db_;
  std::shared_ptr<Index> index_;
  std::string first_;
  Metrics metrics_;
  ApiContext ctx_;
  Router router_;
};

TEST_F(WaitForMutationTest, WaitsHoldNoThreadAndAnswerWhenTheMutationLands) {
  HttpServerOptions options;
  options.threads = 2;
  RunningServer server(&router_, options);
  const std::string next = NextId(first_);
  std::vector<std::unique_ptr<RawSocket>> waiters;
  for (int i = 0; i < 10; ++i) {
    waiters.push_back(std::make_unique<RawSocket>(server.port()));
    ASSERT_TRUE(waiters.back()->Send(InfoRequest("?waitForMutation=" + next + "&timeoutMs=30000")));
  }
  // With both workers' worth of waiters and more, an ordinary request is still answered...
  const std::string plain = testing::Exchange(server.port(), InfoRequest(""), 5000);
  EXPECT_EQ(StatusOf(plain), 200) << plain;
  // ...while every waiter is still waiting.
  for (auto& w : waiters) EXPECT_EQ(w->ReadResponse(10), "");
  // The mutation lands: each waiter is answered with the new watermark.
  EXPECT_EQ(Insert("b"), next);
  for (auto& w : waiters) {
    const std::string reply = w->ReadResponse(10000);
    EXPECT_EQ(StatusOf(reply), 200) << reply;
    EXPECT_NE(reply.find(next), std::string::npos) << reply;
  }
}

TEST_F(WaitForMutationTest, TimeoutIsValidatedAndBounded) {
  RunningServer server(&router_, HttpServerOptions{});
  const std::string next = NextId(first_);
  for (const char* bad : {"-5", "abc", "", "1e3", "5ms"}) {
    const std::string reply = testing::Exchange(
        server.port(), InfoRequest("?waitForMutation=" + next + "&timeoutMs=" + bad));
    EXPECT_EQ(StatusOf(reply), 400) << bad << ": " << reply;
    EXPECT_NE(reply.find("\"success\":false"), std::string::npos) << reply;
  }
  const std::string timed_out = testing::Exchange(
      server.port(), InfoRequest("?waitForMutation=" + next + "&timeoutMs=100"), 5000);
  EXPECT_EQ(StatusOf(timed_out), 408) << timed_out;
  const std::string applied =
      testing::Exchange(server.port(), InfoRequest("?waitForMutation=" + first_ + "&timeoutMs=0"));
  EXPECT_EQ(StatusOf(applied), 200) << applied;
}

TEST_F(WaitForMutationTest, StopAnswersWaitingRequests) {
  // The info route, counting the calls of its handler: Stop must come once the request is in it
  // (a fixed sleep raced with a loaded machine, where the request was not yet read and Stop
  // rightly closed the connection without an answer).
  const Route* info = nullptr;
  std::vector<std::string> captures;
  ASSERT_EQ(router_.Match("GET", "/client/v4/accounts/a/vectorize/v2/indexes/idx/info", &info,
                          &captures),
            Router::MatchResult::kFound);
  std::atomic<int> entered{0};
  Route counted = *info;
  counted.handler = [&entered, handler = info->handler](const HttpRequest& request) {
    ++entered;
    return handler(request);
  };
  Router router;
  router.Add(counted);
  auto server = std::make_unique<RunningServer>(&router, HttpServerOptions{});
  RawSocket w(server->port());
  ASSERT_TRUE(w.Send(InfoRequest("?waitForMutation=" + NextId(first_) + "&timeoutMs=60000")));
  for (int i = 0; i < 2000 && entered.load() == 0; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(entered.load(), 1);
  std::thread stopper([&] { server->Stop(); });
  const std::string reply = w.ReadResponse(10000);
  stopper.join();
  EXPECT_EQ(StatusOf(reply), 408) << reply;
}

}  // namespace
}  // namespace semble::server
