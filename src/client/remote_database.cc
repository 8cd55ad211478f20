// Copyright 2026 The semble Authors.
//
// ConnectDatabase: Database and Index over the Vectorize v2 HTTP API (semble/client.h).

#include <httplib.h>
#include <simdjson.h>

#include <mutex>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "wire/record_json.h"
#include "semble/client.h"

namespace semble {
namespace {

using simdjson::dom::element;

std::string PercentEncode(std::string_view s) {
  static const char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

// "2024-07-19T13:11:44.064Z" -> ms since the epoch (0 when it is not in that form).
int64_t ParseIso8601Millis(std::string_view s) { return core::ParseIso8601Millis(s).value_or(0); }

std::string Str(const element& e, std::string_view key) {
  std::string_view v;
  return e[key].get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
}
uint64_t Uint(const element& e, std::string_view key) {
  uint64_t v = 0;
  if (e[key].get(v) != simdjson::SUCCESS) {
    double d = 0;
    if (e[key].get(d) == simdjson::SUCCESS && d >= 0) v = static_cast<uint64_t>(d);
  }
  return v;
}

// One HTTP connection to the server, shared by the database and its index handles.
class Connection {
 public:
  Connection(RemoteOptions options, std::string origin, std::string prefix)
      : options_(std::move(options)), prefix_(std::move(prefix)), client_(origin) {
    client_.set_connection_timeout(10);
    client_.set_read_timeout(options_.timeout_seconds);
    client_.set_write_timeout(options_.timeout_seconds);
    client_.set_keep_alive(true);
    if (!options_.token.empty()) client_.set_bearer_token_auth(options_.token);
  }

  const RemoteOptions& options() const { return options_; }

  std::string VectorizePath(std::string_view rest) const {
    return prefix_ + "/client/v4/accounts/" + PercentEncode(options_.account) + "/vectorize/v2" +
           std::string(rest);
  }
  std::string Path(std::string_view rest) const { return prefix_ + std::string(rest); }

  // Sends a request and returns the answer's body (2xx), or the error it carries as a Status.
  Result<std::string> Send(const std::string& method, const std::string& path,
                           const std::string& body = "",
                           const std::string& content_type = "application/json") {
    std::lock_guard lock(mu_);
    httplib::Result res = method == "GET"      ? client_.Get(path)
                          : method == "DELETE" ? client_.Delete(path)
                                               : client_.Post(path, body, content_type);
    if (!res) {
      return Status::IOError("cannot reach " + options_.url + ": " + httplib::to_string(res.error()));
    }
    if (res->status >= 200 && res->status < 300) return res->body;
    return ErrorOf(res->status, res->body);
  }

  // The same for Cloudflare v4 routes: the envelope's "result", as JSON text.
  Result<std::string> Call(const std::string& method, const std::string& rest,
                           const std::string& body = "",
                           const std::string& content_type = "application/json") {
    SEMBLE_ASSIGN_OR_RETURN(std::string text, Send(method, VectorizePath(rest), body, content_type));
    thread_local simdjson::dom::parser parser;
    element root;
    if (core::ParseJson(parser, text, &root) != simdjson::SUCCESS) {
      return Status::IOError("the server at " + options_.url + " answered something that is not JSON");
    }
    element result;
    if (root["result"].get(result) != simdjson::SUCCESS) {
      return Status::IOError("the server at " + options_.url + " answered without a \"result\"");
    }
    return simdjson::minify(result);
  }

 private:
  static Status ErrorOf(int http, const std::string& body) {
    std::string message = "HTTP " + std::to_string(http);
    thread_local simdjson::dom::parser parser;
    element root;
    if (core::ParseJson(parser, body, &root) == simdjson::SUCCESS) {
      element errors;
      std::string_view m;
      if (root["errors"].get(errors) == simdjson::SUCCESS && errors.at(0)["message"].get(m) == simdjson::SUCCESS) {
        message = std::string(m);
      } else if (root["error"]["message"].get(m) == simdjson::SUCCESS) {
        message = std::string(m);  // OpenAI's shape
      }
    }
    switch (http) {
      case 400:
      case 413:
        return Status::InvalidArgument(message);
      case 401:
      case 403:
        return Status::FailedPrecondition(message + " (give a token with --token or SEMBLE_TOKEN)");
      case 404:
        return Status::NotFound(message);
      case 409:
        return Status::AlreadyExists(message);
      default:
        return Status::IOError("server error: " + message);
    }
  }

  RemoteOptions options_;
  std::string prefix_;
  std::mutex mu_;
  httplib::Client client_;
};

Result<element> Parse(simdjson::dom::parser* parser, const std::string& json) {
  element e;
  if (core::ParseJson(*parser, json, &e) != simdjson::SUCCESS) return Status::IOError("malformed answer");
  return e;
}

IndexDescription DescriptionOf(const element& e) {
  IndexDescription d;
  d.name = Str(e, "name");
  d.description = Str(e, "description");
  element config;
  if (e["config"].get(config) == simdjson::SUCCESS) {
    d.config.dimensions = static_cast<uint32_t>(Uint(config, "dimensions"));
    auto metric = ParseMetric(Str(config, "metric"));
    if (metric.ok()) d.config.metric = *metric;
    d.config.index_type = Str(config, "indexType");
    d.config.embedding_model = Str(config, "model");
    d.config.embedding_pooling = Str(config, "pooling");
    element schema;
    if (config["schema"].get(schema) == simdjson::SUCCESS) d.config.schema_json = simdjson::minify(schema);
  }
  d.created_on_ms = ParseIso8601Millis(Str(e, "created_on"));
  d.modified_on_ms = ParseIso8601Millis(Str(e, "modified_on"));
  return d;
}

Result<MutationResult> MutationOf(const std::string& json) {
  simdjson::dom::parser parser;
  SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
  MutationResult m;
  m.mutation_id = Str(e, "mutationId");
  return m;
}

std::string IdsBody(std::span<const std::string> ids) {
  core::JsonWriter w;
  w.BeginObject().Key("ids").BeginArray();
  for (const std::string& id : ids) w.String(id);
  w.EndArray().EndObject();
  return w.Take();
}

class RemoteIndex final : public Index {
 public:
  RemoteIndex(std::shared_ptr<Connection> conn, IndexDescription d)
      : conn_(std::move(conn)), d_(std::move(d)), base_("/indexes/" + d_.name) {}

  IndexDescription Describe() const override { return d_; }

  Result<IndexInfo> Info() const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", base_ + "/info"));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    IndexInfo info;
    info.dimensions = static_cast<uint32_t>(Uint(e, "dimensions"));
    info.vector_count = Uint(e, "vectorCount");
    info.processed_up_to_mutation = Str(e, "processedUpToMutation");
    const std::string when = Str(e, "processedUpToDatetime");
    if (!when.empty()) info.processed_up_to_ms = ParseIso8601Millis(when);
    info.index_type = Str(e, "indexType");
    double mem = 0;
    if (e["memoryBytesPerVector"].get(mem) == simdjson::SUCCESS) info.memory_bytes_per_vector = mem;
    info.unindexed_vectors = Uint(e, "unindexedVectors");
    return info;
  }

  Result<MutationResult> Insert(std::span<const VectorRecord> records) override {
    return Write("/insert", records);
  }
  Result<MutationResult> Upsert(std::span<const VectorRecord> records) override {
    return Write("/upsert", records);
  }

  Result<MutationResult> DeleteByIds(std::span<const std::string> ids) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/delete_by_ids", IdsBody(ids)));
    return MutationOf(json);
  }

  Result<std::vector<VectorRecord>> GetByIds(std::span<const std::string> ids) const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/get_by_ids", IdsBody(ids)));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    simdjson::dom::array arr;
    if (e.get(arr) != simdjson::SUCCESS) return Status::IOError("get_by_ids: not an array");
    std::vector<VectorRecord> out;
    for (element r : arr) {
      SEMBLE_ASSIGN_OR_RETURN(VectorRecord rec, wire::ParseRecordJson(simdjson::minify(r)));
      out.push_back(std::move(rec));
    }
    return out;
  }

  Result<ListResult> List(const ListRequest& request) const override {
    std::string rest = base_ + "/list?count=" + std::to_string(request.count);
    if (!request.cursor.empty()) rest += "&cursor=" + PercentEncode(request.cursor);
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", rest));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    ListResult out;
    out.total_count = Uint(e, "totalCount");
    bool truncated = false;
    if (e["isTruncated"].get(truncated) == simdjson::SUCCESS) out.is_truncated = truncated;
    out.next_cursor = Str(e, "nextCursor");
    simdjson::dom::array vectors;
    if (e["vectors"].get(vectors) == simdjson::SUCCESS) {
      for (element v : vectors) out.ids.push_back(Str(v, "id"));
    }
    return out;
  }

  Result<QueryResult> Query(const QueryRequest& q) const override {
    core::JsonWriter w;
    w.BeginObject();
    // What the request holds goes as it is; the server refuses more than one of the three, as a
    // local index does.
    if (q.vector_id) w.Key("vectorId").String(*q.vector_id);
    if (!q.text.empty()) w.Key("text").String(q.text);
    if (!q.vector.empty() || (!q.vector_id && q.text.empty())) {
      w.Key("vector").BeginArray();
      for (float x : q.vector) w.Float(x);
      w.EndArray();
    }
    w.Key("topK").Uint(q.top_k);
    w.Key("returnValues").Bool(q.return_values);
    w.Key("returnMetadata")
        .String(q.return_metadata == ReturnMetadata::kAll       ? "all"
                : q.return_metadata == ReturnMetadata::kIndexed ? "indexed"
                                                                : "none");
    if (q.ns) w.Key("namespace").String(*q.ns);
    if (!q.filter_json.empty()) w.Key("filter").Raw(q.filter_json);
    if (!q.exclude_ids.empty()) {
      w.Key("excludeIds").BeginArray();
      for (const std::string& id : q.exclude_ids) w.String(id);
      w.EndArray();
    }
    if (q.ef) w.Key("ef").Uint(*q.ef);
    if (q.recall) w.Key("recall").Double(*q.recall);
    w.EndObject();
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/query", w.Take()));
    return ParseQueryResult(json);
  }

  Result<MutationResult> CreateMetadataIndex(const MetadataIndexDescription& desc) override {
    core::JsonWriter w;
    w.BeginObject().Key("propertyName").String(desc.property_name);
    w.Key("indexType").String(MetadataIndexTypeName(desc.type)).EndObject();
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/metadata_index/create", w.Take()));
    return MutationOf(json);
  }

  Result<std::vector<MetadataIndexDescription>> ListMetadataIndexes() const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", base_ + "/metadata_index/list"));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    std::vector<MetadataIndexDescription> out;
    simdjson::dom::array arr;
    if (e["metadataIndexes"].get(arr) == simdjson::SUCCESS) {
      for (element m : arr) {
        MetadataIndexDescription d;
        d.property_name = Str(m, "propertyName");
        auto type = ParseMetadataIndexType(Str(m, "indexType"));
        if (type.ok()) d.type = *type;
        out.push_back(std::move(d));
      }
    }
    return out;
  }

  Result<MutationResult> DeleteMetadataIndex(const std::string& property_name) override {
    core::JsonWriter w;
    w.BeginObject().Key("propertyName").String(property_name).EndObject();
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/metadata_index/delete", w.Take()));
    return MutationOf(json);
  }

  static Result<QueryResult> ParseQueryResult(const std::string& json) {
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    QueryResult out;
    simdjson::dom::array matches;
    if (e["matches"].get(matches) != simdjson::SUCCESS) return out;
    for (element m : matches) {
      QueryMatch match;
      match.id = Str(m, "id");
      double score = 0;
      if (m["score"].get(score) == simdjson::SUCCESS) match.score = static_cast<float>(score);
      simdjson::dom::array values;
      if (m["values"].get(values) == simdjson::SUCCESS) {
        for (element v : values) {
          double x = 0;
          if (v.get(x) == simdjson::SUCCESS) match.values.push_back(static_cast<float>(x));
        }
      }
      match.ns = Str(m, "namespace");
      element md;
      if (m["metadata"].get(md) == simdjson::SUCCESS && md.is_object()) {
        match.metadata_json = simdjson::minify(md);
      }
      out.matches.push_back(std::move(match));
    }
    return out;
  }

 private:
  Result<MutationResult> Write(const std::string& verb, std::span<const VectorRecord> records) {
    std::string ndjson;
    for (const VectorRecord& r : records) {
      core::JsonWriter w;
      w.BeginObject().Key("id").String(r.id);
      // Text and fields go to the server as they are: the server's index embeds or encodes them
      // (and refuses a record that has more than one of the three, as a local index does).
      if (!r.values.empty() || (r.text.empty() && r.fields_json.empty())) {
        w.Key("values").BeginArray();
        for (float x : r.values) w.Float(x);
        w.EndArray();
      }
      if (!r.text.empty()) w.Key("text").String(r.text);
      if (!r.fields_json.empty()) w.Key("fields").Raw(r.fields_json);
      if (!r.ns.empty()) w.Key("namespace").String(r.ns);
      if (!r.metadata_json.empty()) w.Key("metadata").Raw(r.metadata_json);
      w.EndObject();
      ndjson += w.Take();
      ndjson += '\n';
    }
    SEMBLE_ASSIGN_OR_RETURN(std::string json,
                            conn_->Call("POST", base_ + verb, ndjson, "application/x-ndjson"));
    return MutationOf(json);
  }

  std::shared_ptr<Connection> conn_;
  IndexDescription d_;
  std::string base_;
};

class RemoteDatabase final : public Database {
 public:
  explicit RemoteDatabase(std::shared_ptr<Connection> conn) : conn_(std::move(conn)) {}

  Result<std::shared_ptr<Index>> CreateIndex(const CreateIndexRequest& request) override {
    core::JsonWriter w;
    w.BeginObject().Key("name").String(request.name);
    w.Key("description").String(request.description);
    w.Key("config").BeginObject();
    const IndexConfig& c = request.config;
    if (!c.embedding_model.empty()) {
      w.Key("model").String(c.embedding_model);
      if (!c.embedding_pooling.empty()) w.Key("pooling").String(c.embedding_pooling);
      if (c.dimensions != 0) w.Key("dimensions").Uint(c.dimensions);
    } else if (!c.schema_json.empty()) {
      // The server takes the dimensions from the schema.
    } else {
      w.Key("dimensions").Uint(c.dimensions);
    }
    w.Key("metric").String(MetricName(c.metric));
    if (!c.index_type.empty()) w.Key("indexType").String(c.index_type);
    if (!c.schema_json.empty()) w.Key("schema").Raw(c.schema_json);
    w.EndObject().EndObject();
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", "/indexes", w.Take()));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    return std::shared_ptr<Index>(std::make_shared<RemoteIndex>(conn_, DescriptionOf(e)));
  }

  std::vector<IndexDescription> ListIndexes() const override {
    std::vector<IndexDescription> out;
    auto json = conn_->Call("GET", "/indexes");
    if (!json.ok()) return out;  // the interface has no error here; GetIndex reports it
    simdjson::dom::parser parser;
    auto e = Parse(&parser, *json);
    simdjson::dom::array arr;
    if (!e.ok() || e->get(arr) != simdjson::SUCCESS) return out;
    for (element d : arr) out.push_back(DescriptionOf(d));
    return out;
  }

  Result<std::shared_ptr<Index>> GetIndex(const std::string& name) const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", "/indexes/" + PercentEncode(name)));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, json));
    return std::shared_ptr<Index>(std::make_shared<RemoteIndex>(conn_, DescriptionOf(e)));
  }

  Status DeleteIndex(const std::string& name) override {
    return conn_->Call("DELETE", "/indexes/" + PercentEncode(name)).status();
  }

  Status Checkpoint() override { return Status::OK(); }
  std::vector<std::string> RecoveryLog() const override { return {}; }

 private:
  std::shared_ptr<Connection> conn_;
};

Result<std::shared_ptr<Connection>> Connect(const RemoteOptions& options) {
  const std::string& url = options.url;
  const size_t scheme = url.find("://");
  if (scheme == std::string::npos || (url.compare(0, scheme, "http") != 0 &&
                                      url.compare(0, scheme, "https") != 0)) {
    return Status::InvalidArgument("server URL \"" + url + "\" must start with http:// or https://");
  }
  const size_t path = url.find('/', scheme + 3);
  std::string origin = url.substr(0, path);
  std::string prefix = path == std::string::npos ? "" : url.substr(path);
  while (!prefix.empty() && prefix.back() == '/') prefix.pop_back();
  if (origin.size() <= scheme + 3) return Status::InvalidArgument("server URL \"" + url + "\" has no host");
  return std::make_shared<Connection>(options, std::move(origin), std::move(prefix));
}

// Appends the "embedding" arrays of an OpenAI embeddings answer's data.
Status AppendEmbeddings(const simdjson::dom::array& data, std::vector<std::vector<float>>* out) {
  for (element item : data) {
    std::vector<float> v;
    simdjson::dom::array values;
    if (item["embedding"].get(values) != simdjson::SUCCESS) return Status::IOError("embeddings: no vector");
    for (element x : values) {
      double d = 0;
      if (x.get(d) == simdjson::SUCCESS) v.push_back(static_cast<float>(d));
    }
    out->push_back(std::move(v));
  }
  return Status::OK();
}

}  // namespace

Result<std::unique_ptr<Database>> ConnectDatabase(const RemoteOptions& options) {
  SEMBLE_ASSIGN_OR_RETURN(std::shared_ptr<Connection> conn, Connect(options));
  SEMBLE_RETURN_IF_ERROR(conn->Call("GET", "/indexes").status());
  return std::unique_ptr<Database>(new RemoteDatabase(std::move(conn)));
}

Result<std::vector<std::vector<float>>> RemoteEmbed(const RemoteOptions& options,
                                                    const std::string& model,
                                                    const std::vector<std::string>& texts) {
  SEMBLE_ASSIGN_OR_RETURN(std::shared_ptr<Connection> conn, Connect(options));
  // Servers take at most 100 texts per call (Workers AI's limit, and semble's).
  constexpr size_t kPerCall = 100;
  std::vector<std::vector<float>> out;
  for (size_t begin = 0; begin < texts.size(); begin += kPerCall) {
    const size_t end = std::min(texts.size(), begin + kPerCall);
    core::JsonWriter w;
    w.BeginObject().Key("model").String(model).Key("input").BeginArray();
    for (size_t i = begin; i < end; ++i) w.String(texts[i]);
    w.EndArray().Key("encoding_format").String("float").EndObject();
    SEMBLE_ASSIGN_OR_RETURN(std::string body,
                            conn->Send("POST", conn->Path("/v1/embeddings"), w.Take()));
    simdjson::dom::parser parser;
    SEMBLE_ASSIGN_OR_RETURN(element e, Parse(&parser, body));
    simdjson::dom::array data;
    if (e["data"].get(data) != simdjson::SUCCESS) return Status::IOError("embeddings: no \"data\"");
    if (data.size() != end - begin) {
      return Status::IOError("embeddings: the server answered " + std::to_string(data.size()) +
                             " vectors for " + std::to_string(end - begin) + " texts");
    }
    SEMBLE_RETURN_IF_ERROR(AppendEmbeddings(data, &out));
  }
  return out;
}

}  // namespace semble
