// Copyright 2026 The semble Authors.
//
// The Cloudflare v4 response envelope and semble's error codes.
//
//   success: {"result": <payload>, "success": true, "errors": [], "messages": []}
//   failure: {"result": null, "success": false, "errors": [{"code": N, "message": "..."}],
//             "messages": []}
//
// Codes 3000, 3002, 40006, 40016, 40026, 5007, 7000 and 10000 are the ones Cloudflare's API has
// been seen to return for the same conditions (shared/reference/vectorize-workers-ai-api.md a.1);
// the rest of the 400xx range is semble's own, documented in docs/API.md.

#ifndef SEMBLE_SRC_SERVER_ENVELOPE_H_
#define SEMBLE_SRC_SERVER_ENVELOPE_H_

#include <functional>
#include <string_view>

#include "core/json_writer.h"
#include "semble/status.h"
#include "server/router.h"

namespace semble::server {

enum ErrorCode : int {
  kErrInternal = 1000,           // 500: a bug or an unexpected engine state
  kErrStorage = 1001,            // 500/507: the disk refused a write or stored data is damaged
  kErrNoWriter = 1002,           // 503: in a cluster, no node writes the index right now (retry)
  kErrIndexNotFound = 3000,      // 404
  kErrIndexExists = 3002,        // 409
  kErrModelNotFound = 5007,      // 404: unknown embedding model
  kErrNoRoute = 7000,            // 404: no such endpoint
  kErrMethodNotAllowed = 7001,   // 405
  kErrAuth = 10000,              // 401 missing/wrong token, 403 token lacks the scope
  kErrInvalid = 40000,           // 400: any other invalid input
  kErrMalformedJson = 40001,     // 400: the body is not the JSON the endpoint takes
  kErrUnparsableRecord = 40002,  // 400: an NDJSON line or record is malformed
  kErrBadFilter = 40003,         // 400
  kErrRecordDimensions = 40005,  // 400: a record's vector has the wrong length
  kErrQueryDimensions = 40006,   // 400: the query vector has the wrong length
  kErrModelMismatch = 40007,     // 400: vectors of another model than the index's
  kErrNoTextIndex = 40008,       // 400: a keyword or hybrid query on an index without a text index
  kErrBodyTooLarge = 40013,      // 413
  kErrMetadataTooLarge = 40016,  // 400
  kErrContentType = 40026,       // 400 (415 semantics; Cloudflare answers 400)
  kErrLimit = 40029,             // 429-like quota reached; answered 400 as Vectorize does
};

// 200 with the envelope around the JSON value that write_result appends.
HttpResponse Ok(const std::function<void(core::JsonWriter*)>& write_result, int status = 200);
// An error envelope.
HttpResponse Error(int http_status, int code, std::string_view message);
// OpenAI's error shape, {"error": {"message", "type", "param": null, "code"}}: the type follows
// the status (invalid_request_error, authentication_error, permission_error, not_found_error).
HttpResponse OpenAiError(int http_status, std::string_view code, std::string_view message);

// Maps an engine Status to an HTTP status and code: by its reason (one table, envelope.cc), else
// by its code.
HttpResponse FromStatus(const Status& status);

}  // namespace semble::server

#endif  // SEMBLE_SRC_SERVER_ENVELOPE_H_
