// Copyright 2026 The semble Authors.
//
// OpenAI chat completions as the caching proxy reads and writes them: what a request asks (the
// prompt a cache looks up, and everything else that shapes the answer), a completion turned into
// the server-sent events a streaming client expects, and a stream of events put back together
// into one completion to store.

#ifndef SEMBLE_SRC_WIRE_CHAT_JSON_H_
#define SEMBLE_SRC_WIRE_CHAT_JSON_H_

#include <string>
#include <string_view>

#include "semble/status.h"

namespace semble::wire {

struct ChatRequest {
  std::string model;
  bool stream = false;
  // False when the answer cannot come from a cache: the last message is not the user's (a tool
  // result, an assistant prefill) or has no text, or the request asks for several choices.
  bool cacheable = false;
  // The last user message's text (text parts joined by newlines).
  std::string prompt;
  // 32 hex digits that hash everything else that shapes the answer: the earlier messages (system
  // prompt included), the model, sampling parameters, tools, response format. Two requests with
  // equal context and similar prompts may share an answer; any other difference keeps them apart.
  // stream, stream_options and user do not change the answer and are left out.
  std::string context;
};

// InvalidArgument when the body is not a JSON object with "model" (a string) and "messages" (a
// non-empty array of objects).
Result<ChatRequest> ParseChatRequest(std::string_view body);

// A stored chat.completion as the stream of chat.completion.chunk events ("data: {...}\n\n" each,
// then "data: [DONE]\n\n") that the same answer would have arrived as: per choice a role and
// content delta, then its finish reason; the usage, when stored, in a last chunk without choices
// (what stream_options.include_usage gives). InvalidArgument when it is not a completion.
Result<std::string> CompletionToEvents(std::string_view completion);

// The completion a stream of chat.completion.chunk events adds up to (contents concatenated per
// choice). InvalidArgument when the events do not parse, carry tool calls (not cached), or never
// finish.
Result<std::string> EventsToCompletion(std::string_view events);

// True when a completion may be cached: every choice finished with a message of text content and
// no tool calls.
bool CacheableCompletion(std::string_view completion);

}  // namespace semble::wire

#endif  // SEMBLE_SRC_WIRE_CHAT_JSON_H_
