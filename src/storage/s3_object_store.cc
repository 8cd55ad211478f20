// Copyright 2026 The semble Authors.
//
// ObjectStore over the S3 API: libcurl does HTTP, TLS and the SigV4 signature
// (CURLOPT_AWS_SIGV4), expat reads the XML answers (s3_protocol.cc). Nothing here speaks HTTP or
// computes a hash by hand.
//
// Checked against Ceph radosgw 16.2 (tests/storage_s3). What differs between stores:
//  - libcurl 7.88 does not send x-amz-content-sha256, which S3 and radosgw require with SigV4
//    (radosgw answers SignatureDoesNotMatch): every request carries UNSIGNED-PAYLOAD, which
//    libcurl then also uses as the payload hash in the canonical request.
//  - If-Match: radosgw 16 compares the header with the ETag without its quotes, so a quoted
//    (RFC 7232) value never matches. Etags are therefore handed out and sent bare. AWS S3
//    documents that it compares "the ETag value" and, like R2, is known to accept the bare form
//    on GET If-Match; that a conditional PUT on AWS or R2 accepts it is NOT verified from this
//    machine (no internet): check it at the first run against them (IfMatchValue below is the one
//    place to change).

#include <curl/curl.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <random>
#include <thread>
#include <vector>

#include "storage/object_stores.h"
#include "storage/s3_protocol.h"

namespace semble::storage {
namespace {

// libcurl's receive buffer for streamed GETs (its default is 16 KiB).
constexpr long kStreamBufferBytes = 512 << 10;

// The value sent in If-Match for an etag this store handed out (see the top of the file).
std::string IfMatchValue(const std::string& etag) { return etag; }

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// Easy handles kept between requests: each holds its open connections (and TLS sessions), so
// sequential requests reuse a TCP connection instead of paying a handshake each time. A handle is
// used by one thread at a time; the pool hands them out under a mutex.
class HandlePool {
 public:
  HandlePool() = default;
  HandlePool(const HandlePool&) = delete;
  HandlePool& operator=(const HandlePool&) = delete;
  ~HandlePool() {
    for (CURL* h : idle_) curl_easy_cleanup(h);
  }

  CURL* Acquire() {
    {
      std::lock_guard l(mu_);
      if (!idle_.empty()) {
        CURL* h = idle_.back();
        idle_.pop_back();
        // Clears the options of the last request but keeps its live connections.
        curl_easy_reset(h);
        return h;
      }
    }
    return curl_easy_init();
  }

  void Release(CURL* h) {
    std::lock_guard l(mu_);
    // More idle handles than this means a burst of threads has passed; close the surplus.
    if (idle_.size() >= kMaxIdle) {
      curl_easy_cleanup(h);
      return;
    }
    idle_.push_back(h);
  }

 private:
  static constexpr size_t kMaxIdle = 32;
  std::mutex mu_;
  std::vector<CURL*> idle_;
};

struct HttpRequest {
  const char* method = "GET";  // GET, PUT, DELETE
  std::string url;
  std::vector<std::string> headers;  // besides the ones every request carries
  std::string_view body;             // PUT only
};

// Where a streamed GET (GetTo) delivers the bytes of a 200 or 206 answer, across its attempts.
struct BodySink {
  const ObjectStore::Sink* sink = nullptr;
  uint64_t limit = 0;      // bytes to deliver at most, over all attempts
  uint64_t delivered = 0;  // bytes the sink has taken, over all attempts
  uint64_t skip = 0;       // this attempt: leading bytes of a 200 answer the sink has seen already
  Status error;            // the sink's failure, which ends the read
};

struct HttpResponse {
  CURLcode curl = CURLE_OK;
  std::string curl_error;  // libcurl's message when curl != CURLE_OK
  long status = 0;
  std::string body;  // the whole body, or for a streamed GET the body of an error answer
  std::string etag;  // unquoted
  // Streamed GETs only.
  BodySink* sink = nullptr;
  CURL* handle = nullptr;
  enum class Mode { kUndecided, kStream, kBuffer } mode = Mode::kUndecided;
};

size_t OnBody(char* p, size_t size, size_t n, void* self) {
  auto* r = static_cast<HttpResponse*>(self);
  const size_t bytes = size * n;
  if (r->sink == nullptr) {
    r->body.append(p, bytes);
    return bytes;
  }
  if (r->mode == HttpResponse::Mode::kUndecided) {
    // The status line is in by the first byte of the body: only a 200 or a 206 carries the
    // object; anything else is an error document for DescribeHttp.
    long status = 0;
    curl_easy_getinfo(r->handle, CURLINFO_RESPONSE_CODE, &status);
    r->mode = status == 200 || status == 206 ? HttpResponse::Mode::kStream
                                             : HttpResponse::Mode::kBuffer;
    if (status == 206) r->sink->skip = 0;  // the server honoured the Range
  }
  if (r->mode == HttpResponse::Mode::kBuffer) {
    r->body.append(p, bytes);
    return bytes;
  }
  BodySink* s = r->sink;
  std::string_view piece(p, bytes);
  const size_t skipped = static_cast<size_t>(std::min<uint64_t>(s->skip, piece.size()));
  piece.remove_prefix(skipped);
  s->skip -= skipped;
  if (piece.size() > s->limit - s->delivered) piece = piece.substr(0, s->limit - s->delivered);
  if (!piece.empty()) {
    Status st = (*s->sink)(piece);
    if (!st.ok()) {
      s->error = std::move(st);
      return 0;  // anything but `bytes` makes libcurl abort with CURLE_WRITE_ERROR
    }
    s->delivered += piece.size();
  }
  return bytes;
}

size_t OnHeader(char* p, size_t size, size_t n, void* self) {
  auto* r = static_cast<HttpResponse*>(self);
  std::string_view line(p, size * n);
  constexpr std::string_view kEtag = "etag:";
  if (line.size() > kEtag.size() && strncasecmp(line.data(), kEtag.data(), kEtag.size()) == 0) {
    line.remove_prefix(kEtag.size());
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == '\r' || line.back() == '\n' || line.back() == ' ')) {
      line.remove_suffix(1);
    }
    r->etag = s3::UnquoteEtag(line);
  }
  // Reserve the body once: a segment of hundreds of MB appended to a growing string is copied
  // over and over (a third of a cold start's time, measured). A streamed GET keeps no body.
  constexpr std::string_view kLength = "content-length:";
  if (r->sink == nullptr && line.size() > kLength.size() &&
      strncasecmp(line.data(), kLength.data(), kLength.size()) == 0) {
    const unsigned long long length = std::strtoull(line.data() + kLength.size(), nullptr, 10);
    if (length > 0 && length <= (4ull << 30)) r->body.reserve(static_cast<size_t>(length));
  }
  return size * n;
}

// Transport failures worth another attempt: the network or the server had a bad moment.
bool IsTransient(CURLcode c) {
  switch (c) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
      return true;
    default:
      return false;
  }
}

std::string DescribeHttp(const HttpResponse& r) {
  const s3::ErrorBody e = s3::ParseErrorBody(r.body);
  std::string s = "HTTP " + std::to_string(r.status);
  if (!e.code.empty()) s += " " + e.code;
  if (!e.message.empty()) s += " (" + e.message + ")";
  return s;
}

// Answers worth another attempt: the server is overloaded or in a transient state.
bool IsTransient(const HttpResponse& r) {
  if (r.status >= 500 || r.status == 429) return true;
  if (r.status == 409 || r.status == 400) {
    // 409 ConditionalRequestConflict: S3 saw a concurrent conditional write and asks for a retry.
    // 400 RequestTimeout: the server gave up on a slow upload.
    const std::string code = s3::ParseErrorBody(r.body).code;
    return code == "ConditionalRequestConflict" || code == "OperationAborted" ||
           code == "RequestTimeout";
  }
  return false;
}

// 404 for the key, not for the whole bucket: a missing bucket is a configuration error, never "no
// such object" (a reader would take it for an empty database).
bool IsMissingKey(const HttpResponse& r) {
  return r.status == 404 && s3::ParseErrorBody(r.body).code != "NoSuchBucket";
}

Status ConditionFailed(std::string_view what) {
  return Status::FailedPrecondition(what).WithReason(Status::Reason::kConditionFailed);
}

class S3ObjectStore final : public ObjectStore {
 public:
  S3ObjectStore(std::string bucket, std::string prefix, std::string bucket_url,
                ObjectStoreOptions options)
      : bucket_(std::move(bucket)),
        prefix_(std::move(prefix)),
        bucket_url_(std::move(bucket_url)),
        options_(std::move(options)),
        sigv4_("aws:amz:" + options_.region + ":s3") {}

  Result<std::string> Put(const std::string& key, std::string_view data,
                          const PutCondition& condition) override {
    HttpRequest req;
    req.method = "PUT";
    req.url = ObjectUrl(key);
    req.body = data;
    switch (condition.kind) {
      case PutCondition::Kind::kAlways:
        break;
      case PutCondition::Kind::kIfAbsent:
        req.headers.push_back("If-None-Match: *");
        break;
      case PutCondition::Kind::kIfMatch:
        req.headers.push_back("If-Match: " + IfMatchValue(condition.etag));
        break;
    }
    auto r = Execute(req);
    if (!r.ok()) return r.status();
    if (r->status == 412)
      return ConditionFailed(What("PUT", key) + ": " + ConditionText(condition));
    // AWS answers an If-Match on a missing key with 404: the condition does not hold either.
    if (IsMissingKey(*r) && condition.kind == PutCondition::Kind::kIfMatch) {
      return ConditionFailed(What("PUT", key) + ": no such object (If-Match)");
    }
    if (r->status != 200) return Unexpected("PUT", key, *r);
    if (r->etag.empty()) return Status::IOError(What("PUT", key) + ": the answer has no ETag");
    return std::move(r->etag);
  }

  Result<Object> Get(const std::string& key) override {
    HttpRequest req;
    req.url = ObjectUrl(key);
    auto r = Execute(req);
    if (!r.ok()) return r.status();
    if (IsMissingKey(*r)) return Status::NotFound(What("GET", key) + ": no such object");
    if (r->status != 200) return Unexpected("GET", key, *r);
    return Object{std::move(r->body), std::move(r->etag)};
  }

  Result<std::string> GetRange(const std::string& key, uint64_t offset, uint64_t length) override {
    HttpRequest req;
    req.url = ObjectUrl(key);
    // A zero-length read still asks for one byte, so a missing object is still NotFound.
    const uint64_t last = offset + std::max<uint64_t>(length, 1) - 1;
    req.headers.push_back("Range: bytes=" + std::to_string(offset) + "-" + std::to_string(last));
    auto r = Execute(req);
    if (!r.ok()) return r.status();
    if (IsMissingKey(*r)) return Status::NotFound(What("GET", key) + ": no such object");
    // 416: the range starts at or after the end of the object.
    if (r->status == 416) return std::string();
    if (r->status == 206) {
      if (length == 0) return std::string();
      if (r->body.size() > length) r->body.resize(length);
      return std::move(r->body);
    }
    // A server that ignores Range sends the whole object.
    if (r->status == 200) {
      if (offset >= r->body.size()) return std::string();
      return r->body.substr(offset, length);
    }
    return Unexpected("GET", key, *r);
  }

  Status GetTo(const std::string& key, uint64_t offset, uint64_t length,
               const Sink& sink) override {
    // A zero-length read still asks for one byte, so a missing object is still NotFound.
    if (length == 0) return GetRange(key, offset, 0).status();
    BodySink body;
    body.sink = &sink;
    body.limit = length == kToEnd ? kToEnd : length;
    std::string etag;  // of the first answer: a resumed attempt must read the same object
    const int attempts = std::max(0, options_.max_retries) + 1;
    std::string last_cause;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) Backoff(attempt);
      const uint64_t start = offset + body.delivered;
      HttpRequest req;
      req.url = ObjectUrl(key);
      if (start != 0 || length != kToEnd) {
        std::string range = "Range: bytes=" + std::to_string(start) + "-";
        if (length != kToEnd) range += std::to_string(offset + length - 1);
        req.headers.push_back(std::move(range));
      }
      if (!etag.empty()) req.headers.push_back("If-Match: " + IfMatchValue(etag));
      HttpResponse r;
      r.sink = &body;
      // A 200 answer to a ranged request (a server that ignores Range) starts at byte 0.
      body.skip = start;
      Perform(req, &r);
      if (!body.error.ok()) return body.error;
      if (etag.empty() && body.delivered > 0) etag = r.etag;
      if (r.curl != CURLE_OK) {
        last_cause = r.curl_error;
        if (!IsTransient(r.curl)) return Status::IOError(What("GET", key) + ": " + last_cause);
        continue;  // the next attempt resumes after the last byte delivered
      }
      if (IsTransient(r)) {
        last_cause = DescribeHttp(r);
        continue;
      }
      if (IsMissingKey(r)) return Status::NotFound(What("GET", key) + ": no such object");
      // 416: the range starts at or after the end of the object (nothing, or nothing more).
      if (r.status == 416) return Status::OK();
      if (r.status == 412) {
        return Status::IOError(What("GET", key) + ": the object changed while it was read");
      }
      if (r.status != 200 && r.status != 206) return Unexpected("GET", key, r);
      return Status::OK();
    }
    return Status::IOError(What("GET", key) + ": gave up after " + std::to_string(attempts) +
                           " attempt" + (attempts == 1 ? "" : "s") + "; last: " + last_cause);
  }

  Result<std::vector<ObjectInfo>> List(const std::string& prefix) override {
    std::vector<ObjectInfo> all;
    std::string token;
    for (;;) {
      std::vector<std::pair<std::string, std::string>> q = {
          {"list-type", "2"},
          {"max-keys", "1000"},
          {"prefix", prefix_ + prefix},
          // Keys may hold bytes XML 1.0 cannot carry; url-encoded they always can.
          {"encoding-type", "url"},
      };
      if (!token.empty()) q.emplace_back("continuation-token", token);
      HttpRequest req;
      req.url = bucket_url_ + "/?" + s3::QueryString(std::move(q));
      auto r = Execute(req);
      if (!r.ok()) return r.status();
      if (r->status != 200) return Unexpected("LIST", prefix, *r);
      auto page = s3::ParseListObjectsV2(r->body);
      if (!page.ok()) return page.status().WithContext(Url() + ": LIST " + prefix);
      for (ObjectInfo& o : page->objects) {
        if (o.key.compare(0, prefix_.size(), prefix_) != 0) {
          return Status::Corruption(Url() + ": LIST " + prefix + " returned \"" + o.key +
                                    "\", outside the store's prefix");
        }
        o.key.erase(0, prefix_.size());
        all.push_back(std::move(o));
      }
      if (!page->truncated) break;
      token = std::move(page->next_token);
    }
    // S3 lists in UTF-8 binary order, which is byte order; sorting again costs little and keeps
    // the promise for stores that differ.
    std::sort(all.begin(), all.end(),
              [](const ObjectInfo& a, const ObjectInfo& b) { return a.key < b.key; });
    return all;
  }

  Status Delete(const std::string& key) override {
    HttpRequest req;
    req.method = "DELETE";
    req.url = ObjectUrl(key);
    auto r = Execute(req);
    if (!r.ok()) return r.status();
    // S3 answers 204 whether or not the key existed; some stores say 404.
    if (r->status == 204 || r->status == 200 || IsMissingKey(*r)) return Status::OK();
    return Unexpected("DELETE", key, *r);
  }

  std::string Url() const override { return "s3://" + bucket_ + "/" + prefix_; }

  // PUT Bucket; OK when it exists already and is ours.
  Status CreateBucket() {
    HttpRequest req;
    req.method = "PUT";
    req.url = bucket_url_;
    // us-east-1 is the default location and refuses to be named.
    std::string body;
    if (options_.region != "us-east-1") {
      body =
          "<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
          "<LocationConstraint>" +
          options_.region + "</LocationConstraint></CreateBucketConfiguration>";
    }
    req.body = body;
    auto r = Execute(req);
    if (!r.ok()) return r.status();
    if (r->status == 200) return Status::OK();
    if (r->status == 409 && s3::ParseErrorBody(r->body).code == "BucketAlreadyOwnedByYou") {
      return Status::OK();
    }
    return Status::IOError("PUT bucket " + bucket_ + ": " + DescribeHttp(*r));
  }

 private:
  std::string ObjectUrl(const std::string& key) const {
    return bucket_url_ + "/" + s3::UriEncode(prefix_ + key, true);
  }
  std::string What(std::string_view op, const std::string& key) const {
    return Url() + ": " + std::string(op) + " " + key;
  }
  static std::string ConditionText(const PutCondition& c) {
    return c.kind == PutCondition::Kind::kIfAbsent ? "exists (If-None-Match: *)"
                                                   : "changed (If-Match " + c.etag + ")";
  }
  // An answer none of the callers expects: credentials (403), a missing bucket, a bad request.
  Status Unexpected(std::string_view op, const std::string& key, const HttpResponse& r) const {
    std::string msg = What(op, key) + ": " + DescribeHttp(r);
    if (r.status == 401 || r.status == 403) {
      msg += "; check AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and the clock";
    }
    return Status::IOError(msg);
  }

  // One attempt. Fills `out`; never fails otherwise.
  void Perform(const HttpRequest& req, HttpResponse* out) {
    CURL* h = pool_.Acquire();
    if (h == nullptr) {
      out->curl = CURLE_OUT_OF_MEMORY;
      out->curl_error = "curl_easy_init failed";
      return;
    }
    char error[CURL_ERROR_SIZE] = {0};
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "x-amz-content-sha256: UNSIGNED-PAYLOAD");
    if (!options_.session_token.empty()) {
      headers =
          curl_slist_append(headers, ("x-amz-security-token: " + options_.session_token).c_str());
    }
    for (const std::string& hd : req.headers) headers = curl_slist_append(headers, hd.c_str());

    curl_easy_setopt(h, CURLOPT_URL, req.url.c_str());
    // Keys may contain "./" and "../"; libcurl must not normalise them away.
    curl_easy_setopt(h, CURLOPT_PATH_AS_IS, 1L);
    curl_easy_setopt(h, CURLOPT_AWS_SIGV4, sigv4_.c_str());
    curl_easy_setopt(h, CURLOPT_USERNAME, options_.access_key_id.c_str());
    curl_easy_setopt(h, CURLOPT_PASSWORD, options_.secret_access_key.c_str());
    curl_easy_setopt(h, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
    // Worker threads: no SIGALRM for DNS timeouts.
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
    // "No bytes moved for request_timeout_ms": below 1 byte/s for that long (whole seconds is
    // libcurl's granularity). A slow but moving transfer of a big object is not cut off.
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
    curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME,
                     static_cast<long>(std::max(1, (options_.request_timeout_ms + 999) / 1000)));
    curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnBody);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, out);
    if (out->sink != nullptr) {
      out->handle = h;
      // Bigger pieces for a streamed object: fewer callbacks, and fewer writes by the sink.
      curl_easy_setopt(h, CURLOPT_BUFFERSIZE, kStreamBufferBytes);
    }
    curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, &OnHeader);
    curl_easy_setopt(h, CURLOPT_HEADERDATA, out);
    if (std::strcmp(req.method, "PUT") == 0) {
      // The body goes as "POST fields" under a PUT verb, not as an upload: libcurl 7.88 puts
      // "Expect: 100-continue" before every upload (a round trip each, and R2 never answers it)
      // but before POST fields only above 1 MiB, and it resends POST fields by itself when a
      // kept-alive connection turns out dead. The usual "Expect:" header that would remove it
      // cannot be used: libcurl signs that empty header without sending it and the server
      // answers SignatureDoesNotMatch. Above 1 MiB the body follows the Expect at once instead
      // of waiting for a 100 that may never come.
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, "PUT");
      curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(req.body.size()));
      curl_easy_setopt(h, CURLOPT_POSTFIELDS, req.body.empty() ? "" : req.body.data());
      curl_easy_setopt(h, CURLOPT_EXPECT_100_TIMEOUT_MS, 0L);
      // Otherwise libcurl would call the body a form (application/x-www-form-urlencoded).
      headers = curl_slist_append(headers, "Content-Type: application/octet-stream");
    } else if (std::strcmp(req.method, "GET") != 0) {
      curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, req.method);
    }
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

    out->curl = curl_easy_perform(h);
    if (out->curl == CURLE_OK) {
      curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &out->status);
    } else {
      out->curl_error = error[0] != '\0' ? error : curl_easy_strerror(out->curl);
    }
    curl_slist_free_all(headers);
    pool_.Release(h);
  }

  // Runs `req` until it gets an answer that is not transient, retrying up to max_retries times
  // with exponential backoff and full jitter (so retrying clients do not march in step). The
  // result is an HTTP answer for the caller to interpret, or an IOError naming the URL, the number
  // of attempts and the last cause.
  Result<HttpResponse> Execute(const HttpRequest& req) {
    const int attempts = std::max(0, options_.max_retries) + 1;
    std::string last_cause;
    for (int attempt = 0; attempt < attempts; ++attempt) {
      if (attempt > 0) Backoff(attempt);
      HttpResponse r;
      Perform(req, &r);
      if (r.curl != CURLE_OK) {
        last_cause = r.curl_error;
        if (!IsTransient(r.curl)) {
          return Status::IOError(std::string(req.method) + " " + req.url + ": " + last_cause);
        }
        continue;
      }
      if (IsTransient(r)) {
        last_cause = DescribeHttp(r);
        continue;
      }
      return r;
    }
    return Status::IOError(std::string(req.method) + " " + req.url + ": gave up after " +
                           std::to_string(attempts) + " attempt" + (attempts == 1 ? "" : "s") +
                           "; last: " + last_cause);
  }

  static void Backoff(int attempt) {
    // 50 ms, 100 ms, 200 ms ... capped at 5 s; the sleep is uniform in [delay/2, delay].
    constexpr int64_t kBaseMs = 50, kCapMs = 5000;
    const int64_t delay = std::min(kCapMs, kBaseMs << std::min(attempt - 1, 16));
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::uniform_int_distribution<int64_t> jitter(delay / 2, delay);
    std::this_thread::sleep_for(std::chrono::milliseconds(jitter(rng)));
  }

  const std::string bucket_;
  const std::string prefix_;
  const std::string bucket_url_;
  const ObjectStoreOptions options_;
  const std::string sigv4_;
  HandlePool pool_;
};

Result<std::unique_ptr<S3ObjectStore>> MakeStore(const std::string& bucket,
                                                 const std::string& prefix,
                                                 const ObjectStoreOptions& options) {
  GlobalInitOnce();
  if (bucket.empty()) return Status::InvalidArgument("S3 store: empty bucket name");
  if (!prefix.empty() && prefix.back() != '/') {
    return Status::InvalidArgument("S3 store: prefix \"" + prefix + "\" does not end in '/'");
  }
  auto url = s3::BucketUrl(options, bucket);
  if (!url.ok()) return url.status();
  return std::make_unique<S3ObjectStore>(bucket, prefix, std::move(url).value(), options);
}

}  // namespace

Result<std::unique_ptr<ObjectStore>> NewS3ObjectStore(const std::string& bucket,
                                                      const std::string& prefix,
                                                      const ObjectStoreOptions& options) {
  auto store = MakeStore(bucket, prefix, options);
  if (!store.ok()) return store.status();
  return std::unique_ptr<ObjectStore>(std::move(store).value());
}

Status CreateS3Bucket(const std::string& bucket, const ObjectStoreOptions& options) {
  auto store = MakeStore(bucket, "", options);
  if (!store.ok()) return store.status();
  return (*store)->CreateBucket();
}

}  // namespace semble::storage
