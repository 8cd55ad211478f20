// Copyright 2026 The semble Authors.
//
// The parts of the S3 protocol that need no network: how keys and query values are encoded, which
// URL a request goes to under each addressing style, and what ListObjectsV2 and error answers
// say. Kept apart from the libcurl client so they can be tested on their own.

#ifndef SEMBLE_SRC_STORAGE_S3_PROTOCOL_H_
#define SEMBLE_SRC_STORAGE_S3_PROTOCOL_H_

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "semble/object_store.h"
#include "semble/status.h"

namespace semble::storage::s3 {

// Percent-encodes `s` the way SigV4 canonicalises it: the unreserved bytes A-Z a-z 0-9 - _ . ~
// stay, '/' stays when `keep_slash` (object keys: S3 treats them as path segments), every other
// byte becomes %XX in upper-case hex. The URL then needs no further encoding, so what libcurl
// signs is byte for byte what the server rebuilds.
std::string UriEncode(std::string_view s, bool keep_slash);

// Undoes the encoding ListObjectsV2 applies with encoding-type=url: %XX, and '+' for a space
// (AWS encodes like an HTML form there). Returns false on a malformed escape.
bool UrlDecode(std::string_view s, std::string* out);

// "name=value&..." with names in byte order (SigV4 wants the canonical query sorted; libcurl 7.88
// signs the query as written) and both encoded with UriEncode (a '/' in a prefix included).
std::string QueryString(std::vector<std::pair<std::string, std::string>> params);

// Where a bucket's requests go, without a trailing slash: "http://127.0.0.1:7480/bucket" (path
// style) or "https://bucket.s3.eu-west-1.amazonaws.com" (virtual-host style). An object's URL is
// this + "/" + UriEncode(key, true). InvalidArgument for an endpoint that is not http(s)://host.
Result<std::string> BucketUrl(const ObjectStoreOptions& options, const std::string& bucket);

// ETags arrive quoted ("\"9b2cf535f27731c974343645a3985328\""); the store hands them out bare.
std::string UnquoteEtag(std::string_view etag);

struct ListPage {
  std::vector<ObjectInfo> objects;  // keys as stored in the bucket (store prefix included)
  bool truncated = false;
  std::string next_token;  // NextContinuationToken when truncated
};

// Parses a ListBucketResult (ListObjectsV2). Corruption when it is not well-formed XML, when
// a size does not parse, or when a page says it is truncated but gives no token to go on.
Result<ListPage> ParseListObjectsV2(std::string_view xml);

struct ErrorBody {
  std::string code;     // "SignatureDoesNotMatch", "NoSuchKey"; "" when the body had none
  std::string message;  // may be "" (radosgw sends empty messages)
};

// Reads <Error><Code>..</Code><Message>..</Message></Error>; empty fields for anything else (a
// proxy's HTML page, an empty body).
ErrorBody ParseErrorBody(std::string_view xml);

}  // namespace semble::storage::s3

#endif  // SEMBLE_SRC_STORAGE_S3_PROTOCOL_H_
