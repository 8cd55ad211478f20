// Copyright 2026 The semble Authors.
//
// ConnectDatabase: Database and Index over the Vectorize v2 HTTP API (semble/client.h).

#include <httplib.h>
#include <simdjson.h>

#include <mutex>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "core/url.h"
#include "wire/embeddings_json.h"
#include "wire/record_json.h"
#include "wire/request_json.h"
#include "wire/response_json.h"
#include "semble/client.h"

namespace semble {
namespace {

using simdjson::dom::element;


class Connection {
 public:
  Connection(RemoteOptions options, std::string origin, std::string prefix)
      : options_(std::move(options)), prefix_(std::move(prefix)), client_(origin) {
    client_.set_connection_timeout(10);
    client_.set_read_timeout(options_.timeout_seconds);
    client_.set_write_timeout(options_.timeout_seconds);
    client_.set_keep_alive(true);
    // cpp-httplib writes a request's headers and its body in two sends. With Nagle's algorithm
    // the body then waits for the headers' ACK, which the server delays (it has nothing to send
    // until it has the body): 40 ms added to every POST on Linux (bench/RESULTS.md, "The remote
    // client's 40 ms").
    client_.set_tcp_nodelay(true);
    if (!options_.token.empty()) client_.set_bearer_token_auth(options_.token);
  }

  const RemoteOptions& options() const { return options_; }

  std::string VectorizePath(std::string_view rest) const {
    return prefix_ + "/client/v4/accounts/" + core::PercentEncode(options_.account) +
           "/vectorize/v2" +
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
    int64_t code = 0;
    thread_local simdjson::dom::parser parser;
    element root;
    if (core::ParseJson(parser, body, &root) == simdjson::SUCCESS) {
      element errors;
      std::string_view m;
      if (root["errors"].get(errors) == simdjson::SUCCESS && errors.at(0)["message"].get(m) == simdjson::SUCCESS) {
        message = std::string(m);
        if (errors.at(0)["code"].get(code) != simdjson::SUCCESS) code = 0;
      } else if (root["error"]["message"].get(m) == simdjson::SUCCESS) {
        message = std::string(m);  // OpenAI's shape
      }
    }
    // Errors whose reason a caller acts on come back as the engine reports them, so that a
    // verb against a server fails as against a local directory (server/envelope.h's codes).
    if (code == 40008) {
      return Status::FailedPrecondition(message).WithReason(Status::Reason::kNoTextIndex);
    }
    if (code == 1002) {  // 503: nobody writes the index right now (a cluster's failover)
      return Status::FailedPrecondition(message).WithReason(Status::Reason::kNotWriter);
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


class RemoteIndex final : public Index {
 public:
  RemoteIndex(std::shared_ptr<Connection> conn, IndexDescription d)
      : conn_(std::move(conn)), d_(std::move(d)), base_("/indexes/" + d_.name) {}

  IndexDescription Describe() const override { return d_; }

  Result<IndexInfo> Info() const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", base_ + "/info"));
    return wire::ParseIndexInfo(json);
  }

  Result<MutationResult> Insert(std::span<const VectorRecord> records) override {
    return Write("/insert", records);
  }
  Result<MutationResult> Upsert(std::span<const VectorRecord> records) override {
    return Write("/upsert", records);
  }

  Result<MutationResult> DeleteByIds(std::span<const std::string> ids) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/delete_by_ids", wire::IdsJson(ids)));
    return wire::ParseMutation(json);
  }

  Result<std::vector<VectorRecord>> GetByIds(std::span<const std::string> ids) const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/get_by_ids", wire::IdsJson(ids)));
    return wire::ParseRecords(json);
  }

  Result<ListResult> List(const ListRequest& request) const override {
    std::string rest = base_ + "/list?count=" + std::to_string(request.count);
    if (!request.cursor.empty()) rest += "&cursor=" + core::PercentEncode(request.cursor);
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", rest));
    return wire::ParseListResult(json);
  }

  Result<QueryResult> Query(const QueryRequest& q) const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json,
                            conn_->Call("POST", base_ + "/query", wire::QueryRequestJson(q)));
    return wire::ParseQueryResult(json);
  }

  Result<MutationResult> CreateMetadataIndex(const MetadataIndexDescription& desc) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/metadata_index/create",
                                                          wire::MetadataIndexCreateJson(desc)));
    return wire::ParseMutation(json);
  }

  Result<std::vector<MetadataIndexDescription>> ListMetadataIndexes() const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("GET", base_ + "/metadata_index/list"));
    return wire::ParseMetadataIndexes(json);
  }

  Result<MutationResult> DeleteMetadataIndex(const std::string& property_name) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/metadata_index/delete",
                                                          wire::PropertyNameJson(property_name)));
    return wire::ParseMutation(json);
  }

  Result<MutationResult> ConfigureTextIndex(const TextIndexConfig& config) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", base_ + "/text_index",
                                                          wire::TextIndexBodyJson(config)));
    SEMBLE_ASSIGN_OR_RETURN(MutationResult m, wire::ParseMutation(json));
    // This handle's description follows the change, as a local index's Describe() does.
    d_.config.text_index = config.enabled ? config : TextIndexConfig{};
    return m;
  }

  Result<MutationResult> DeleteByFilter(const FilterMutation& request) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json,
                            conn_->Call("POST", base_ + "/delete_by_filter",
                                        wire::FilterMutationJson(request, /*update=*/false)));
    return wire::ParseMutation(json);
  }

  Result<MutationResult> UpdateMetadataByFilter(const FilterMutation& request) override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json,
                            conn_->Call("POST", base_ + "/update_metadata_by_filter",
                                        wire::FilterMutationJson(request, /*update=*/true)));
    return wire::ParseMutation(json);
  }

  Result<MutationResult> Write(const std::string& verb, std::span<const VectorRecord> records) {
    const std::string ndjson = wire::RecordsNdjson(records);
    SEMBLE_ASSIGN_OR_RETURN(std::string json,
                            conn_->Call("POST", base_ + verb, ndjson, "application/x-ndjson"));
    return wire::ParseMutation(json);
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
    if (c.default_ttl_seconds != 0) w.Key("defaultTtlSeconds").Int(c.default_ttl_seconds);
    if (c.shards != 1) w.Key("shards").Uint(c.shards);
    if (c.text_index.enabled) {
      w.Key("textIndex");
      wire::WriteTextIndexConfig(c.text_index, &w);
    }
    w.EndObject().EndObject();
    SEMBLE_ASSIGN_OR_RETURN(std::string json, conn_->Call("POST", "/indexes", w.Take()));
    SEMBLE_ASSIGN_OR_RETURN(IndexDescription d, wire::ParseIndexDescription(json));
    return std::shared_ptr<Index>(std::make_shared<RemoteIndex>(conn_, std::move(d)));
  }

  std::vector<IndexDescription> ListIndexes() const override {
    auto json = conn_->Call("GET", "/indexes");
    if (!json.ok()) return {};  // the interface has no error here; GetIndex reports it
    auto all = wire::ParseIndexDescriptions(*json);
    return all.ok() ? std::move(all).value() : std::vector<IndexDescription>();
  }

  Result<std::shared_ptr<Index>> GetIndex(const std::string& name) const override {
    SEMBLE_ASSIGN_OR_RETURN(std::string json,
                            conn_->Call("GET", "/indexes/" + core::PercentEncode(name)));
    SEMBLE_ASSIGN_OR_RETURN(IndexDescription d, wire::ParseIndexDescription(json));
    return std::shared_ptr<Index>(std::make_shared<RemoteIndex>(conn_, std::move(d)));
  }

  Status DeleteIndex(const std::string& name) override {
    return conn_->Call("DELETE", "/indexes/" + core::PercentEncode(name)).status();
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
    const std::vector<std::string> part(texts.begin() + begin, texts.begin() + end);
    SEMBLE_ASSIGN_OR_RETURN(
        std::string body,
        conn->Send("POST", conn->Path("/v1/embeddings"), wire::OpenAiEmbeddingsRequestJson(model, part)));
    SEMBLE_ASSIGN_OR_RETURN(std::vector<std::vector<float>> vectors,
                            wire::ParseOpenAiEmbeddingList(body));
    if (vectors.size() != part.size()) {
      return Status::IOError("embeddings: the server answered " + std::to_string(vectors.size()) +
                             " vectors for " + std::to_string(part.size()) + " texts");
    }
    std::move(vectors.begin(), vectors.end(), std::back_inserter(out));
  }
  return out;
}

}  // namespace semble
