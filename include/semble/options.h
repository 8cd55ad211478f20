// Copyright 2026 The semble Authors.
//
// Options for opening a database, the limits it enforces, and the configuration of an index.
// Defaults follow Cloudflare Vectorize's documented limits so that what works here works there.

#ifndef SEMBLE_INCLUDE_SEMBLE_OPTIONS_H_
#define SEMBLE_INCLUDE_SEMBLE_OPTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "semble/object_store.h"
#include "semble/status.h"

namespace semble {

class Env;
class ModelRegistry;

// How a query scores vectors; fixed when the index is created.
enum class Metric {
  kCosine,      // score = cosine similarity in [-1, 1]; higher is closer
  kEuclidean,   // score = L2 distance; lower is closer
  kDotProduct,  // score = -(a . b), so that, as in Vectorize, lower is closer
};

// "cosine", "euclidean", "dot-product".
std::string_view MetricName(Metric metric);
Result<Metric> ParseMetric(std::string_view name);
// True when a higher score means a closer vector (cosine only).
inline bool HigherIsCloser(Metric metric) { return metric == Metric::kCosine; }

// When an acknowledged write is on disk.
enum class SyncMode {
  // Default. A write is acknowledged after an fsync of the WAL that covers it; writers that arrive
  // while an fsync is under way share the next one (group commit), so throughput grows with
  // concurrency at no cost in durability.
  kGroupCommit,
  // Every mutation gets its own WAL append and fsync; no batching. Slower under concurrency; for
  // comparisons and for users who want one fsync per mutation in their traces.
  kPerWrite,
  // No fsync at all: an acknowledged write survives a process crash (it is in the OS page cache)
  // but
  // not a power loss or kernel crash. For bulk loads that can be redone.
  kNone,
};

struct Limits {
  uint32_t max_dimensions = 1536;
  size_t max_id_bytes = 64;
  size_t max_namespace_bytes = 64;
  size_t max_index_name_bytes = 64;
  size_t max_description_bytes = 1024;
  size_t max_metadata_bytes = 10 * 1024;    // compact JSON of one record's metadata
  size_t max_filter_bytes = 2048;           // compact JSON of a query filter
  size_t max_metadata_indexes = 10;         // per index
  size_t metadata_index_string_bytes = 64;  // a string property is indexed on its first 64 bytes
  uint32_t max_top_k = 100;
  uint32_t max_top_k_with_data = 20;  // with returnValues or returnMetadata "all"
  uint32_t max_list_count = 1000;
  size_t max_batch_vectors = 5000;  // records per insert/upsert call
  // Extension: the longest ttl of a record or an index default (10 years, in seconds).
  int64_t max_ttl_seconds = 10ll * 365 * 24 * 3600;
  // Extension: the most bytes of one record's text (semble/record.h).
  size_t max_text_bytes = 64 * 1024;
};

struct DatabaseOptions {
  // Create the data directory if it does not exist.
  bool create_if_missing = true;
  SyncMode sync_mode = SyncMode::kGroupCommit;
  Limits limits;
  // A checkpoint is written when an index's WAL grows past the larger of checkpoint_wal_bytes
  // and checkpoint_wal_ratio × the size of the index's last checkpoint segment (on a background
  // thread, after the write that crossed it is acknowledged; writes queue behind it), and on
  // Close. Each checkpoint rewrites the whole index, so with a fixed threshold a bulk load's
  // checkpoints write bytes that grow with the square of its size (a 1.5 GB index loaded in
  // 64 MiB steps writes ~18 GB of segments); with the threshold in proportion they total about
  // (1 + r) / r times the final size. The price: a crash leaves up to that fraction of the index
  // in the log for the next open to replay. A ratio of 0 keeps the threshold fixed.
  uint64_t checkpoint_wal_bytes = 64ull << 20;
  double checkpoint_wal_ratio = 0.5;
  // Write a checkpoint of every index with a non-empty WAL when the database is closed, so that the
  // next Open reads one segment instead of replaying the log.
  bool checkpoint_on_close = true;
  // Repair mode (`semble vectorize repair`): a write-ahead log damaged in the middle, or followed
  // by a gap, no longer makes its index unavailable. The index keeps every mutation before the
  // damage; the damaged log is copied whole to "damaged-<name>" in the index directory and every
  // later log is renamed so, and RecoveryLog() says how many bytes were set aside. Acknowledged
  // writes after the damage are lost from the index (they remain in the set-aside files), which is
  // why this is off by default. Damage to a segment or manifest is not repairable this way.
  bool repair_damaged_logs = false;
  // All file I/O goes through this Env; nullptr means Env::Default(). Not owned.
  Env* env = nullptr;
  // The models that embed the text of indexes bound to a model (semble/model_registry.h). Not
  // owned; share one with the rest of the process (a server's embedding endpoints) so each model
  // is loaded once. nullptr: the database makes its own over DefaultModelsDir(path), loading a
  // model only when text first arrives.
  ModelRegistry* models = nullptr;
  // The index type of indexes created without one (IndexConfig::index_type). "auto" is "hnsw"
  // below 256 dimensions and "hnsw,lb8" (the same results, ~1.2-1.4x the queries/s, +1 byte per
  // dimension of memory) from 256 on; the index stores the type it chose.
  std::string default_index_type = "auto";
  // An approximate index answers queries exactly (scanning every vector) while it holds fewer than
  // this many vectors: at that size a scan is as fast as the graph, and exact. 0 = always use the
  // graph.
  uint32_t exact_search_below = 10000;
  // Extension: an insert or upsert into an approximate index waits (it is not refused) while
  // the index holds more than this many bytes of vectors that its background graph builder has
  // not linked yet (Index::Info's unindexed_vectors x dimensions x 4). That backlog is memory,
  // and every query scans it exactly, so a builder slower than the writes must slow them down;
  // bursts below the bound are acknowledged at the speed of the log and linked afterwards. The
  // bound is soft by at most the writes that pass the check together (one batch per concurrent
  // writer). A recovery can leave a larger backlog (the log since the last checkpoint: up to
  // checkpoint_wal_ratio of the index): writers do not wait for that one; the bound starts there
  // and comes down to this value as the builder links it. 0 = no bound.
  uint64_t max_unindexed_bytes = 128ull << 20;

  // Extension: the durable home of the database, an object store (semble/object_store.h):
  // "s3://bucket/prefix" (credentials and endpoint from `store_options`, by default from the
  // AWS_* environment variables) or "file:///path". "" (the default) keeps everything in the
  // local directory. With a store, the local directory is a cache: deleting it loses nothing, and
  // Open on an empty one reads every index back from the store. A write is acknowledged once its
  // log object is in the store; checkpoints upload segments and commit a manifest there.
  std::string store_url = "";
  // The store itself, instead of store_url (tests, custom stores). Not owned.
  ObjectStore* store = nullptr;
  // Used for store_url; unset means ObjectStoreOptions::FromEnvironment().
  std::optional<ObjectStoreOptions> store_options;
  // With a store: a write waits up to this long for other writes to share its log object (one
  // PUT per group, not per write). 0 writes at once (groups still form behind a slow PUT).
  uint32_t group_commit_window_us = 2000;
  // With a store: objects that no manifest younger than this needs are deleted after a
  // checkpoint; a process that opened an older state has this long to read it.
  int64_t store_gc_grace_ms = 10 * 60 * 1000;
  // With a store: a segment larger than store_get_part_bytes is downloaded as up to
  // store_parallel_gets ranged GETs at once, each written into its place in the cache file (on
  // loopback radosgw 2-4 streams fetched a 323 MB object in 1.7-2.2 s instead of 2.6-2.9 s).
  int store_parallel_gets = 4;
  uint64_t store_get_part_bytes = 32ull << 20;
  // Every write (records, indexes, metadata indexes, checkpoints) fails with FailedPrecondition.
  // With a store, opening writes nothing to it, so a reader can run beside the store's writer
  // (a writer's open fences out the previous writer). The directory is still locked.
  bool read_only = false;
  // With a store: whether opening an index takes over its writes, fencing out the previous writer
  // (the default: one process owns the database). false opens every index as a reader that
  // writes nothing to the store: its writes fail with reason kNotWriter, Database::SyncWithStore
  // brings it up to date with the writer, and Database::TakeOverWrites makes this process the
  // writer of one index. Creating and deleting indexes still works (the catalogue commits by
  // conditional writes). A cluster node opens its database this way; etcd decides who writes.
  bool store_take_over_writes = true;
  // Extension (record expiry, semble/record.h): how often a background thread deletes the records
  // whose expiry has passed, with one logged mutation per index that holds any. 0 = never in the
  // background (Database::PurgeExpired still does). Expired records are invisible either way;
  // purging only frees their space.
  uint32_t expiry_purge_interval_ms = 1000;
};

// Extension: the full-text (BM25 keyword) index of an index, for keyword and hybrid queries
// (QueryRequest::mode). A record's document is its `text` (semble/record.h) followed by the
// string values (strings and arrays of strings) of the metadata properties named in `fields`.
// Analysis: Unicode NFKC with case folding, word boundaries, Hangul/Han/Kana runs as overlapping
// character bigrams, and for language "english" the Snowball English stemmer and English stop
// words ("none": neither). Scoring: BM25 with k1 and b.
struct TextIndexConfig {
  bool enabled = false;
  // Metadata properties, top-level ("title") or nested ("source.title"), at most 8.
  std::vector<std::string> fields;
  std::string language = "english";  // "english" or "none"
  float k1 = 1.2f;                    // 0..10
  float b = 0.75f;                    // 0..1

  bool operator==(const TextIndexConfig&) const = default;
};

struct IndexConfig {
  uint32_t dimensions = 0;
  Metric metric = Metric::kCosine;
  // How vectors are searched, fixed at creation: "flat" (exact), "hnsw" (approximate graph, exact
  // scores), "hnsw,sq8" / "hnsw,bq" (graph walked on int8 / binary codes, results rescored on the
  // float32 vectors), "hnsw,lb8" ("hnsw"'s results, most candidates ruled out on int8 codes
  // without reading their floats), with optional parameters: "hnsw,m=32,efc=400,ef=100"; "auto"
  // (see DatabaseOptions::default_index_type). "" takes DatabaseOptions::default_index_type.
  // Describe() returns the canonical form, never "auto".
  std::string index_type = "";
  // Extension: the embedding model whose vectors the index holds (a model id as in `semble model
  // list`) and its pooling ("mean" or "cls"); both "" for an index of caller-made vectors. Fixed
  // at creation, so a server can embed texts for the index and refuse another model's vectors.
  std::string embedding_model = "";
  std::string embedding_pooling = "";
  // Extension: a record schema (semble/record_schema.h) that turns structured records into this
  // index's vectors; "" for none. Stored in canonical form; dimensions must equal the schema's.
  std::string schema_json = "";
  // Extension: the ttl, in seconds, of records written without one (semble/record.h); 0 = they
  // never expire. 0..Limits::max_ttl_seconds; fixed at creation.
  int64_t default_ttl_seconds = 0;
  // Extension: the settings of the semantic cache (semble/semantic_cache.h) this index stores, as
  // JSON; "" for an ordinary index. The database keeps it for the cache and does not read it.
  std::string cache_json = "";
  // Extension: the most bytes of one record's metadata (compact JSON), when larger than
  // Limits::max_metadata_bytes; 0 = that limit. Caches raise it for their stored responses.
  // At most 1 MiB.
  uint64_t max_metadata_bytes = 0;
  // Extension: the full-text index. Set at creation or later with Index::ConfigureTextIndex
  // (which indexes the records already stored); Describe() returns the current one.
  TextIndexConfig text_index;
  // Extension: how many shards hold the index's records, 1..64, fixed at creation. A record lives
  // in shard ShardOf(id, shards) (semble/database.h). Each shard has its own log and, in a
  // cluster, its own writer; queries search every shard and merge. With more than one shard,
  // keyword, hybrid and grouped queries are refused (a shard's BM25 statistics and groups are
  // its own), and a write whose records span shards is atomic per shard, not as a whole.
  uint32_t shards = 1;
};

}  // namespace semble

#endif  // SEMBLE_INCLUDE_SEMBLE_OPTIONS_H_
