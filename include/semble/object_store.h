// Copyright 2026 The semble Authors.
//
// ObjectStore: the seam to an S3-compatible object store (AWS S3, Cloudflare R2, MinIO, Ceph
// radosgw), the durable home of a database that lives in a bucket. Objects are whole values under
// string keys: no appends, no renames. Commits rely on two conditional writes every such store
// offers: put-if-absent (`If-None-Match: *`) and compare-and-swap on the ETag (`If-Match`).
//
// A store is opened on a URL:
//   s3://bucket/prefix    S3 over HTTP(S); credentials and endpoint as every S3 tool takes them
//                         (ObjectStoreOptions::FromEnvironment).
//   file:///abs/path      a local directory with the same semantics (tests, local backups).
// Keys passed to a store are relative to the URL's prefix.
//
// Implementations are safe for concurrent use by many threads.

#ifndef SEMBLE_INCLUDE_SEMBLE_OBJECT_STORE_H_
#define SEMBLE_INCLUDE_SEMBLE_OBJECT_STORE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "semble/status.h"

namespace semble {

struct ObjectInfo {
  std::string key;  // relative to the store's prefix
  uint64_t size = 0;
  std::string etag;  // opaque; comparable only with etags of the same store
};

struct Object {
  std::string data;
  std::string etag;
};

// When a Put may happen. A Put whose condition does not hold fails with FailedPrecondition and
// reason kConditionFailed, and changes nothing.
struct PutCondition {
  enum class Kind { kAlways, kIfAbsent, kIfMatch };
  Kind kind = Kind::kAlways;
  std::string etag;  // kIfMatch: the etag the object must still have

  static PutCondition Always() { return {}; }
  static PutCondition IfAbsent() { return {Kind::kIfAbsent, ""}; }
  static PutCondition IfMatch(std::string etag) { return {Kind::kIfMatch, std::move(etag)}; }
};

class ObjectStore {
 public:
  virtual ~ObjectStore() = default;

  // Stores `data` under `key` if `condition` holds; returns the new object's etag. Once Put
  // returns OK the object is durable and every later Get and List sees it. After an error other
  // than kConditionFailed (a timeout, a reset connection) the object may or may not have been
  // written: callers that need to know read it back.
  virtual Result<std::string> Put(const std::string& key, std::string_view data,
                                  const PutCondition& condition = PutCondition::Always()) = 0;
  // Reads a whole object. NotFound if there is none.
  virtual Result<Object> Get(const std::string& key) = 0;
  // Reads `length` bytes from `offset`; fewer at the end of the object. NotFound if there is none.
  virtual Result<std::string> GetRange(const std::string& key, uint64_t offset,
                                       uint64_t length) = 0;
  // Streams `length` bytes from `offset` (kToEnd: the rest of the object; fewer at the end of
  // the object) to `sink`, piece after piece in order, without holding the object in memory. A
  // sink error stops the read and is returned as it is. A transfer that breaks off is retried (as
  // every request is) from the first byte the sink has not seen, so the sink never sees a byte
  // twice; a retry that finds the object changed fails. After any error the sink may have seen a
  // prefix of the range: callers keep what they write from it unused until OK. NotFound if there
  // is no object. The default reads with Get / GetRange and hands over one piece.
  static constexpr uint64_t kToEnd = UINT64_MAX;
  using Sink = std::function<Status(std::string_view piece)>;
  virtual Status GetTo(const std::string& key, uint64_t offset, uint64_t length,
                       const Sink& sink);
  // Every object whose key starts with `prefix`, in ascending byte order of keys (all pages).
  virtual Result<std::vector<ObjectInfo>> List(const std::string& prefix) = 0;
  // Removes an object; OK if there was none.
  virtual Status Delete(const std::string& key) = 0;
  // The URL the store was opened on ("s3://bucket/prefix", "file:///path"), for messages.
  virtual std::string Url() const = 0;
};

struct ObjectStoreOptions {
  // Where to send S3 requests: "http://127.0.0.1:7480",
  // "https://<account>.r2.cloudflarestorage.com".
  // "" means AWS: https://s3.<region>.amazonaws.com.
  std::string endpoint;
  std::string region = "us-east-1";
  std::string access_key_id;
  std::string secret_access_key;
  std::string session_token;  // optional (temporary credentials)
  // Address buckets as <endpoint>/<bucket>/key (path style: MinIO, Ceph, most self-hosted stores)
  // instead of <bucket>.<endpoint host>/key (virtual-host style: AWS, R2). Default: path style for
  // an explicit endpoint, virtual-host style for AWS.
  enum class Addressing { kAuto, kPath, kVirtualHost };
  Addressing addressing = Addressing::kAuto;
  // A request is retried (with exponential backoff and jitter) after a 5xx, a 429, a timeout or a
  // broken connection, at most this many times. Conditional Puts are retried too: a retry that
  // finds its own earlier attempt's object reports kConditionFailed, which callers must treat as
  // "maybe written" (see Put).
  int max_retries = 4;
  int connect_timeout_ms = 5000;
  // A request that moves no bytes for this long is abandoned (and retried).
  int request_timeout_ms = 30000;

  // The options every S3 tool reads from the environment: AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION (or AWS_DEFAULT_REGION) and
  // AWS_ENDPOINT_URL (or AWS_ENDPOINT_URL_S3).
  static ObjectStoreOptions FromEnvironment();
};

// Opens the store a URL names (see the top of this file). Does not contact the store.
Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url,
                                                     const ObjectStoreOptions& options);

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_OBJECT_STORE_H_
