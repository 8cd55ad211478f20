// Copyright 2026 The semble Authors.
//
// Vectorize v2 under /client/v4/accounts/{account_id}/vectorize/v2, field for field as Cloudflare
// serves it (shared/reference/vectorize-workers-ai-api.md a.2-a.4), plus semble's extensions:
// records and queries may carry "text" when the index has an embedding model, queries take "ef" /
// "recall", info takes ?waitForMutation=, records may carry "ttlSeconds" / "expiresAtMs",
// delete_by_filter / update_metadata_by_filter change the records a filter matches, and queries
// may rank by keywords or both ("mode", with the index's text_index) and group their matches.
//
// Every write is in the write-ahead log (and fsynced) and applied before the response is sent, so
// unlike Vectorize a read after a write always sees it.

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <optional>

#include "db/index_config.h"
#include "db/validation.h"
#include "semble/map.h"
#include "semble/recommend.h"
#include "server/api.h"
#include "server/cluster_forward.h"
#include "server/envelope.h"
#include "wire/record_binary.h"
#include "wire/record_json.h"
#include "wire/request_json.h"
#include "wire/response_json.h"

namespace semble::server {
namespace {

constexpr char kPrefix[] = "/client/v4/accounts/{}/vectorize/v2";
// The longest waitForMutation wait (timeoutMs above it is lowered to it).
constexpr uint64_t kMaxWaitMs = 60000;

HttpResponse BodyError(const Status& s) { return Error(400, kErrMalformedJson, s.message()); }

class VectorizeApi {
 public:
  explicit VectorizeApi(ApiContext* ctx) : ctx_(ctx) {}

  // Runs fn(index) for the index named by the request's second capture, after checking the
  // account and the name.
  template <typename Fn>
  HttpResponse WithIndex(const HttpRequest& req, Fn fn) {
    if (!ValidAccountId(req.captures[0])) {
      return Error(400, kErrInvalid, "account id must be 1 to 64 letters, digits, '-' or '_'");
    }
    const std::string& name = req.captures[1];
    if (Status s = db::ValidateIndexName(name, ctx_->limits); !s.ok()) {
      return Error(400, kErrInvalid, s.message());
    }
    // A write forwarded by another node of a cluster applies the shards it names
    // (cluster_forward.h).
    auto index = ctx_->db->GetIndex(name);
    if (std::string_view list = req.Header(kShardsHeader); !list.empty()) {
      std::vector<uint32_t> shards;
      if (!ParseShardList(list, &shards)) {
        return Error(400, kErrInvalid, std::string(kShardsHeader) + " is not a list of shards");
      }
      index = ctx_->db->GetIndexShards(name, shards);
    }
    if (!index.ok()) {
      if (index.status().code() == Status::Code::kNotFound) return IndexNotFound(name);
      return FromStatus(index.status());
    }
    return fn(**index);
  }

  static HttpResponse IndexNotFound(const std::string& name) {
    return Error(404, kErrIndexNotFound, "vectorize.index.not_found - Index name \"" + name + "\"");
  }

  HttpResponse CreateIndex(const HttpRequest& req) {
    if (!ValidAccountId(req.captures[0])) {
      return Error(400, kErrInvalid, "account id must be 1 to 64 letters, digits, '-' or '_'");
    }
    auto body = wire::ParseCreateIndex(req.body);
    if (!body.ok()) return BodyError(body.status());
    const db::IndexSpec spec{.name = body->name,
                             .description = body->description,
                             .dimensions = body->dimensions,
                             .metric = body->metric,
                             .preset = body->preset,
                             .model = body->model,
                             .pooling = body->pooling,
                             .schema_json = body->schema_json,
                             .index_type = body->index_type,
                             .default_ttl_seconds = body->default_ttl_seconds.value_or(0),
                             .text_index = body->text_index,
                             .shards = body->shards};
    auto create = db::ResolveCreateIndex(spec, ctx_->models);
    if (!create.ok()) return FromStatus(create.status());
    auto index = ctx_->db->CreateIndex(*create);
    if (!index.ok()) {
      if (index.status().code() == Status::Code::kAlreadyExists) {
        return Error(409, kErrIndexExists,
                     "vectorize.index.duplicate_name - Index name \"" + create->name + "\"");
      }
      return FromStatus(index.status());
    }
    const IndexDescription d = (*index)->Describe();
    // 201 Created, as Cloudflare documents for this endpoint.
    return Ok([&](core::JsonWriter* w) { wire::WriteIndexDescription(d, w); }, 201);
  }

  HttpResponse ListIndexes(const HttpRequest& req) {
    if (!ValidAccountId(req.captures[0])) {
      return Error(400, kErrInvalid, "account id must be 1 to 64 letters, digits, '-' or '_'");
    }
    const std::vector<IndexDescription> all = ctx_->db->ListIndexes();
    return Ok([&](core::JsonWriter* w) {
      w->BeginArray();
      for (const IndexDescription& d : all) wire::WriteIndexDescription(d, w);
      w->EndArray();
    });
  }

  HttpResponse GetIndex(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) {
      const IndexDescription d = index.Describe();
      return Ok([&](core::JsonWriter* w) { wire::WriteIndexDescription(d, w); });
    });
  }

  HttpResponse DeleteIndex(const HttpRequest& req) {
    return WithIndex(req, [&](Index&) {
      Status s = ctx_->db->DeleteIndex(req.captures[1]);
      if (s.code() == Status::Code::kNotFound) return IndexNotFound(req.captures[1]);
      if (!s.ok()) return FromStatus(s);
      return Ok([](core::JsonWriter* w) { w->Null(); });
    });
  }

  HttpResponse Info(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto wait = req.query.find("waitForMutation");
      if (wait == req.query.end()) return InfoNow(index);
      // Mutation ids sort in the order they were applied (record.h), so "applied" is a string
      // comparison with the watermark. semble applies writes before acknowledging them, so an id
      // this server returned is always applied already; the wait matters for ids from another
      // writer that has not reached this index yet. It is an engine notification plus the
      // server's timer, so a waiting request holds no thread.
      const std::string& id = wait->second;
      if (id.size() != 36) return Error(400, kErrInvalid, "waitForMutation must be a mutation id");
      uint64_t timeout_ms = 10000;
      if (auto t = req.query.find("timeoutMs"); t != req.query.end()) {
        const std::string& v = t->second;
        if (v.empty() || v.size() > 9 ||
            !std::all_of(v.begin(), v.end(), [](char c) { return c >= '0' && c <= '9'; })) {
          return Error(400, kErrInvalid,
                       "timeoutMs must be a whole number of milliseconds from 0 to " +
                           std::to_string(kMaxWaitMs));
        }
        timeout_ms = std::min<uint64_t>(std::stoull(v), kMaxWaitMs);
      }
      auto now = index.Info();
      if (!now.ok()) return FromStatus(now.status());
      if (!now->processed_up_to_mutation.empty() && id <= now->processed_up_to_mutation) {
        return Ok([&](core::JsonWriter* w) { wire::WriteIndexInfo(*now, w); });
      }
      auto shared = ctx_->db->GetIndex(req.captures[1]);
      if (!shared.ok()) return FromStatus(shared.status());
      std::shared_ptr<Index> idx = *shared;
      auto ticket = std::make_shared<std::atomic<uint64_t>>(0);
      auto deferred = std::make_shared<DeferredResponse>();
      deferred->timeout = std::chrono::milliseconds(timeout_ms);
      deferred->start = [idx, id, ticket](std::function<void()> ready) {
        auto t = idx->NotifyWhenApplied(id, ready);
        if (t.ok()) {
          ticket->store(*t);
        } else {
          ready();  // answer() reports the index's state (closed, deleted) at once
        }
      };
      deferred->answer = [idx] { return InfoNow(*idx); };
      deferred->timed_out = [idx, id, ticket, timeout_ms]() -> HttpResponse {
        idx->CancelNotify(ticket->load());
        auto info = idx->Info();
        if (!info.ok()) return FromStatus(info.status());
        return Error(408, kErrInvalid,
                     "mutation " + id + " was not applied within " + std::to_string(timeout_ms) +
                         " ms; the index is at " +
                         (info->processed_up_to_mutation.empty() ? std::string("no mutation")
                                                                 : info->processed_up_to_mutation));
      };
      HttpResponse out;
      out.deferred = std::move(deferred);
      return out;
    });
  }

  static HttpResponse InfoNow(Index& index) {
    auto info = index.Info();
    if (!info.ok()) return FromStatus(info.status());
    return Ok([&](core::JsonWriter* w) { wire::WriteIndexInfo(*info, w); });
  }

  HttpResponse Write(const HttpRequest& req, bool upsert) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      const IndexDescription d = index.Describe();
      bool discard = false;
      if (auto it = req.query.find("unparsable-behavior"); it != req.query.end()) {
        if (it->second == "discard") {
          discard = true;
        } else if (it->second != "error") {
          return Error(400, kErrInvalid, "unparsable-behavior must be \"error\" or \"discard\"");
        }
      }
      std::string_view payload = req.body;
      if (req.multipart) {
        auto part = req.parts.find("vectors");
        if (part == req.parts.end()) {
          return Error(400, kErrMalformedJson, "the multipart body has no part named \"vectors\"");
        }
        payload = part->second;
      }
      size_t discarded = 0;
      // Extension: binary records (wire/record_binary.h) under their own media type; a framing
      // error refuses the whole body (there is no next line to resume at), so "discard" does not
      // apply to them. {"vectors": [...]} (what a Workers binding sends) when the body is that
      // object; anything else, whatever its Content-Type, is NDJSON (clients label NDJSON
      // application/json too).
      Result<std::vector<VectorRecord>> records =
          !req.multipart && req.content_type == wire::kRecordsBinaryType
              ? wire::ParseRecordsBinary(payload, ctx_->limits.max_batch_vectors)
          : !req.multipart && req.content_type == "application/json" &&
                  wire::IsVectorsObject(payload)
              ? wire::ParseVectorsObject(payload, discard, &discarded)
              : wire::ParseNdjson(payload, discard, &discarded, /*extensions=*/true,
                                  ctx_->parse_threads);
      if (!records.ok()) return Error(400, kErrUnparsableRecord, records.status().message());
      if (records->empty()) {
        return Error(400, kErrUnparsableRecord,
                     discarded > 0 ? "no parsable record in the body (" +
                                         std::to_string(discarded) + " discarded)"
                                   : std::string("the body holds no records"));
      }
      if (Status s = CheckModelParam(req, d); !s.ok()) return FromStatus(s);
      // The index embeds texts and encodes fields itself, and checks every record (the batch
      // size before any embedding); its errors say why, and FromStatus picks the code by that.
      auto m = upsert ? index.Upsert(*records) : index.Insert(*records);
      if (!m.ok()) return FromStatus(m.status());
      return Ok([&](core::JsonWriter* w) {
        w->BeginObject().Key("mutationId").String(m->mutation_id);
        if (discard) w->Key("discarded").Uint(discarded);
        w->EndObject();
      });
    });
  }

  HttpResponse Query(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      const IndexDescription d = index.Describe();
      auto body = wire::ParseQuery(req.body);
      if (!body.ok()) return BodyError(body.status());
      // Not on an I/O thread: embedding a text, a query on every shard's own thread, and a
      // recall target (the index's first one calibrates, hundreds of searches, in the caller).
      if (req.on_io_thread &&
          (!body->request.text.empty() || d.config.shards > 1 || body->request.recall)) {
        return Offload();
      }
      if (body->model) {
        if (Status s = CheckModel(*body->model, d); !s.ok()) return FromStatus(s);
      }
      auto result = index.Query(body->request);
      if (!result.ok()) {
        // A vectorId that is not stored is an answer (no matches), as in Vectorize.
        if (result.status().reason() == Status::Reason::kVectorNotFound) {
          const bool grouped = !body->request.group_by.empty();
          return Ok([grouped](core::JsonWriter* w) {
            wire::WriteQueryResult(QueryResult{}, w, grouped);
          });
        }
        return FromStatus(result.status());
      }
      const bool grouped = !body->request.group_by.empty();
      return Ok([&](core::JsonWriter* w) { wire::WriteQueryResult(*result, w, grouped); });
    });
  }

  // Extension: more like the positive examples, less like the negative ones (semble/recommend.h).
  HttpResponse Recommend(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto body = wire::ParseRecommend(req.body);
      if (!body.ok()) return BodyError(body.status());
      RecommendRequest r;
      r.positive = std::move(body->positive);
      r.negative = std::move(body->negative);
      r.top_k = body->options.top_k;
      r.return_values = body->options.return_values;
      r.return_metadata = body->options.return_metadata;
      r.ns = body->options.ns;
      r.filter_json = body->options.filter_json;
      auto result = semble::Recommend(index, r);
      if (!result.ok()) return FromStatus(result.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteQueryResult(*result, w); });
    });
  }

  // Extension: a 2-D map of the index for the console (semble/map.h).
  HttpResponse Map(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto body = wire::ParseMap(req.body);
      if (!body.ok()) return BodyError(body.status());
      MapRequest m;
      m.sample = body->sample;
      if (body->has_query) {
        if (body->query.model) {
          if (Status s = CheckModel(*body->query.model, index.Describe()); !s.ok()) {
            return FromStatus(s);
          }
        }
        m.query = std::move(body->query.request);
      }
      auto map = MapIndex(index, m);
      if (!map.ok()) return FromStatus(map.status());
      return Ok([&](core::JsonWriter* w) {
        auto point = [&](const MapPoint& p, bool match) {
          w->BeginObject().Key("id").String(p.id);
          if (match) w->Key("score").Float(p.score);
          w->Key("x").Float(p.x).Key("y").Float(p.y);
          if (!match && !p.ns.empty()) w->Key("namespace").String(p.ns);
          if (!p.metadata_json.empty()) w->Key("metadata").Raw(p.metadata_json);
          w->EndObject();
        };
        w->BeginObject();
        w->Key("method").String("pca");
        w->Key("explainedVariance").BeginArray();
        for (double e : map->explained_variance) w->Double(std::round(e * 1e4) / 1e4);
        w->EndArray();
        w->Key("count").Uint(map->points.size());
        w->Key("totalCount").Uint(map->total_count);
        w->Key("points").BeginArray();
        for (const MapPoint& p : map->points) point(p, false);
        w->EndArray();
        w->Key("query");
        if (map->query) {
          w->BeginObject().Key("x").Float(map->query->x).Key("y").Float(map->query->y).EndObject();
        } else {
          w->Null();
        }
        w->Key("matches").BeginArray();
        for (const MapPoint& p : map->matches) point(p, true);
        w->EndArray();
        w->EndObject();
      });
    });
  }

  HttpResponse GetByIds(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto ids = wire::ParseIds(req.body);
      if (!ids.ok()) return BodyError(ids.status());
      auto records = index.GetByIds(*ids);
      if (!records.ok()) return FromStatus(records.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteRecords(*records, w); });
    });
  }

  HttpResponse DeleteByIds(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto ids = wire::ParseIds(req.body);
      if (!ids.ok()) return BodyError(ids.status());
      auto m = index.DeleteByIds(*ids);
      if (!m.ok()) return FromStatus(m.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteMutation(*m, w); });
    });
  }

  // Extensions: delete / update metadata by filter, one mutation each, answered with its id and
  // how many records it touched.
  HttpResponse DeleteByFilter(const HttpRequest& req) { return ByFilter(req, /*update=*/false); }
  HttpResponse UpdateMetadataByFilter(const HttpRequest& req) {
    return ByFilter(req, /*update=*/true);
  }

  HttpResponse List(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      ListRequest list;
      if (auto it = req.query.find("count"); it != req.query.end()) {
        char* end = nullptr;
        const unsigned long n = std::strtoul(it->second.c_str(), &end, 10);
        if (it->second.empty() || *end != '\0' || n < 1 || n > ctx_->limits.max_list_count) {
          return Error(
              400, kErrInvalid,
              "count must be an integer from 1 to " + std::to_string(ctx_->limits.max_list_count));
        }
        list.count = static_cast<uint32_t>(n);
      }
      if (auto it = req.query.find("cursor"); it != req.query.end()) list.cursor = it->second;
      auto page = index.List(list);
      if (!page.ok()) return FromStatus(page.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteListResult(*page, w); });
    });
  }

  HttpResponse CreateMetadataIndex(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto desc = wire::ParseMetadataIndexCreate(req.body);
      if (!desc.ok()) return BodyError(desc.status());
      auto m = index.CreateMetadataIndex(*desc);
      if (!m.ok()) return FromStatus(m.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteMutation(*m, w); });
    });
  }

  HttpResponse ListMetadataIndexes(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto list = index.ListMetadataIndexes();
      if (!list.ok()) return FromStatus(list.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteMetadataIndexes(*list, w); });
    });
  }

  // Extension: enables, changes or ({"enabled": false}) drops the full-text index, one logged
  // mutation answered like a metadata index's creation; the index indexes the records it holds.
  HttpResponse ConfigureTextIndex(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto config = wire::ParseTextIndexBody(req.body);
      if (!config.ok()) return BodyError(config.status());
      auto m = index.ConfigureTextIndex(*config);
      if (!m.ok()) return FromStatus(m.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteMutation(*m, w); });
    });
  }

  HttpResponse GetTextIndex(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      const TextIndexConfig config = index.Describe().config.text_index;
      return Ok([&](core::JsonWriter* w) { wire::WriteTextIndexState(config, w); });
    });
  }

  HttpResponse DeleteMetadataIndex(const HttpRequest& req) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto name = wire::ParsePropertyName(req.body);
      if (!name.ok()) return BodyError(name.status());
      auto m = index.DeleteMetadataIndex(*name);
      if (!m.ok()) return FromStatus(m.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteMutation(*m, w); });
    });
  }

 private:
  HttpResponse ByFilter(const HttpRequest& req, bool update) {
    return WithIndex(req, [&](Index& index) -> HttpResponse {
      auto body = wire::ParseFilterMutation(req.body, update);
      if (!body.ok()) return BodyError(body.status());
      auto m = update ? index.UpdateMetadataByFilter(*body) : index.DeleteByFilter(*body);
      if (!m.ok()) return FromStatus(m.status());
      return Ok([&](core::JsonWriter* w) { wire::WriteCountedMutation(*m, w); });
    });
  }

  // A model named by the client must be the index's own (an alias of it counts).
  Status CheckModel(const std::string& model, const IndexDescription& d) {
    auto id = ctx_->models->Canonical(model);
    const std::string canonical = id.ok() ? *id : model;
    if (d.config.embedding_model.empty() || canonical != d.config.embedding_model) {
      return Status::InvalidArgument("index \"" + d.name + "\" holds vectors of " +
                                     (d.config.embedding_model.empty()
                                          ? std::string("caller-supplied vectors (no model)")
                                          : "model \"" + d.config.embedding_model + "\" (" +
                                                d.config.embedding_pooling + " pooling)") +
                                     "; refusing vectors of model \"" + model + "\"")
          .WithReason(Status::Reason::kModelMismatch);
    }
    return Status::OK();
  }

  Status CheckModelParam(const HttpRequest& req, const IndexDescription& d) {
    auto it = req.query.find("model");
    return it == req.query.end() ? Status::OK() : CheckModel(it->second, d);
  }

  ApiContext* ctx_;
};

}  // namespace

void AddVectorizeRoutes(ApiContext* ctx, Router* router) {
  // The routes hold the API object for the server's life.
  auto api = std::make_shared<VectorizeApi>(ctx);
  const std::string p = kPrefix;
  // Index-scoped writes go to the node that writes the index (cluster_forward.h); the forward
  // needs the caller's Authorization field.
  auto add = [&](const char* method, const std::string& pattern, const char* name, Scope scope,
                 HttpResponse (VectorizeApi::*fn)(const HttpRequest&), bool try_inline = false) {
    Handler h = [api, fn](const HttpRequest& req) { return ((*api).*fn)(req); };
    const bool index_route = pattern.rfind("/indexes/{}", 0) == 0;
    const bool index_write = scope == Scope::kWrite && pattern.rfind("/indexes/{}/", 0) == 0;
    if (index_write) h = ForwardWrites(ctx, std::move(h));
    if (index_route && scope == Scope::kRead) h = TellStaleness(ctx, std::move(h));
    Route route{method, p + pattern, name, scope, std::move(h)};
    route.wants_headers = index_write;
    route.try_inline = try_inline;
    router->Add(std::move(route));
  };
  add("POST", "/indexes", "vectorize.create", Scope::kWrite, &VectorizeApi::CreateIndex);
  add("GET", "/indexes", "vectorize.list_indexes", Scope::kRead, &VectorizeApi::ListIndexes);
  add("GET", "/indexes/{}", "vectorize.get", Scope::kRead, &VectorizeApi::GetIndex);
  add("DELETE", "/indexes/{}", "vectorize.delete", Scope::kWrite, &VectorizeApi::DeleteIndex);
  add("GET", "/indexes/{}/info", "vectorize.info", Scope::kRead, &VectorizeApi::Info);
  for (const bool upsert : {false, true}) {
    Route route{"POST", p + (upsert ? "/indexes/{}/upsert" : "/indexes/{}/insert"),
                upsert ? "vectorize.upsert" : "vectorize.insert", Scope::kWrite,
                ForwardWrites(ctx, [api, upsert](const HttpRequest& req) {
                  return api->Write(req, upsert);
                })};
    route.wants_headers = true;
    router->Add(std::move(route));
  }
  // A vector query computes for ~0.1 ms, as long as a hand-off to a worker and back costs.
  add("POST", "/indexes/{}/query", "vectorize.query", Scope::kRead, &VectorizeApi::Query,
      /*try_inline=*/true);
  add("POST", "/indexes/{}/get_by_ids", "vectorize.get_by_ids", Scope::kRead,
      &VectorizeApi::GetByIds);
  add("POST", "/indexes/{}/delete_by_ids", "vectorize.delete_by_ids", Scope::kWrite,
      &VectorizeApi::DeleteByIds);
  add("GET", "/indexes/{}/list", "vectorize.list_vectors", Scope::kRead, &VectorizeApi::List);
  add("POST", "/indexes/{}/delete_by_filter", "vectorize.delete_by_filter", Scope::kWrite,
      &VectorizeApi::DeleteByFilter);
  add("POST", "/indexes/{}/update_metadata_by_filter", "vectorize.update_metadata_by_filter",
      Scope::kWrite, &VectorizeApi::UpdateMetadataByFilter);
  add("POST", "/indexes/{}/recommend", "vectorize.recommend", Scope::kRead,
      &VectorizeApi::Recommend);
  add("POST", "/indexes/{}/map", "vectorize.map", Scope::kRead, &VectorizeApi::Map);
  add("POST", "/indexes/{}/metadata_index/create", "vectorize.metadata_index_create", Scope::kWrite,
      &VectorizeApi::CreateMetadataIndex);
  add("GET", "/indexes/{}/metadata_index/list", "vectorize.metadata_index_list", Scope::kRead,
      &VectorizeApi::ListMetadataIndexes);
  add("POST", "/indexes/{}/metadata_index/delete", "vectorize.metadata_index_delete", Scope::kWrite,
      &VectorizeApi::DeleteMetadataIndex);
  add("POST", "/indexes/{}/text_index", "vectorize.text_index_configure", Scope::kWrite,
      &VectorizeApi::ConfigureTextIndex);
  add("GET", "/indexes/{}/text_index", "vectorize.text_index_get", Scope::kRead,
      &VectorizeApi::GetTextIndex);
}

}  // namespace semble::server
