// Copyright 2026 The semble Authors.
//
// semble serve [--host 127.0.0.1] [--port 8080] [--models DIR] [--model ID]... [--alias A=ID]...
//              [--tokens-file FILE] [--insecure] [--max-body-bytes N] [--threads N]
//              [--io-threads N] [--header-timeout-ms N] [--body-timeout-ms N]
//              [--body-min-rate BYTES_PER_S] [--idle-timeout-ms N] [--max-connections N]
//              [--max-connections-per-client N]
//              [--embed-threads N] [--embed-cache N] [--access-log stderr|off|FILE]
//              [--sync group|per-write|none]
//              [--llm-upstream URL [--llm-cache NAME] [--llm-timeout-ms N]]
//
// Prints "semble: listening on http://HOST:PORT" on stderr once it accepts connections. SIGINT or
// SIGTERM stops it gracefully: no new connections, requests in flight are answered, background
// graph builds get up to --drain-seconds to finish, then every index is checkpointed and the data
// directory is closed.

#include "serve_cli.h"

#include <pthread.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cluster/cluster_node.h"
#include "cluster/etcd_client.h"
#include "core/cpu_count.h"
#include "embed_cli.h"
#include "semble/semantic_cache.h"
#include "server/cache_set.h"
#include "semble/model_store.h"
#include "server/api.h"
#include "server/auth.h"
#include "server/http_server.h"

namespace semble::cli {
namespace {

struct ServeArgs {
  std::string host = "127.0.0.1";
  int port = 8080;
  std::string models_dir;
  std::vector<std::string> models;
  std::vector<std::string> aliases;
  std::string tokens_file;
  bool insecure = false;
  size_t max_body_bytes = 100u << 20;
  int threads = 0;
  int io_threads = 0;
  int header_timeout_ms = 10000;
  int body_timeout_ms = 10000;
  size_t body_min_rate = 64u << 10;
  int idle_timeout_ms = 5000;
  int max_connections = 0;
  int max_connections_per_client = 1024;
  int embed_threads = 0;
  size_t embed_cache = 100000;
  size_t max_ai_texts = 100;
  size_t max_openai_inputs = 2048;
  std::string access_log = "stderr";
  std::string sync = "group";
  int drain_seconds = 60;
  int group_commit_us = 2000;
  // DatabaseOptions::max_unindexed_bytes, in MiB.
  int max_unindexed_mb = 128;
  std::string llm_upstream;
  std::string llm_cache = "llm";
  int llm_timeout_ms = 120000;
  // --cluster: this process is one node of a cluster over etcd (needs --store).
  std::string cluster;
  std::string cluster_name = "default";
  std::string node;
  std::string advertise;
  int lease_ttl_seconds = 5;
  int sync_interval_ms = 250;
  bool no_cluster_watch = false;
};

// The proxy's cache: created on first use with the scope the proxy looks up by, or an existing one
// that has that scope.
Status PrepareLlmCache(server::CacheSet* caches, const std::string& name) {
  auto cache = caches->Get(name);
  if (cache.status().reason() == Status::Reason::kIndexNotFound) {
    SemanticCacheConfig config;
    config.scope_fields = {"model", "context"};
    cache = caches->Create(name, config);
  }
  if (!cache.ok()) return cache.status();
  const auto& fields = (*cache)->description().config.scope_fields;
  for (const char* f : {"model", "context"}) {
    if (std::find(fields.begin(), fields.end(), f) == fields.end()) {
      return Status::InvalidArgument(std::string("the cache has no scope field \"") + f +
                                     "\", which the proxy looks up by");
    }
  }
  return Status::OK();
}

// Each connection is a file descriptor: lift the soft limit to the hard one so that the default
// connection cap (derived from it) is not the distribution's 1024.
void RaiseOpenFileLimit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = lim.rlim_max;
    (void)setrlimit(RLIMIT_NOFILE, &lim);
  }
}

// Vectors written but not yet in their index's graph, over every index.
uint64_t Backlog(const Database& db) {
  uint64_t total = 0;
  for (const IndexDescription& d : db.ListIndexes()) {
    auto index = db.GetIndex(d.name);
    if (!index.ok()) continue;
    auto info = (*index)->Info();
    if (info.ok()) total += info->unindexed_vectors;
  }
  return total;
}

bool IsLoopback(const std::string& host) {
  return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

Result<server::TokenSet> LoadTokens(const ServeArgs& a) {
  server::TokenSet tokens;
  if (!a.tokens_file.empty()) {
    auto text = ReadFileToString(Env::Default(), a.tokens_file);
    if (!text.ok()) return text.status().WithContext("--tokens-file");
    SEMBLE_ASSIGN_OR_RETURN(tokens, server::TokenSet::Parse(*text));
    if (tokens.empty())
      return Status::InvalidArgument("--tokens-file " + a.tokens_file + " holds no token");
  }
  if (const char* env = std::getenv("SEMBLE_API_TOKENS"); env != nullptr && *env != '\0') {
    auto more = server::TokenSet::Parse(env);
    if (!more.ok()) return more.status().WithContext("SEMBLE_API_TOKENS");
    tokens.Merge(*more);
  }
  return tokens;
}

int RunServe(const Context& ctx, const ServeArgs& a) {
  // Block the stop signals in every thread this process will start; one thread waits for them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A client that disconnects mid-response must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  auto tokens = LoadTokens(a);
  if (!tokens.ok()) return Fail(tokens.status());
  if (tokens->empty() && !IsLoopback(a.host) && !a.insecure) {
    return UsageError(
        "refusing to listen on " + a.host +
        " without API tokens: anyone who can reach it could read and change every "
        "index. Give --tokens-file (or SEMBLE_API_TOKENS), or --insecure to accept that");
  }
  if (a.port < 0 || a.port > 65535) return UsageError("--port must be 0..65535");
  FILE* access_log = stderr;
  if (a.access_log == "off") {
    access_log = nullptr;
  } else if (a.access_log != "stderr") {
    access_log = std::fopen(a.access_log.c_str(), "a");
    if (access_log == nullptr) {
      return Fail(Status::IOError("cannot open access log " + a.access_log));
    }
  }

  DatabaseOptions db_options;
  if (a.sync == "per-write") {
    db_options.sync_mode = SyncMode::kPerWrite;
  } else if (a.sync == "none") {
    db_options.sync_mode = SyncMode::kNone;
  } else if (a.sync != "group") {
    return UsageError("--sync must be group, per-write or none");
  }
  const std::string data_dir = ctx.data_dir.empty() ? DefaultDataDir() : ctx.data_dir;
  if (data_dir.empty()) return UsageError("no data directory: give --data or set SEMBLE_DATA_DIR");
  // One registry for the process: the indexes embed text with it and the embedding endpoints
  // answer from it, so each model is loaded once.
  ModelRegistryOptions model_options;
  const int cores = core::AvailableCores();
  model_options.embedder.threads = a.embed_threads > 0 ? a.embed_threads : cores;
  model_options.embedder.cache_entries = a.embed_cache;
  const std::string models_dir = a.models_dir.empty() ? ModelsDir(ctx) : a.models_dir;
  model_options.models_dir = models_dir;
  ModelRegistry models(std::move(model_options));
  // The registry knows the default model's usual names and Workers AI's small English model
  // (kDefaultModelAliases); --alias adds more.
  for (const std::string& spec : a.aliases) {
    const size_t eq = spec.find('=');
    if (eq == std::string::npos || eq == 0 || eq + 1 == spec.size()) {
      return UsageError("--alias takes NAME=MODEL_ID, got \"" + spec + "\"");
    }
    models.AddAlias(spec.substr(0, eq), spec.substr(eq + 1));
  }
  std::vector<std::string> preload = a.models;
  if (preload.empty()) {
    for (const std::string& id : models.Installed()) {
      if (id == kDefaultModelId) preload.push_back(id);
    }
    if (preload.empty()) {
      std::fprintf(stderr,
                   "semble: warning: the default model is not installed in %s; embedding "
                   "endpoints will answer 404 until `semble model pull` installs it\n",
                   models_dir.c_str());
    }
  }
  for (const std::string& m : preload) {
    auto id = models.Canonical(m);
    if (!id.ok()) return Fail(id.status());
    auto loaded = models.Get(*id, Pooling::kMean);
    if (!loaded.ok()) return Fail(loaded.status().WithContext("model " + *id));
  }

  db_options.models = &models;
  db_options.store_url = ctx.store;
  if (!a.cluster.empty()) {
    if (ctx.store.empty()) {
      return UsageError("--cluster needs --store: the nodes of a cluster share one object store");
    }
    // etcd decides which node writes each index; every node opens them as readers first.
    db_options.store_take_over_writes = false;
  }
  db_options.group_commit_window_us = static_cast<uint32_t>(a.group_commit_us);
  db_options.max_unindexed_bytes = static_cast<uint64_t>(a.max_unindexed_mb) << 20;
  auto db = Database::Open(db_options, data_dir);
  if (!db.ok()) return Fail(db.status().WithContext(data_dir));
  for (const std::string& line : (*db)->RecoveryLog()) {
    std::fprintf(stderr, "semble: recovered: %s\n", line.c_str());
  }

  server::Metrics metrics;
  server::ApiContext api;
  api.db = db->get();
  api.models = &models;
  api.metrics = &metrics;
  api.limits = db_options.limits;
  api.parse_threads = cores;
  api.max_workers_ai_texts = a.max_ai_texts;
  api.max_openai_inputs = a.max_openai_inputs;
  server::CacheSet caches(db->get(), &models);
  api.caches = &caches;
  if (!a.llm_upstream.empty()) {
    Status ready = PrepareLlmCache(&caches, a.llm_cache);
    if (!ready.ok()) return Fail(ready.WithContext("--llm-cache " + a.llm_cache));
    api.llm.upstream = a.llm_upstream;
    api.llm.cache = a.llm_cache;
    api.llm.timeout_ms = a.llm_timeout_ms;
    if (const char* key = std::getenv("SEMBLE_LLM_UPSTREAM_KEY"); key != nullptr) {
      api.llm.upstream_key = key;
    }
    api.llm.forward_client_authorization = tokens->empty();
  }
  server::Router router;
  server::AddVectorizeRoutes(&api, &router);
  server::AddCacheRoutes(&api, &router);
  server::AddLlmProxyRoutes(&api, &router);
  server::AddAiRoutes(&api, &router);
  server::AddOpsRoutes(&api, &router);
  server::AddAccountRoutes(&api, &router);
  server::AddConsoleRoutes(&router);

  server::HttpServerOptions http;
  http.host = a.host;
  http.port = a.port;
  http.threads = a.threads;
  http.io_threads = a.io_threads;
  http.header_timeout = std::chrono::milliseconds(a.header_timeout_ms);
  http.body_timeout = std::chrono::milliseconds(a.body_timeout_ms);
  http.body_min_bytes_per_second = a.body_min_rate;
  http.idle_timeout = std::chrono::milliseconds(a.idle_timeout_ms);
  http.max_connections = a.max_connections;
  http.max_connections_per_client = a.max_connections_per_client;
  RaiseOpenFileLimit();
  http.max_body_bytes = a.max_body_bytes;
  http.tokens = std::move(*tokens);
  http.access_log = access_log;
  server::HttpServer server(&router, &metrics, std::move(http));
  auto port = server.Bind();
  if (!port.ok()) return Fail(port.status());

  // A cluster node joins once its address is known (after Bind): other nodes forward writes there.
  std::unique_ptr<cluster::EtcdClient> etcd;
  std::unique_ptr<cluster::ClusterNode> node;
  if (!a.cluster.empty()) {
    auto endpoints = cluster::ParseEtcdUrl(a.cluster);
    if (!endpoints.ok()) return UsageError(endpoints.status().message());
    cluster::EtcdOptions eo;
    eo.endpoints = *endpoints;
    etcd = std::make_unique<cluster::EtcdClient>(eo);
    cluster::ClusterNodeOptions co;
    co.session.cluster = a.cluster_name;
    co.session.address = a.advertise.empty() ? "http://" + (a.host.find(':') != std::string::npos
                                                                ? "[" + a.host + "]"
                                                                : a.host) +
                                                   ":" + std::to_string(*port)
                                             : a.advertise;
    if (a.node.empty()) {
      char host[256] = {0};
      gethostname(host, sizeof(host) - 1);
      co.session.node = std::string(host) + "-" + std::to_string(*port);
    } else {
      co.session.node = a.node;
    }
    co.session.lease_ttl_seconds = a.lease_ttl_seconds;
    co.sync_interval_ms = a.sync_interval_ms;
    co.watch = !a.no_cluster_watch;
    auto started = cluster::ClusterNode::Start(etcd.get(), db->get(), co);
    if (!started.ok()) return Fail(started.status().WithContext("--cluster " + a.cluster));
    node = std::move(started).value();
    api.cluster = node.get();
    std::fprintf(stderr, "semble: node \"%s\" of cluster \"%s\" (etcd %s), at %s\n",
                 co.session.node.c_str(), a.cluster_name.c_str(), a.cluster.c_str(),
                 co.session.address.c_str());
  }

  std::thread waiter([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    if (sig != 0) std::fprintf(stderr, "semble: stopping (signal %d)\n", sig);
    server.Stop();
  });
  const std::string shown = a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host;
  const std::string served = ctx.store.empty() ? data_dir : ctx.store + " (cache " + data_dir + ")";
  std::fprintf(stderr, "semble: serving %s (%zu indexes), models from %s\n", served.c_str(),
               (*db)->ListIndexes().size(), models_dir.c_str());
  std::fprintf(stderr, "semble: listening on http://%s:%d\n", shown.c_str(), *port);
  std::fflush(stderr);

  Status run = server.Run();
  // Wake the waiter if the server stopped on its own.
  pthread_kill(waiter.native_handle(), SIGTERM);
  waiter.join();
  if (!run.ok()) return Fail(run);
  // Let the background graph builds finish (bounded), so that the checkpoint holds whole graphs
  // and the next start does not rebuild them; what is left is rebuilt then, nothing is lost.
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(a.drain_seconds);
  for (uint64_t backlog = Backlog(**db); backlog > 0; backlog = Backlog(**db)) {
    if (std::chrono::steady_clock::now() >= deadline) {
      std::fprintf(
          stderr,
          "semble: %llu vectors not yet in their graphs; they are re-indexed on the next start\n",
          static_cast<unsigned long long>(backlog));
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  // Checkpoint while still the writer of what this node owns; then leave the cluster (its
  // indexes go to other nodes at once) before closing.
  Status checkpoint = (*db)->Checkpoint();
  api.cluster = nullptr;
  node.reset();
  etcd.reset();
  db->reset();
  if (access_log != nullptr && access_log != stderr) std::fclose(access_log);
  if (!checkpoint.ok()) return Fail(checkpoint.WithContext("checkpoint on shutdown"));
  std::fprintf(stderr, "semble: stopped\n");
  return kExitOk;
}

}  // namespace

CLI::App* AddServeCommand(CLI::App* app, Context* ctx) {
  auto a = std::make_shared<ServeArgs>();
  CLI::App* verb = app->add_subcommand(
      "serve", "Serve the Vectorize v2, Workers AI and OpenAI embeddings APIs over HTTP");
  verb->add_option("--host", a->host, "Address to listen on (default 127.0.0.1)");
  verb->add_option("--port", a->port, "TCP port; 0 picks a free one (default 8080)");
  verb->add_option("--models", a->models_dir,
                   "Models directory (default $SEMBLE_MODELS_DIR, else <data dir>/models)");
  verb->add_option("--model", a->models,
                   "Model id to load at start (repeatable; default: the default model)");
  verb->add_option("--alias", a->aliases,
                   "Serve a model under another name, NAME=MODEL_ID (repeatable; "
                   "@cf/baai/bge-small-en-v1.5 is an alias of the default model)");
  verb->add_option("--tokens-file", a->tokens_file,
                   "Bearer tokens, one \"read TOKEN\" or \"write TOKEN\" per line "
                   "(also $SEMBLE_API_TOKENS, comma-separated)");
  verb->add_flag("--insecure", a->insecure,
                 "Allow a non-loopback --host without tokens (anyone can read and write)");
  verb->add_option("--max-body-bytes", a->max_body_bytes,
                   "Largest request body accepted (default 104857600, Vectorize's upload limit)");
  verb->add_option("--threads", a->threads,
                   "Worker threads that run request handlers (default max(8, 4 x cores))");
  verb->add_option("--io-threads", a->io_threads,
                   "Threads doing socket I/O and short handlers (default 2 x cores)");
  verb->add_option("--header-timeout-ms", a->header_timeout_ms,
                   "Deadline for a request's whole header block (default 10000)");
  verb->add_option("--body-timeout-ms", a->body_timeout_ms,
                   "Deadline for a body, plus its size at --body-min-rate (default 10000)");
  verb->add_option(
      "--body-min-rate", a->body_min_rate,
      "Slowest body upload rate allowed beyond --body-timeout-ms, bytes/s (default 65536)");
  verb->add_option("--idle-timeout-ms", a->idle_timeout_ms,
                   "How long a kept-alive connection may wait for its next request (default 5000)");
  verb->add_option(
      "--max-connections", a->max_connections,
      "Open connections at once (default: the open-file limit less 64, at most 16384)");
  verb->add_option("--max-connections-per-client", a->max_connections_per_client,
                   "Open connections per client IP address (default 1024)");
  verb->add_option("--embed-threads", a->embed_threads,
                   "Worker threads for long embedding batches (default: cores); short ones run "
                   "on the request's own thread");
  verb->add_option("--embed-cache", a->embed_cache,
                   "Texts whose embeddings are kept in memory per model, answered without the "
                   "encoder when asked again (default 100000; 0 turns the cache off)")
      ->check(CLI::Range(size_t{0}, size_t{100000000}));
  verb->add_option("--max-ai-texts", a->max_ai_texts,
                   "Most texts per Workers AI /ai/run request (default 100, Workers AI's limit)")
      ->check(CLI::Range(1, 100000));
  verb->add_option("--max-openai-inputs", a->max_openai_inputs,
                   "Most inputs per /v1/embeddings request (default 2048, OpenAI's limit)")
      ->check(CLI::Range(1, 100000));
  verb->add_option("--access-log", a->access_log,
                   "stderr (default), off, or a file to append JSON lines to");
  verb->add_option("--drain-seconds", a->drain_seconds,
                   "On stop, wait up to this long for background graph builds before the final "
                   "checkpoint (default 60)");
  verb->add_option("--sync", a->sync,
                   "When writes are fsynced: group (default; shared fsyncs), per-write, none");
  verb->add_option("--group-commit-us", a->group_commit_us,
                   "With --store: how long a write waits for others to share its log object "
                   "(default 2000)")
      ->check(CLI::Range(0, 1000000));
  verb->add_option("--max-unindexed-mb", a->max_unindexed_mb,
                   "Writes to an hnsw index wait while its graph builder is this many MiB of "
                   "vectors behind; 0 = no bound (default 128)")
      ->check(CLI::Range(0, 1 << 20));
  verb->add_option("--llm-upstream", a->llm_upstream,
                   "Base URL of an OpenAI-compatible API (e.g. https://api.openai.com/v1): serve "
                   "POST /v1/chat/completions through a semantic cache. The upstream key comes "
                   "from $SEMBLE_LLM_UPSTREAM_KEY, else the client's Authorization when the "
                   "server has no tokens");
  verb->add_option("--llm-cache", a->llm_cache,
                   "The semantic cache the proxy answers from, created if missing (default llm)");
  verb->add_option("--cluster", a->cluster,
                   "Run as a node of a cluster: etcd://host:port,... (needs --store; every node "
                   "serves every index, each index is written by one node)");
  verb->add_option("--cluster-name", a->cluster_name,
                   "Name of the cluster in etcd (several may share one etcd; default \"default\")");
  verb->add_option("--node", a->node, "This node's name in the cluster (default host-port)");
  verb->add_option("--advertise", a->advertise,
                   "URL other nodes reach this one at (default http://HOST:PORT)");
  verb->add_option("--lease-ttl", a->lease_ttl_seconds,
                   "Seconds without a heartbeat after which this node's indexes go to others "
                   "(default 5)");
  verb->add_option("--sync-interval-ms", a->sync_interval_ms,
                   "How often a node follows the store and claims indexes without a writer "
                   "(default 250)");
  verb->add_flag("--no-cluster-watch", a->no_cluster_watch,
                 "Follow writers and failed owners only every --sync-interval-ms instead of "
                 "watching their heads and owners in etcd (less etcd traffic, more lag)");
  verb->add_option("--llm-timeout-ms", a->llm_timeout_ms,
                   "The longest an upstream call may take (default 120000)")
      ->check(CLI::Range(100, 3600000));
  verb->callback([ctx, a] { ctx->action = [ctx, a] { return RunServe(*ctx, *a); }; });
  return verb;
}

}  // namespace semble::cli
