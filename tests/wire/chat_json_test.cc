// Copyright 2026 The semble Authors.
//
// The caching proxy's reading of chat requests (what is the prompt, what is its context), and the
// completion <-> event stream pair, which must give back what it was given for every completion a
// cache can hold.

#include "wire/chat_json.h"

#include <gtest/gtest.h>

#include <random>

#include "core/json_writer.h"

namespace semble::wire {
namespace {

ChatRequest Parse(std::string_view body) {
  auto r = ParseChatRequest(body);
  EXPECT_TRUE(r.ok()) << r.status().ToString() << " for " << body;
  return r.ok() ? *r : ChatRequest{};
}

TEST(ChatRequestTest, ThePromptIsTheLastUserMessageAndEverythingElseIsContext) {
  ChatRequest r = Parse(R"({"model":"m","messages":[{"role":"system","content":"be brief"},)"
                        R"({"role":"user","content":"hi there"}],"temperature":0.2})");
  EXPECT_EQ(r.model, "m");
  EXPECT_TRUE(r.cacheable);
  EXPECT_EQ(r.prompt, "hi there");
  EXPECT_FALSE(r.stream);
  ASSERT_EQ(r.context.size(), 32u);

  // Whatever shapes the answer changes the context; stream, stream_options and user do not.
  const std::string base =
      R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"other words"}],"temperature":0.2)";
  EXPECT_EQ(Parse(base + "}").context, r.context);
  EXPECT_EQ(Parse(base + R"(,"stream":true,"stream_options":{"include_usage":true},"user":"u1"})").context,
            r.context);
  EXPECT_TRUE(Parse(base + R"(,"stream":true})").stream);
  for (const std::string& other : {
           std::string(R"({"model":"m2","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x"}],"temperature":0.2})"),
           std::string(R"({"model":"m","messages":[{"role":"system","content":"be long"},{"role":"user","content":"x"}],"temperature":0.2})"),
           std::string(R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x"}],"temperature":0.3})"),
           std::string(R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x"}]})"),
           std::string(R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"user","content":"x","name":"bob"}],"temperature":0.2})"),
           std::string(R"({"model":"m","messages":[{"role":"system","content":"be brief"},{"role":"assistant","content":"earlier"},{"role":"user","content":"x"}],"temperature":0.2})"),
       }) {
    EXPECT_NE(Parse(other).context, r.context) << other;
  }
  // Field order at the top level does not matter.
  EXPECT_EQ(Parse(R"({"temperature":0.2,"messages":[{"role":"system","content":"be brief"},{"role":"user","content":"y"}],"model":"m"})").context,
            r.context);
}

TEST(ChatRequestTest, WhatCannotComeFromACache) {
  EXPECT_FALSE(Parse(R"({"model":"m","messages":[{"role":"user","content":"a"},{"role":"assistant","content":"b"}]})").cacheable);
  EXPECT_FALSE(Parse(R"({"model":"m","messages":[{"role":"tool","content":"r","tool_call_id":"1"}]})").cacheable);
  EXPECT_FALSE(Parse(R"({"model":"m","messages":[{"role":"user","content":""}]})").cacheable);
  EXPECT_FALSE(Parse(R"({"model":"m","n":2,"messages":[{"role":"user","content":"a"}]})").cacheable);
  EXPECT_FALSE(Parse(R"({"model":"m","messages":[{"role":"user","content":[{"type":"image_url","image_url":{"url":"x"}}]}]})").cacheable);
  ChatRequest parts = Parse(R"({"model":"m","n":1,"messages":[{"role":"user","content":[{"type":"text","text":"a"},{"type":"text","text":"b"}]}]})");
  EXPECT_TRUE(parts.cacheable);
  EXPECT_EQ(parts.prompt, "a\nb");
}

TEST(ChatRequestTest, MalformedRequestsAreRefused) {
  for (const char* body : {"", "{", "[]", R"({"messages":[{"role":"user","content":"a"}]})",
                           R"({"model":1,"messages":[{"role":"user","content":"a"}]})",
                           R"({"model":"m"})", R"({"model":"m","messages":[]})",
                           R"({"model":"m","messages":["a"]})",
                           R"({"model":"m","messages":[{"role":"user","content":"a"}],"stream":"yes"})"}) {
    auto r = ParseChatRequest(body);
    EXPECT_EQ(r.status().code(), Status::Code::kInvalidArgument) << body;
  }
}

// A random completion of the kind a cache holds: choices with text content, a finish reason, and
// sometimes usage.
std::string RandomCompletion(std::mt19937& rng) {
  auto text = [&](size_t max) {
    std::string s;
    const size_t n = rng() % max;
    for (size_t i = 0; i < n; ++i) {
      // Whole UTF-8 sequences: pick a code point's bytes, not a byte of one.
      static const std::vector<std::string> pieces = {"a", "b", " ", "\n", "\"", "\\", "/", "\t",
                                                      "{", "}", "\xc3\xa9", "\xe6\x97\xa5", "\x01"};
      s += pieces[rng() % pieces.size()];
    }
    return s;
  };
  core::JsonWriter w;
  w.BeginObject();
  w.Key("id").String("chatcmpl-" + text(8));
  w.Key("object").String("chat.completion");
  w.Key("created").Int(static_cast<int64_t>(rng() % 2000000000));
  w.Key("model").String(text(12));
  w.Key("choices").BeginArray();
  const int n = 1 + static_cast<int>(rng() % 3);
  for (int i = 0; i < n; ++i) {
    w.BeginObject();
    w.Key("index").Int(i);
    w.Key("message").BeginObject().Key("role").String("assistant").Key("content").String(text(300));
    w.EndObject();
    w.Key("finish_reason").String(rng() % 2 ? "stop" : "length");
    w.EndObject();
  }
  w.EndArray();
  if (rng() % 2) {
    w.Key("usage").BeginObject().Key("prompt_tokens").Int(rng() % 100).Key("completion_tokens")
        .Int(rng() % 100).Key("total_tokens").Int(rng() % 200).EndObject();
  }
  w.EndObject();
  return w.Take();
}

TEST(ChatEventsTest, ACompletionSurvivesTheTripThroughEvents) {
  std::mt19937 rng(7);
  for (int trial = 0; trial < 500; ++trial) {
    const std::string completion = RandomCompletion(rng);
    ASSERT_TRUE(CacheableCompletion(completion)) << completion;
    auto events = CompletionToEvents(completion);
    ASSERT_TRUE(events.ok()) << events.status().ToString();
    ASSERT_EQ(events->substr(events->size() - 14), "data: [DONE]\n\n");
    auto back = EventsToCompletion(*events);
    ASSERT_TRUE(back.ok()) << back.status().ToString() << "\n" << *events;
    EXPECT_EQ(*back, completion);
  }
}

TEST(ChatEventsTest, UpstreamStreamsAddUp) {
  const std::string stream =
      ": keep-alive comment\n\n"
      "data: {\"id\":\"c1\",\"object\":\"chat.completion.chunk\",\"created\":5,\"model\":\"m\",\"choices\":[{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}]}\r\n\r\n"
      "data:{\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"lo\"},\"finish_reason\":\"stop\"}]}\n\n"
      "data: {\"id\":\"c1\",\"choices\":[],\"usage\":{\"total_tokens\":3}}\n\n"
      "data: [DONE]\n\n";
  auto c = EventsToCompletion(stream);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(*c,
            R"({"id":"c1","object":"chat.completion","created":5,"model":"m","choices":[{"index":0,"message":{"role":"assistant","content":"Hello"},"finish_reason":"stop"}],"usage":{"total_tokens":3}})");
  EXPECT_TRUE(CacheableCompletion(*c));

  // Tool calls, a cut-off stream, or garbage are not a completion to cache.
  EXPECT_FALSE(EventsToCompletion(
      "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0}]},\"finish_reason\":null}]}\n\n").ok());
  EXPECT_FALSE(EventsToCompletion(
      "data: {\"id\":\"c\",\"choices\":[{\"index\":0,\"delta\":{\"content\":\"x\"},\"finish_reason\":null}]}\n\n").ok());
  EXPECT_FALSE(EventsToCompletion("data: {nope\n\n").ok());
  EXPECT_FALSE(EventsToCompletion("").ok());
  EXPECT_FALSE(CacheableCompletion(R"({"choices":[{"message":{"content":null,"tool_calls":[{}]},"finish_reason":"tool_calls"}]})"));
  EXPECT_FALSE(CacheableCompletion(R"({"choices":[]})"));
  EXPECT_FALSE(CacheableCompletion("not json"));
  EXPECT_FALSE(CompletionToEvents("{}").ok());
}

}  // namespace
}  // namespace semble::wire
