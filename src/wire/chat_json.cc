// Copyright 2026 The semble Authors.

#include "wire/chat_json.h"

#include <simdjson.h>
#include <xxhash.h>

#include <algorithm>
#include <cstdio>
#include <map>
#include <vector>

#include "core/json_parse.h"
#include "core/lines.h"
#include "core/json_writer.h"

namespace semble::wire {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Status Invalid(std::string msg) { return Status::InvalidArgument(std::move(msg)); }

std::string Hex128(std::string_view data) {
  const XXH128_hash_t h = XXH3_128bits(data.data(), data.size());
  char buf[33];
  std::snprintf(buf, sizeof(buf), "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return buf;
}

// The text of a user message's content: a string, or text parts joined by newlines. False when it
// holds anything but text (an image: the text alone does not say what was asked).
bool ContentText(const element& content, std::string* out) {
  std::string_view s;
  if (content.get(s) == simdjson::SUCCESS) {
    out->assign(s);
    return true;
  }
  array parts;
  if (content.get(parts) != simdjson::SUCCESS) return false;
  out->clear();
  for (element part : parts) {
    std::string_view type, text;
    if (part["type"].get(type) != simdjson::SUCCESS || type != "text" ||
        part["text"].get(text) != simdjson::SUCCESS) {
      return false;
    }
    if (!out->empty()) out->push_back('\n');
    out->append(text);
  }
  return true;
}

// Appends "len:bytes" so that no two different sequences of pieces make the same string.
void AppendPiece(std::string* out, std::string_view piece) {
  out->append(std::to_string(piece.size())).push_back(':');
  out->append(piece);
}

struct ChoiceParts {
  std::string role = "assistant";
  std::string content;
  bool content_null = true;
  std::string finish_reason;
};

void WriteChunkHead(core::JsonWriter* w, std::string_view id, int64_t created,
                    std::string_view model) {
  w->Key("id").String(id);
  w->Key("object").String("chat.completion.chunk");
  w->Key("created").Int(created);
  w->Key("model").String(model);
}

void AppendEvent(std::string* out, const std::string& json) {
  out->append("data: ").append(json).append("\n\n");
}

}  // namespace

Result<ChatRequest> ParseChatRequest(std::string_view body) {
  simdjson::dom::parser parser;
  element root;
  if (auto err = core::ParseJson(parser, body, &root)) {
    return Invalid(std::string("the body is not valid JSON: ") + simdjson::error_message(err));
  }
  object obj;
  if (root.get(obj) != simdjson::SUCCESS) return Invalid("the body must be a JSON object");
  ChatRequest out;
  std::string_view model;
  if (obj["model"].get(model) != simdjson::SUCCESS) return Invalid("\"model\" must be a string");
  out.model.assign(model);
  array messages;
  if (obj["messages"].get(messages) != simdjson::SUCCESS || messages.size() == 0) {
    return Invalid("\"messages\" must be a non-empty array");
  }
  for (element m : messages) {
    if (!m.is_object()) return Invalid("\"messages\" must hold objects");
  }
  element stream;
  if (obj["stream"].get(stream) == simdjson::SUCCESS && !stream.is_null() &&
      stream.get(out.stream) != simdjson::SUCCESS) {
    return Invalid("\"stream\" must be a boolean");
  }

  // Everything but the prompt, in a canonical order of the top-level fields.
  std::map<std::string_view, std::string> fields;
  for (auto field : obj) {
    const std::string_view key = field.key;
    if (key == "messages" || key == "stream" || key == "stream_options" || key == "user") continue;
    fields[key] = simdjson::minify(field.value);
  }
  std::string context;
  for (const auto& [key, value] : fields) {
    AppendPiece(&context, key);
    AppendPiece(&context, value);
  }
  const size_t count = messages.size();
  size_t i = 0;
  element last;
  for (element m : messages) {
    if (++i == count) {
      last = m;
      break;
    }
    AppendPiece(&context, simdjson::minify(m));
  }
  std::string_view role;
  element content;
  out.cacheable = last["role"].get(role) == simdjson::SUCCESS && role == "user" &&
                  last["content"].get(content) == simdjson::SUCCESS &&
                  ContentText(content, &out.prompt) && !out.prompt.empty();
  // Other fields of the last message (a name) shape the answer too.
  object last_obj = last.get_object().value_unsafe();
  for (auto field : last_obj) {
    if (field.key == "content") continue;
    AppendPiece(&context, field.key);
    AppendPiece(&context, simdjson::minify(field.value));
  }
  int64_t n = 1;
  element n_value;
  if (obj["n"].get(n_value) == simdjson::SUCCESS && !n_value.is_null() &&
      (n_value.get(n) != simdjson::SUCCESS || n != 1)) {
    out.cacheable = false;
  }
  out.context = Hex128(context);
  return out;
}

Result<std::string> CompletionToEvents(std::string_view completion) {
  simdjson::dom::parser parser;
  element root;
  object obj;
  std::string_view id, model;
  int64_t created = 0;
  array choices;
  if (core::ParseJson(parser, completion, &root) != simdjson::SUCCESS ||
      root.get(obj) != simdjson::SUCCESS || obj["id"].get(id) != simdjson::SUCCESS ||
      obj["model"].get(model) != simdjson::SUCCESS ||
      obj["choices"].get(choices) != simdjson::SUCCESS) {
    return Invalid("the stored answer is not a chat completion");
  }
  if (obj["created"].get(created) != simdjson::SUCCESS) created = 0;
  std::string out;
  for (element choice : choices) {
    int64_t index = 0;
    std::string_view role = "assistant", content, finish = "stop";
    if (choice["index"].get(index) != simdjson::SUCCESS) index = 0;
    if (choice["message"]["role"].get(role) != simdjson::SUCCESS) role = "assistant";
    const bool has_content = choice["message"]["content"].get(content) == simdjson::SUCCESS;
    if (choice["finish_reason"].get(finish) != simdjson::SUCCESS) finish = "stop";
    core::JsonWriter w;
    w.BeginObject();
    WriteChunkHead(&w, id, created, model);
    w.Key("choices").BeginArray().BeginObject();
    w.Key("index").Int(index);
    w.Key("delta").BeginObject().Key("role").String(role);
    if (has_content) w.Key("content").String(content);
    w.EndObject();
    w.Key("finish_reason").Null();
    w.EndObject().EndArray();
    w.EndObject();
    AppendEvent(&out, w.Take());
    core::JsonWriter end;
    end.BeginObject();
    WriteChunkHead(&end, id, created, model);
    end.Key("choices").BeginArray().BeginObject();
    end.Key("index").Int(index);
    end.Key("delta").BeginObject().EndObject();
    end.Key("finish_reason").String(finish);
    end.EndObject().EndArray();
    end.EndObject();
    AppendEvent(&out, end.Take());
  }
  element usage;
  if (obj["usage"].get(usage) == simdjson::SUCCESS && usage.is_object()) {
    core::JsonWriter w;
    w.BeginObject();
    WriteChunkHead(&w, id, created, model);
    w.Key("choices").BeginArray().EndArray();
    w.Key("usage").Raw(simdjson::minify(usage));
    w.EndObject();
    AppendEvent(&out, w.Take());
  }
  out.append("data: [DONE]\n\n");
  return out;
}

Result<std::string> EventsToCompletion(std::string_view events) {
  simdjson::dom::parser parser;
  std::string id, model, usage;
  int64_t created = 0;
  bool first = true, done = false;
  std::map<int64_t, ChoiceParts> choices;
  size_t pos = 0;
  std::string_view line;
  while (core::NextLine(events, &pos, &line)) {
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.substr(0, 5) != "data:") continue;  // comments, event names, blank separators
    line.remove_prefix(5);
    if (!line.empty() && line[0] == ' ') line.remove_prefix(1);
    if (line == "[DONE]") {
      done = true;
      break;
    }
    element root;
    object chunk;
    if (core::ParseJson(parser, line, &root) != simdjson::SUCCESS ||
        root.get(chunk) != simdjson::SUCCESS) {
      return Invalid("an event of the stream is not JSON");
    }
    if (first) {
      std::string_view s;
      if (chunk["id"].get(s) == simdjson::SUCCESS) id.assign(s);
      if (chunk["model"].get(s) == simdjson::SUCCESS) model.assign(s);
      if (chunk["created"].get(created) != simdjson::SUCCESS) created = 0;
      first = false;
    }
    element u;
    if (chunk["usage"].get(u) == simdjson::SUCCESS && u.is_object()) usage = simdjson::minify(u);
    array list;
    if (chunk["choices"].get(list) != simdjson::SUCCESS) continue;
    for (element c : list) {
      int64_t index = 0;
      if (c["index"].get(index) != simdjson::SUCCESS) index = 0;
      ChoiceParts& parts = choices[index];
      element delta;
      if (c["delta"].get(delta) == simdjson::SUCCESS) {
        element tools;
        if (delta["tool_calls"].get(tools) == simdjson::SUCCESS && !tools.is_null()) {
          return Invalid("the stream calls tools; such answers are not cached");
        }
        std::string_view s;
        if (delta["role"].get(s) == simdjson::SUCCESS) parts.role.assign(s);
        if (delta["content"].get(s) == simdjson::SUCCESS) {
          parts.content.append(s);
          parts.content_null = false;
        }
      }
      std::string_view finish;
      if (c["finish_reason"].get(finish) == simdjson::SUCCESS) parts.finish_reason.assign(finish);
    }
  }
  if (first || choices.empty()) return Invalid("the stream holds no answer");
  for (const auto& [index, parts] : choices) {
    if (parts.finish_reason.empty()) return Invalid("the stream ended before every choice did");
  }
  (void)done;  // a stream without [DONE] whose choices all finished is whole
  core::JsonWriter w;
  w.BeginObject();
  w.Key("id").String(id);
  w.Key("object").String("chat.completion");
  w.Key("created").Int(created);
  w.Key("model").String(model);
  w.Key("choices").BeginArray();
  for (const auto& [index, parts] : choices) {
    w.BeginObject();
    w.Key("index").Int(index);
    w.Key("message").BeginObject().Key("role").String(parts.role).Key("content");
    if (parts.content_null) {
      w.Null();
    } else {
      w.String(parts.content);
    }
    w.EndObject();
    w.Key("finish_reason").String(parts.finish_reason);
    w.EndObject();
  }
  w.EndArray();
  if (!usage.empty()) w.Key("usage").Raw(usage);
  w.EndObject();
  return w.Take();
}

bool CacheableCompletion(std::string_view completion) {
  simdjson::dom::parser parser;
  element root;
  array choices;
  if (core::ParseJson(parser, completion, &root) != simdjson::SUCCESS ||
      root["choices"].get(choices) != simdjson::SUCCESS || choices.size() == 0) {
    return false;
  }
  for (element c : choices) {
    std::string_view content, finish;
    element tools;
    if (c["message"]["content"].get(content) != simdjson::SUCCESS) return false;
    if (c["message"]["tool_calls"].get(tools) == simdjson::SUCCESS && !tools.is_null()) {
      return false;
    }
    if (c["finish_reason"].get(finish) != simdjson::SUCCESS ||
        (finish != "stop" && finish != "length")) {
      return false;
    }
  }
  return true;
}

}  // namespace semble::wire
