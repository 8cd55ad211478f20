// Copyright 2026 The semble Authors.

#include "server/envelope.h"

namespace semble::server {

HttpResponse Ok(const std::function<void(core::JsonWriter*)>& write_result, int status) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("result");
  write_result(&w);
  w.Key("success").Bool(true);
  w.Key("errors").BeginArray().EndArray();
  w.Key("messages").BeginArray().EndArray();
  w.EndObject();
  HttpResponse r;
  r.status = status;
  r.body = w.Take();
  return r;
}

HttpResponse Error(int http_status, int code, std::string_view message) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("result").Null();
  w.Key("success").Bool(false);
  w.Key("errors").BeginArray();
  w.BeginObject().Key("code").Int(code).Key("message").String(message).EndObject();
  w.EndArray();
  w.Key("messages").BeginArray().EndArray();
  w.EndObject();
  HttpResponse r;
  r.status = http_status;
  r.body = w.Take();
  return r;
}

HttpResponse OpenAiError(int http_status, std::string_view code, std::string_view message) {
  const char* type = http_status == 401   ? "authentication_error"
                     : http_status == 403 ? "permission_error"
                     : http_status == 404 ? "not_found_error"
                                          : "invalid_request_error";
  core::JsonWriter w;
  w.BeginObject().Key("error").BeginObject();
  w.Key("message").String(message);
  w.Key("type").String(type);
  w.Key("param").Null();
  w.Key("code").String(code);
  w.EndObject().EndObject();
  HttpResponse r;
  r.status = http_status;
  r.body = w.Take();
  return r;
}

namespace {

// The one table from an engine error's reason to what the API answers. Reasons the table does
// not name fall back on the status code below.
struct ReasonAnswer {
  Status::Reason reason;
  int http_status;
  int code;
};
constexpr ReasonAnswer kReasonAnswers[] = {
    {Status::Reason::kIndexNotFound, 404, kErrIndexNotFound},
    {Status::Reason::kIndexExists, 409, kErrIndexExists},
    {Status::Reason::kVectorNotFound, 404, kErrInvalid},
    {Status::Reason::kModelNotFound, 404, kErrModelNotFound},
    {Status::Reason::kModelMismatch, 400, kErrModelMismatch},
    {Status::Reason::kNoModel, 400, kErrInvalid},
    {Status::Reason::kNoSchema, 400, kErrInvalid},
    // A request the index cannot answer as configured, like kNoModel: the caller's to fix (enable
    // the text index, or query by vector), so a 400 rather than FailedPrecondition's 409.
    {Status::Reason::kNoTextIndex, 400, kErrNoTextIndex},
    {Status::Reason::kBreaksSchema, 400, kErrUnparsableRecord},
    {Status::Reason::kBadFilter, 400, kErrBadFilter},
    {Status::Reason::kRecordDimensions, 400, kErrRecordDimensions},
    {Status::Reason::kQueryDimensions, 400, kErrQueryDimensions},
    {Status::Reason::kMetadataTooLarge, 400, kErrMetadataTooLarge},
    {Status::Reason::kMissingField, 400, kErrMalformedJson},
    // Another process writes the index (a cluster node that owns it, or one that took it over):
    // nothing was applied, and the same request succeeds once it reaches the writer.
    {Status::Reason::kNotWriter, 503, kErrNoWriter},
    {Status::Reason::kFenced, 503, kErrNoWriter},
};

}  // namespace

HttpResponse FromStatus(const Status& status) {
  using C = Status::Code;
  const std::string& msg = status.message();
  if (status.reason() != Status::Reason::kNone) {
    for (const ReasonAnswer& a : kReasonAnswers) {
      if (a.reason != status.reason()) continue;
      HttpResponse r = Error(a.http_status, a.code, msg);
      if (a.http_status == 503) r.headers.emplace_back("Retry-After", "1");
      return r;
    }
  }
  switch (status.code()) {
    case C::kOk:
      return Error(500, kErrInternal, "internal error: an OK status reported as an error");
    case C::kInvalidArgument:
      return Error(400, kErrInvalid, msg);
    case C::kNotFound:
      return Error(404, kErrInvalid, msg);
    case C::kAlreadyExists:
      return Error(409, kErrInvalid, msg);
    case C::kFailedPrecondition:
      return Error(409, kErrInvalid, msg);
    case C::kResourceExhausted:
      return Error(400, kErrLimit, msg);
    case C::kCorruption:
    case C::kIOError:
      return Error(500, kErrStorage, msg);
    case C::kInternal:
      break;
  }
  return Error(500, kErrInternal, msg);
}

}  // namespace semble::server
