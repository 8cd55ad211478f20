// Copyright 2026 The semble Authors.
//
// EtcdClient: etcd v3 through its JSON gateway (`/v3/...` on every member's client port), over
// libcurl. The cluster's consensus lives in etcd; this is only a client: keys and values, atomic
// transactions (compare-and-swap), leases with keep-alive, and watches.
//
// Why the JSON gateway rather than gRPC: etcd 3.4 serves it on every member with the same
// semantics (it forwards to the gRPC service in-process), so the client needs only libcurl, which
// the object store already uses, and no generated code from protos that Debian does not package
// for C++. Watches stream over one long HTTP response, one JSON message per line.
//
// Endpoints: a client is given every member's URL. A request goes to the member that answered
// last; when it cannot be reached the next member is tried. A request that may have reached etcd
// (a timeout after sending) is retried only if it is a read or otherwise safe to repeat (leases:
// a duplicate grant is a lease nobody keeps alive, which expires); a write whose outcome is
// unknown fails with IOError and the caller reads back.
//
// Thread-safe: any number of threads may call one client.

#ifndef SEMBLE_SRC_CLUSTER_ETCD_CLIENT_H_
#define SEMBLE_SRC_CLUSTER_ETCD_CLIENT_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <simdjson.h>

#include "semble/status.h"

namespace semble::cluster {

struct EtcdOptions {
  // Client URLs of the members, e.g. {"http://127.0.0.1:2379", "http://127.0.0.1:22379"}.
  std::vector<std::string> endpoints;
  // One request's bound, per member tried. A cluster without a quorum makes etcd hold writes
  // until its own timeout; this turns that into an error the caller can report.
  int request_timeout_ms = 5000;
  int connect_timeout_ms = 500;
};

// "etcd://h1:2379,h2:2379" (or a comma-separated list of http:// URLs) → member client URLs.
// InvalidArgument on an empty list, another scheme or a host without a port.
Result<std::vector<std::string>> ParseEtcdUrl(std::string_view url);

struct KeyValue {
  std::string key;
  std::string value;
  int64_t create_revision = 0;  // the revision that created the key (0: absent)
  int64_t mod_revision = 0;     // the revision of its last change
  int64_t version = 0;          // changes since creation
  int64_t lease = 0;            // the lease it is attached to, 0 for none
};

struct RangeResult {
  std::vector<KeyValue> kvs;  // ascending by key
  int64_t revision = 0;       // the store's revision the answer reflects
};

// One condition of a transaction.
struct Compare {
  enum class Target { kCreateRevision, kModRevision, kVersion, kValue };
  enum class Op { kEqual, kNotEqual, kLess, kGreater };
  std::string key;
  Target target = Target::kCreateRevision;
  Op op = Op::kEqual;
  int64_t number = 0;  // for the revision and version targets
  std::string value;   // for kValue

  // The key does not exist (it was never created, or deleted since).
  static Compare Absent(std::string key) { return {std::move(key), Target::kCreateRevision, Op::kEqual, 0, ""};
  }
  // The key's last change is revision `rev` (0: the key is absent).
  static Compare ModRevisionIs(std::string key, int64_t rev) {
    return {std::move(key), Target::kModRevision, Op::kEqual, rev, ""};
  }
  static Compare ValueIs(std::string key, std::string value) {
    return {std::move(key), Target::kValue, Op::kEqual, 0, std::move(value)};
  }
};

// One operation of a transaction's branch.
struct TxnOp {
  enum class Kind { kPut, kDelete, kGet };
  Kind kind = Kind::kGet;
  std::string key;
  std::string value;  // kPut
  int64_t lease = 0;  // kPut: attach the key to this lease
  bool prefix = false;  // kDelete, kGet: every key starting with `key`

  static TxnOp Put(std::string key, std::string value, int64_t lease = 0) {
    return {Kind::kPut, std::move(key), std::move(value), lease, false};
  }
  static TxnOp Delete(std::string key) { return {Kind::kDelete, std::move(key), "", 0, false}; }
  static TxnOp Get(std::string key) { return {Kind::kGet, std::move(key), "", 0, false}; }
};

struct TxnResult {
  bool succeeded = false;  // every comparison held: the success branch ran
  int64_t revision = 0;    // the store's revision after the transaction
  // For each kGet of the branch that ran, in order: what it read.
  std::vector<std::vector<KeyValue>> gets;
};

struct WatchEvent {
  enum class Type { kPut, kDelete };
  Type type = Type::kPut;
  KeyValue kv;  // for kDelete: the key and mod_revision (the deletion's revision)
};

class EtcdWatch;

class EtcdClient {
 public:
  explicit EtcdClient(EtcdOptions options);
  ~EtcdClient();
  EtcdClient(const EtcdClient&) = delete;
  EtcdClient& operator=(const EtcdClient&) = delete;

  const EtcdOptions& options() const { return options_; }

  // Puts key = value (attached to `lease` unless 0); returns the revision of the change.
  // NotFound if the lease does not exist (expired or revoked).
  Result<int64_t> Put(const std::string& key, const std::string& value, int64_t lease = 0);
  // The key, or nullopt if absent. Linearizable: reflects every change acknowledged before.
  Result<std::optional<KeyValue>> Get(const std::string& key);
  // Every key starting with `prefix`.
  Result<RangeResult> GetPrefix(const std::string& prefix);
  // Deletes the key; returns how many keys were deleted (0 or 1).
  Result<int64_t> Delete(const std::string& key);
  // If every comparison holds, runs `success`, else `failure`, atomically.
  Result<TxnResult> Txn(const std::vector<Compare>& compares, const std::vector<TxnOp>& success,
                        const std::vector<TxnOp>& failure = {});

  // A lease that expires `ttl_seconds` after its last keep-alive; returns its id.
  Result<int64_t> GrantLease(int64_t ttl_seconds);
  // Renews the lease; returns the seconds it has left. NotFound if it has expired or was revoked:
  // every key attached to it is gone.
  Result<int64_t> KeepAlive(int64_t lease);
  // Ends the lease now and deletes its keys. OK if it had already expired.
  Status RevokeLease(int64_t lease);

  // Calls `on_event` (on the watch's own thread, in revision order) for every change of a key
  // starting with `prefix` from revision `start_revision` on (0: from now). A broken stream is
  // resumed, from another member if need be, after the last revision delivered, so no change is
  // missed or repeated. `on_error` is called (same thread) when the watch cannot go on: the
  // revisions it needs were compacted away; the caller then reads the state again and watches
  // anew. The watch ends when the returned object is destroyed.
  std::unique_ptr<EtcdWatch> Watch(const std::string& prefix, int64_t start_revision,
                                   std::function<void(const WatchEvent&)> on_event,
                                   std::function<void(const Status&)> on_error = nullptr);

 private:
  friend class EtcdWatch;
  enum class Retry { kIfNotSent, kAlways };
  struct Reply;
  // POSTs `body` to `path` on the current member, moving on to the next members as `retry`
  // allows; returns the response body of the first member that answered.
  Result<std::string> Call(const char* path, const std::string& body, Retry retry);
  // Call, then the answer parsed into `parser`'s buffers.
  Result<simdjson::dom::element> CallJson(const char* path, const std::string& body, Retry retry,
                                          simdjson::dom::parser* parser);
  // The key, or every key under the prefix; *revision (if given) gets the answer's revision.
  Result<std::vector<KeyValue>> Range(const std::string& key, bool prefix, int64_t* revision);
  Reply Post(size_t endpoint, const char* path, const std::string& body);
  void* TakeHandle();
  void GiveHandle(void* handle);

  const EtcdOptions options_;
  std::atomic<size_t> current_{0};
  std::mutex handles_mu_;
  std::vector<void*> handles_;  // idle CURL easy handles (keep their connections)
};

class EtcdWatch {
 public:
  ~EtcdWatch();  // stops the stream and joins the thread
  EtcdWatch(const EtcdWatch&) = delete;
  EtcdWatch& operator=(const EtcdWatch&) = delete;

  // The revision of the last event delivered (or start_revision - 1 before any).
  int64_t last_revision() const { return last_revision_.load(); }
  // Whether the stream is open and etcd confirmed the watch (tests wait for it).
  bool connected() const { return connected_.load(); }

 private:
  friend class EtcdClient;
  EtcdWatch(EtcdClient* client, std::string prefix, int64_t start_revision,
            std::function<void(const WatchEvent&)> on_event,
            std::function<void(const Status&)> on_error);
  void Run();
  // Parses one line of the stream; false when the watch must end (compacted, canceled).
  bool OnMessage(std::string_view line);
  static size_t OnData(char* p, size_t size, size_t n, void* self);
  static int OnProgress(void* self, int64_t, int64_t, int64_t, int64_t);

  EtcdClient* const client_;
  const std::string prefix_;
  std::function<void(const WatchEvent&)> on_event_;
  std::function<void(const Status&)> on_error_;
  std::atomic<int64_t> last_revision_;
  std::atomic<bool> connected_{false};
  std::atomic<bool> stop_{false};
  bool ended_ = false;  // the watch thread's: canceled for good
  std::string buffer_;  // the watch thread's: bytes of an incomplete line
  std::thread thread_;
};

}  // namespace semble::cluster

#endif  // SEMBLE_SRC_CLUSTER_ETCD_CLIENT_H_
