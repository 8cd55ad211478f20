// Copyright 2026 The semble Authors.

#include "cluster/etcd_client.h"

#include <curl/curl.h>
#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <chrono>

#include "core/base64.h"
#include "core/json_parse.h"
#include "core/json_writer.h"

namespace semble::cluster {
namespace {

using Clock = std::chrono::steady_clock;

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t Collect(char* p, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(p, size * n);
  return size * n;
}

// The first key after every key that starts with `prefix`: etcd's range_end for a prefix.
std::string PrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty()) {
    auto& c = reinterpret_cast<unsigned char&>(end.back());
    if (c < 0xff) {
      ++c;
      return end;
    }
    end.pop_back();
  }
  return std::string(1, '\0');  // every key
}

// The gateway prints int64 fields as JSON strings ("revision": "12") and leaves out fields that
// hold their default (0, false, empty).
int64_t Int(simdjson::dom::element e, const char* field) {
  simdjson::dom::element v;
  if (e[field].get(v) != simdjson::SUCCESS) return 0;
  if (v.is_int64()) return v.get_int64().value();
  std::string_view s;
  if (v.get_string().get(s) != simdjson::SUCCESS) return 0;
  int64_t out = 0;
  std::from_chars(s.data(), s.data() + s.size(), out);
  return out;
}

std::string Bytes(simdjson::dom::element e, const char* field) {
  std::string_view s;
  std::string out;
  if (e[field].get_string().get(s) == simdjson::SUCCESS) core::Unbase64(s, &out);
  return out;
}

bool Flag(simdjson::dom::element e, const char* field) {
  bool b = false;
  return e[field].get_bool().get(b) == simdjson::SUCCESS && b;
}

KeyValue ParseKv(simdjson::dom::element e) {
  KeyValue kv;
  kv.key = Bytes(e, "key");
  kv.value = Bytes(e, "value");
  kv.create_revision = Int(e, "create_revision");
  kv.mod_revision = Int(e, "mod_revision");
  kv.version = Int(e, "version");
  kv.lease = Int(e, "lease");
  return kv;
}

std::vector<KeyValue> ParseKvs(simdjson::dom::element e) {
  std::vector<KeyValue> out;
  simdjson::dom::array kvs;
  if (e["kvs"].get_array().get(kvs) == simdjson::SUCCESS) {
    for (simdjson::dom::element kv : kvs) out.push_back(ParseKv(kv));
  }
  return out;
}

int64_t HeaderRevision(simdjson::dom::element e) {
  simdjson::dom::element header;
  return e["header"].get(header) == simdjson::SUCCESS ? Int(header, "revision") : 0;
}

Status BadAnswer(const char* path, std::string_view body) {
  return Status::IOError("etcd " + std::string(path) + ": unreadable answer: " +
                         std::string(body.substr(0, 200)));
}


void WriteRange(core::JsonWriter* w, const std::string& key, bool prefix) {
  w->Key("key").String(core::Base64(key));
  if (prefix) w->Key("range_end").String(core::Base64(PrefixEnd(key)));
}

void WriteOp(core::JsonWriter* w, const TxnOp& op) {
  w->BeginObject();
  switch (op.kind) {
    case TxnOp::Kind::kPut:
      w->Key("request_put").BeginObject();
      w->Key("key").String(core::Base64(op.key));
      w->Key("value").String(core::Base64(op.value));
      if (op.lease != 0) w->Key("lease").String(std::to_string(op.lease));
      w->EndObject();
      break;
    case TxnOp::Kind::kDelete:
      w->Key("request_delete_range").BeginObject();
      WriteRange(w, op.key, op.prefix);
      w->EndObject();
      break;
    case TxnOp::Kind::kGet:
      w->Key("request_range").BeginObject();
      WriteRange(w, op.key, op.prefix);
      w->EndObject();
      break;
  }
  w->EndObject();
}

const char* TargetName(Compare::Target t) {
  switch (t) {
    case Compare::Target::kCreateRevision: return "CREATE";
    case Compare::Target::kModRevision: return "MOD";
    case Compare::Target::kVersion: return "VERSION";
    case Compare::Target::kValue: return "VALUE";
  }
  return "CREATE";
}

const char* OpName(Compare::Op op) {
  switch (op) {
    case Compare::Op::kEqual: return "EQUAL";
    case Compare::Op::kNotEqual: return "NOT_EQUAL";
    case Compare::Op::kLess: return "LESS";
    case Compare::Op::kGreater: return "GREATER";
  }
  return "EQUAL";
}

// Transport failures after which the request certainly never reached etcd.
bool NotSent(CURLcode c) {
  return c == CURLE_COULDNT_CONNECT || c == CURLE_COULDNT_RESOLVE_HOST;
}

}  // namespace

Result<std::vector<std::string>> ParseEtcdUrl(std::string_view url) {
  std::vector<std::string> out;
  constexpr std::string_view kScheme = "etcd://";
  const bool etcd_scheme = url.substr(0, kScheme.size()) == kScheme;
  if (etcd_scheme) url.remove_prefix(kScheme.size());
  size_t start = 0;
  while (start <= url.size()) {
    size_t comma = url.find(',', start);
    if (comma == std::string_view::npos) comma = url.size();
    std::string_view member = url.substr(start, comma - start);
    start = comma + 1;
    if (member.empty()) continue;
    std::string_view host = member;
    if (!etcd_scheme) {
      if (host.substr(0, 7) != "http://") {
        return Status::InvalidArgument("etcd endpoint \"" + std::string(member) +
                                       "\": expected etcd://host:port,... or http://host:port");
      }
      host.remove_prefix(7);
    }
    while (!host.empty() && host.back() == '/') host.remove_suffix(1);
    const size_t colon = host.rfind(':');
    uint32_t port = 0;
    if (colon == std::string_view::npos || colon == 0 ||
        std::from_chars(host.data() + colon + 1, host.data() + host.size(), port).ptr !=
            host.data() + host.size() ||
        port == 0 || port > 65535 || host.find('/') != std::string_view::npos) {
      return Status::InvalidArgument("etcd endpoint \"" + std::string(member) +
                                     "\": expected host:port");
    }
    out.push_back("http://" + std::string(host));
  }
  if (out.empty()) return Status::InvalidArgument("etcd: no endpoints in \"" + std::string(url) + "\"");
  return out;
}

struct EtcdClient::Reply {
  CURLcode transport = CURLE_OK;
  long http = 0;
  std::string body;
  std::string error;  // curl's description of a transport failure
};

EtcdClient::EtcdClient(EtcdOptions options) : options_(std::move(options)) { GlobalInitOnce(); }

EtcdClient::~EtcdClient() {
  for (void* h : handles_) curl_easy_cleanup(static_cast<CURL*>(h));
}

void* EtcdClient::TakeHandle() {
  {
    std::lock_guard<std::mutex> lock(handles_mu_);
    if (!handles_.empty()) {
      void* h = handles_.back();
      handles_.pop_back();
      return h;
    }
  }
  return curl_easy_init();
}

void EtcdClient::GiveHandle(void* handle) {
  std::lock_guard<std::mutex> lock(handles_mu_);
  handles_.push_back(handle);
}

EtcdClient::Reply EtcdClient::Post(size_t endpoint, const char* path, const std::string& body) {
  Reply reply;
  CURL* h = static_cast<CURL*>(TakeHandle());
  if (h == nullptr) {
    reply.transport = CURLE_FAILED_INIT;
    reply.error = "curl_easy_init failed";
    return reply;
  }
  curl_easy_reset(h);  // keeps the handle's open connections
  const std::string url = options_.endpoints[endpoint] + path;
  char error[CURL_ERROR_SIZE] = {0};
  curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
  headers = curl_slist_append(headers, "Expect:");
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &Collect);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(options_.request_timeout_ms));
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options_.connect_timeout_ms));
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  reply.transport = curl_easy_perform(h);
  if (reply.transport == CURLE_OK) {
    curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.http);
  } else {
    reply.error = error[0] ? error : curl_easy_strerror(reply.transport);
  }
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_slist_free_all(headers);
  GiveHandle(h);
  return reply;
}

Result<std::string> EtcdClient::Call(const char* path, const std::string& body, Retry retry) {
  if (options_.endpoints.empty()) return Status::InvalidArgument("etcd: no endpoints");
  const size_t n = options_.endpoints.size();
  const size_t first = current_.load();
  std::string failures;
  // Each member once, then each once more: a member that was electing a leader on the first
  // pass usually has one on the second.
  for (size_t attempt = 0; attempt < 2 * n; ++attempt) {
    const size_t endpoint = (first + attempt) % n;
    Reply r = Post(endpoint, path, body);
    if (r.transport == CURLE_OK && r.http == 200) {
      current_.store(endpoint);
      return std::move(r.body);
    }
    std::string what;
    bool may_retry = false;
    if (r.transport != CURLE_OK) {
      what = r.error;
      may_retry = retry == Retry::kAlways || NotSent(r.transport);
    } else {
      // A gRPC error: {"error": "...", "code": N, "message": "..."}. 14 (Unavailable) means
      // this member has no leader or is stopping; anything else is etcd's answer.
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      std::string_view message;
      int64_t code = 0;
      if (core::ParseJson(parser, r.body, &root) == simdjson::SUCCESS) {
        if (root["message"].get_string().get(message) != simdjson::SUCCESS &&
            root["error"].get_string().get(message) != simdjson::SUCCESS) {
          message = {};
        }
        code = Int(root, "code");
      }
      what = message.empty() ? "HTTP " + std::to_string(r.http) : std::string(message);
      if (code == 5 || (r.http == 404 && code == 0)) {
        return Status::NotFound("etcd " + std::string(path) + ": " + what);
      }
      if (code != 14 && r.http != 503) {
        return Status::FailedPrecondition("etcd " + std::string(path) + ": " + what);
      }
      may_retry = retry == Retry::kAlways;
    }
    failures += (failures.empty() ? "" : "; ") + options_.endpoints[endpoint] + ": " + what;
    if (!may_retry) {
      return Status::IOError("etcd " + std::string(path) +
                             ": no answer, the change may or may not have been made (" +
                             failures + ")");
    }
    if (attempt + 1 == n) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return Status::IOError("etcd " + std::string(path) + ": no member answered (" + failures + ")");
}

Result<simdjson::dom::element> EtcdClient::CallJson(const char* path, const std::string& body,
                                                   Retry retry, simdjson::dom::parser* parser) {
  SEMBLE_ASSIGN_OR_RETURN(std::string answer, Call(path, body, retry));
  simdjson::dom::element root;
  if (core::ParseJson(*parser, answer, &root) != simdjson::SUCCESS) return BadAnswer(path, answer);
  return root;
}

namespace {

// The body of a range or delete-range request: a key, or every key under it.
std::string RangeBody(const std::string& key, bool prefix) {
  core::JsonWriter w;
  w.BeginObject();
  WriteRange(&w, key, prefix);
  w.EndObject();
  return w.Take();
}

}  // namespace

Result<std::vector<KeyValue>> EtcdClient::Range(const std::string& key, bool prefix,
                                                int64_t* revision) {
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(
      simdjson::dom::element root,
      CallJson("/v3/kv/range", RangeBody(key, prefix), Retry::kAlways, &parser));
  if (revision != nullptr) *revision = HeaderRevision(root);
  return ParseKvs(root);
}

Result<int64_t> EtcdClient::Put(const std::string& key, const std::string& value, int64_t lease) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("key").String(core::Base64(key));
  w.Key("value").String(core::Base64(value));
  if (lease != 0) w.Key("lease").String(std::to_string(lease));
  w.EndObject();
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(simdjson::dom::element root,
                          CallJson("/v3/kv/put", w.str(), Retry::kIfNotSent, &parser));
  return HeaderRevision(root);
}

Result<RangeResult> EtcdClient::GetPrefix(const std::string& prefix) {
  RangeResult out;
  SEMBLE_ASSIGN_OR_RETURN(out.kvs, Range(prefix, /*prefix=*/true, &out.revision));
  return out;
}

Result<std::optional<KeyValue>> EtcdClient::Get(const std::string& key) {
  SEMBLE_ASSIGN_OR_RETURN(std::vector<KeyValue> kvs, Range(key, /*prefix=*/false, nullptr));
  if (kvs.empty()) return std::optional<KeyValue>();
  return std::optional<KeyValue>(std::move(kvs.front()));
}

Result<int64_t> EtcdClient::Delete(const std::string& key) {
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(simdjson::dom::element root,
                          CallJson("/v3/kv/deleterange", RangeBody(key, /*prefix=*/false),
                                   Retry::kIfNotSent, &parser));
  return Int(root, "deleted");
}

Result<TxnResult> EtcdClient::Txn(const std::vector<Compare>& compares,
                                  const std::vector<TxnOp>& success,
                                  const std::vector<TxnOp>& failure) {
  core::JsonWriter w;
  w.BeginObject();
  w.Key("compare").BeginArray();
  for (const Compare& c : compares) {
    w.BeginObject();
    w.Key("key").String(core::Base64(c.key));
    w.Key("target").String(TargetName(c.target));
    w.Key("result").String(OpName(c.op));
    switch (c.target) {
      case Compare::Target::kCreateRevision:
        w.Key("create_revision").String(std::to_string(c.number));
        break;
      case Compare::Target::kModRevision:
        w.Key("mod_revision").String(std::to_string(c.number));
        break;
      case Compare::Target::kVersion:
        w.Key("version").String(std::to_string(c.number));
        break;
      case Compare::Target::kValue:
        w.Key("value").String(core::Base64(c.value));
        break;
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("success").BeginArray();
  for (const TxnOp& op : success) WriteOp(&w, op);
  w.EndArray();
  w.Key("failure").BeginArray();
  for (const TxnOp& op : failure) WriteOp(&w, op);
  w.EndArray();
  w.EndObject();
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(simdjson::dom::element root,
                          CallJson("/v3/kv/txn", w.str(), Retry::kIfNotSent, &parser));
  TxnResult out;
  out.succeeded = Flag(root, "succeeded");
  out.revision = HeaderRevision(root);
  simdjson::dom::array responses;
  if (root["responses"].get_array().get(responses) == simdjson::SUCCESS) {
    for (simdjson::dom::element r : responses) {
      simdjson::dom::element range;
      if (r["response_range"].get(range) == simdjson::SUCCESS) out.gets.push_back(ParseKvs(range));
    }
  }
  return out;
}

Result<int64_t> EtcdClient::GrantLease(int64_t ttl_seconds) {
  if (ttl_seconds <= 0) return Status::InvalidArgument("etcd lease: ttl must be positive");
  core::JsonWriter w;
  w.BeginObject().Key("TTL").Int(ttl_seconds).Key("ID").Int(0).EndObject();
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(simdjson::dom::element root,
                          CallJson("/v3/lease/grant", w.str(), Retry::kAlways, &parser));
  std::string_view error;
  if (root["error"].get_string().get(error) == simdjson::SUCCESS) {
    return Status::FailedPrecondition("etcd lease grant: " + std::string(error));
  }
  const int64_t id = Int(root, "ID");
  if (id == 0) return Status::IOError("etcd lease grant: the answer names no lease");
  return id;
}

Result<int64_t> EtcdClient::KeepAlive(int64_t lease) {
  core::JsonWriter w;
  w.BeginObject().Key("ID").String(std::to_string(lease)).EndObject();
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(simdjson::dom::element root,
                          CallJson("/v3/lease/keepalive", w.str(), Retry::kAlways, &parser));
  simdjson::dom::element result;
  if (root["result"].get(result) != simdjson::SUCCESS) {
    return Status::IOError("etcd keepalive: the answer has no result");
  }
  // An expired or revoked lease answers with no TTL (0).
  const int64_t ttl = Int(result, "TTL");
  if (ttl <= 0) return Status::NotFound("etcd lease " + std::to_string(lease) + " has expired");
  return ttl;
}

Status EtcdClient::RevokeLease(int64_t lease) {
  core::JsonWriter w;
  w.BeginObject().Key("ID").String(std::to_string(lease)).EndObject();
  auto body = Call("/v3/kv/lease/revoke", w.str(), Retry::kAlways);
  if (!body.ok() && !body.status().IsNotFound()) return body.status();
  return Status::OK();
}

std::unique_ptr<EtcdWatch> EtcdClient::Watch(const std::string& prefix, int64_t start_revision,
                                             std::function<void(const WatchEvent&)> on_event,
                                             std::function<void(const Status&)> on_error) {
  return std::unique_ptr<EtcdWatch>(new EtcdWatch(this, prefix, start_revision, std::move(on_event),
                                                  std::move(on_error)));
}

EtcdWatch::EtcdWatch(EtcdClient* client, std::string prefix, int64_t start_revision,
                     std::function<void(const WatchEvent&)> on_event,
                     std::function<void(const Status&)> on_error)
    : client_(client),
      prefix_(std::move(prefix)),
      on_event_(std::move(on_event)),
      on_error_(std::move(on_error)),
      last_revision_(start_revision - 1) {
  thread_ = std::thread([this] { Run(); });
}

EtcdWatch::~EtcdWatch() {
  stop_.store(true);
  thread_.join();
}

size_t EtcdWatch::OnData(char* p, size_t size, size_t n, void* self) {
  auto* w = static_cast<EtcdWatch*>(self);
  w->buffer_.append(p, size * n);
  size_t start = 0;
  for (size_t nl; (nl = w->buffer_.find('\n', start)) != std::string::npos; start = nl + 1) {
    if (!w->OnMessage(std::string_view(w->buffer_).substr(start, nl - start))) {
      w->ended_ = true;
      return 0;  // aborts the transfer
    }
  }
  w->buffer_.erase(0, start);
  return size * n;
}

int EtcdWatch::OnProgress(void* self, int64_t, int64_t, int64_t, int64_t) {
  return static_cast<EtcdWatch*>(self)->stop_.load() ? 1 : 0;
}

bool EtcdWatch::OnMessage(std::string_view line) {
  if (line.empty()) return true;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::element result;
  if (core::ParseJson(parser, line, &root) != simdjson::SUCCESS) return true;
  if (root["result"].get(result) != simdjson::SUCCESS) {
    // {"error": {...}}: the stream is over; Run resumes it.
    return true;
  }
  if (Flag(result, "created")) {
    // A watch from "now" resumes after the revision it was created at, so a broken stream
    // misses nothing that happened after creation.
    if (last_revision_.load() < 0) last_revision_.store(HeaderRevision(result));
    connected_.store(true);
  }
  const int64_t compacted = Int(result, "compact_revision");
  if (Flag(result, "canceled") || compacted > 0) {
    if (on_error_) {
      std::string_view reason;
      if (result["cancel_reason"].get_string().get(reason) != simdjson::SUCCESS) reason = "";
      on_error_(compacted > 0
                    ? Status::FailedPrecondition("etcd watch on \"" + prefix_ +
                                                 "\": revisions before " +
                                                 std::to_string(compacted) + " were compacted")
                    : Status::FailedPrecondition("etcd watch on \"" + prefix_ +
                                                 "\" was canceled: " + std::string(reason)));
    }
    return false;
  }
  simdjson::dom::array events;
  if (result["events"].get_array().get(events) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : events) {
      WatchEvent event;
      std::string_view type;
      if (e["type"].get_string().get(type) == simdjson::SUCCESS && type == "DELETE") {
        event.type = WatchEvent::Type::kDelete;
      }
      simdjson::dom::element kv;
      if (e["kv"].get(kv) == simdjson::SUCCESS) event.kv = ParseKv(kv);
      // A resumed stream starts after the last revision delivered; never deliver one twice.
      if (event.kv.mod_revision <= last_revision_.load()) continue;
      last_revision_.store(event.kv.mod_revision);
      on_event_(event);
    }
  }
  return true;
}

void EtcdWatch::Run() {
  const size_t n = client_->options_.endpoints.size();
  size_t endpoint = client_->current_.load();
  while (!stop_.load() && !ended_ && n > 0) {
    CURL* h = curl_easy_init();
    if (h == nullptr) break;
    core::JsonWriter w;
    w.BeginObject().Key("create_request").BeginObject();
    WriteRange(&w, prefix_, true);
    if (last_revision_.load() >= 0) w.Key("start_revision").String(std::to_string(last_revision_.load() + 1));
    w.EndObject().EndObject();
    const std::string body = w.str();
    const std::string url = client_->options_.endpoints[endpoint % n] + "/v3/watch";
    buffer_.clear();
    curl_slist* headers = curl_slist_append(nullptr, "Content-Type: application/json");
    curl_easy_setopt(h, CURLOPT_URL, url.c_str());
    curl_easy_setopt(h, CURLOPT_POST, 1L);
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
    curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &EtcdWatch::OnData);
    curl_easy_setopt(h, CURLOPT_WRITEDATA, this);
    curl_easy_setopt(h, CURLOPT_NOPROGRESS, 0L);
    curl_easy_setopt(h, CURLOPT_XFERINFOFUNCTION, &EtcdWatch::OnProgress);
    curl_easy_setopt(h, CURLOPT_XFERINFODATA, this);
    curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS,
                     static_cast<long>(client_->options_.connect_timeout_ms));
    // A member that vanishes without closing the connection (a dead host) is noticed by TCP
    // keep-alive probes.
    curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPIDLE, 5L);
    curl_easy_setopt(h, CURLOPT_TCP_KEEPINTVL, 2L);
    curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_perform(h);
    connected_.store(false);
    curl_slist_free_all(headers);
    curl_easy_cleanup(h);
    if (stop_.load() || ended_) break;
    // The stream broke (the member died or restarted): resume on the next member after a pause
    // that does not hold up destruction.
    ++endpoint;
    for (int i = 0; i < 10 && !stop_.load(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
}

}  // namespace semble::cluster
