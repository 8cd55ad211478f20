// Copyright 2026 The semble Authors.
//
// semble._semble: the public C++ API (include/semble/) for Python. Two classes, thin on purpose:
// _Database (an embedded database directory, or a server reached over HTTP through
// ConnectDatabase: both are a semble::Database) and _Index. Arguments and results are plain
// Python values, numpy arrays and JSON text; semble/_api.py builds the user-facing classes on
// them. Every engine call runs with the GIL released; errors become semble.errors exceptions.

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <shared_mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "convert.h"
#include "semble/client.h"
#include "semble/database.h"
#include "semble/model_registry.h"
#include "semble/model_store.h"
#include "semble/query.h"
#include "semble/recommend.h"

namespace semble::python {
namespace {

// What a _Database and every _Index taken from it share. An index handle keeps it alive, so the
// model registry an embedded database embeds with outlives every handle that may still embed.
struct Holder {
  std::unique_ptr<ModelRegistry> models;  // embedded only; declared first, destroyed last
  std::unique_ptr<Database> db;           // null once closed
  std::optional<RemoteOptions> remote;    // set for a server
  std::shared_mutex mu;                   // close() takes it exclusively, calls shared

  ~Holder() { Close(); }

  void Close() {
    std::unique_lock lock(mu);
    db.reset();  // embedded: checkpoints (DatabaseOptions::checkpoint_on_close), closes indexes
    if (models != nullptr) (void)models->SaveCaches();  // an optimisation: failures lose nothing
  }
};

// A shared lock on an open database for the duration of one call; raises when it is closed.
class OpenGuard {
 public:
  explicit OpenGuard(Holder& h) : lock_(h.mu) {
    if (h.db == nullptr) {
      lock_.unlock();
      Raise(Status::FailedPrecondition("the database is closed"));
    }
  }

 private:
  std::shared_lock<std::shared_mutex> lock_;
};

// Runs an engine call with the GIL released and returns its value, raising its error.
template <typename F>
auto Call(F&& f) {
  auto result = [&] {
    py::gil_scoped_release release;
    return f();
  }();
  if constexpr (std::is_same_v<decltype(result), Status>) {
    Check(result);
  } else {
    if (!result.ok()) Raise(result.status());
    return std::move(result).value();
  }
}

ReturnMetadata ParseReturnMetadata(const std::string& name) {
  if (name == "none") return ReturnMetadata::kNone;
  if (name == "indexed") return ReturnMetadata::kIndexed;
  if (name == "all") return ReturnMetadata::kAll;
  Raise(Status::InvalidArgument("return_metadata must be \"none\", \"indexed\" or \"all\", not \"" +
                                name + "\""));
}

// The fields QueryRequest and RecommendRequest share.
template <typename Request>
void SetSearch(Request* r, uint32_t top_k, bool return_values, const std::string& return_metadata,
               const std::optional<std::string>& ns, const std::string& filter_json) {
  r->top_k = top_k;
  r->return_values = return_values;
  r->return_metadata = ParseReturnMetadata(return_metadata);
  r->ns = ns;
  r->filter_json = filter_json;
}

py::list MatchesToList(std::vector<QueryMatch>&& matches) {
  py::list out;
  for (QueryMatch& m : matches) {
    py::object values = m.values.empty() ? py::object(py::none()) : py::object(ToArray(std::move(m.values)));
    out.append(py::make_tuple(m.id, m.score, values, m.ns, m.metadata_json));
  }
  return out;
}

// A group_size or group_count from Python: negative or too large is the engine's InvalidArgument,
// not pybind11's TypeError.
uint32_t GroupNumber(int64_t n, const char* what) {
  if (n < 0 || n > int64_t{UINT32_MAX}) {
    Raise(Status::InvalidArgument(std::string(what) + " must be between 1 and 100, got " +
                                  std::to_string(n)));
  }
  return static_cast<uint32_t>(n);
}

class PyIndex {
 public:
  PyIndex(std::shared_ptr<Holder> holder, std::shared_ptr<Index> index)
      : holder_(std::move(holder)), index_(std::move(index)) {}

  py::dict Describe() const { return DescriptionToDict(index_->Describe()); }

  py::dict Info() const {
    OpenGuard open(*holder_);
    return InfoToDict(Call([&] { return index_->Info(); }));
  }

  // One batch: ids with vectors (rows), texts, or both; metadata and namespaces per record ("" =
  // none) or empty. A text of a record with a vector is stored and indexed, not embedded; with
  // vectors, a None text is a record without text.
  std::string Write(bool upsert, const std::vector<std::string>& ids,
                    const std::optional<FloatArray>& vectors,
                    const std::optional<std::vector<std::optional<std::string>>>& texts,
                    const std::vector<std::string>& metadata_json,
                    const std::vector<std::string>& namespaces) {
    if (!vectors.has_value() && !texts.has_value()) {
      Raise(Status::InvalidArgument("give vectors, texts, or both"));
    }
    auto per_record = [&](size_t n, const char* what) {
      if (n != 0 && n != ids.size()) {
        Raise(Status::InvalidArgument(std::string(what) + " has " + std::to_string(n) +
                                      " entries for " + std::to_string(ids.size()) + " ids"));
      }
    };
    per_record(metadata_json.size(), "metadata");
    per_record(namespaces.size(), "namespaces");
    std::vector<VectorRecord> records(ids.size());
    if (vectors) {
      std::vector<std::vector<float>> rows = Rows(*vectors, ids.size());
      for (size_t i = 0; i < ids.size(); ++i) records[i].values = std::move(rows[i]);
    }
    if (texts) {
      if (texts->size() != ids.size()) {
        Raise(Status::InvalidArgument("texts has " + std::to_string(texts->size()) +
                                      " entries for " + std::to_string(ids.size()) + " ids"));
      }
      for (size_t i = 0; i < ids.size(); ++i) {
        if ((*texts)[i]) {
          records[i].text = *(*texts)[i];
        } else if (!vectors) {
          Raise(Status::InvalidArgument("texts[" + std::to_string(i) + "] (id \"" + ids[i] +
                                        "\") is None and the record has no vector"));
        }
      }
    }
    for (size_t i = 0; i < ids.size(); ++i) {
      records[i].id = ids[i];
      if (!metadata_json.empty()) records[i].metadata_json = metadata_json[i];
      if (!namespaces.empty()) records[i].ns = namespaces[i];
    }
    OpenGuard open(*holder_);
    return Call([&] { return upsert ? index_->Upsert(records) : index_->Insert(records); })
        .mutation_id;
  }

  std::string DeleteByIds(const std::vector<std::string>& ids) {
    OpenGuard open(*holder_);
    return Call([&] { return index_->DeleteByIds(ids); }).mutation_id;
  }

  // [(id, values, namespace, metadata_json, text)]
  py::list GetByIds(const std::vector<std::string>& ids) const {
    OpenGuard open(*holder_);
    std::vector<VectorRecord> records = Call([&] { return index_->GetByIds(ids); });
    py::list out;
    for (VectorRecord& r : records) {
      out.append(py::make_tuple(r.id, ToArray(std::move(r.values)), r.ns, r.metadata_json, r.text));
    }
    return out;
  }

  py::dict List(uint32_t count, const std::string& cursor) const {
    OpenGuard open(*holder_);
    ListResult page = Call([&] { return index_->List({count, cursor}); });
    py::dict out;
    out["ids"] = page.ids;
    out["total_count"] = page.total_count;
    out["is_truncated"] = page.is_truncated;
    out["next_cursor"] = page.next_cursor;
    return out;
  }

  // (matches, groups): matches [(id, score, values or None, namespace, metadata_json)] best
  // first; groups [(value as JSON, matches)] with group_by, else [].
  py::tuple Query(const std::optional<FloatArray>& vector,
                  const std::optional<std::string>& vector_id, const std::string& text,
                  uint32_t top_k, bool return_values, const std::string& return_metadata,
                  const std::optional<std::string>& ns, const std::string& filter_json,
                  std::optional<uint32_t> ef, std::optional<float> recall,
                  const std::vector<std::string>& exclude_ids, const std::string& mode,
                  const std::string& fusion, std::optional<float> alpha,
                  const std::string& group_by, int64_t group_size,
                  std::optional<int64_t> group_count) const {
    QueryRequest q;
    auto parsed_mode = ParseQueryMode(mode);
    if (!parsed_mode.ok()) Raise(parsed_mode.status());
    q.mode = *parsed_mode;
    auto parsed_fusion = ParseFusionMethod(fusion);
    if (!parsed_fusion.ok()) Raise(parsed_fusion.status());
    q.fusion = *parsed_fusion;
    q.alpha = alpha;
    q.group_by = group_by;
    q.group_size = GroupNumber(group_size, "group_size");
    if (group_count) q.group_count = GroupNumber(*group_count, "group_count");
    if (vector) {
      if (vector->ndim() != 1) {
        Raise(Status::InvalidArgument("a query vector must be a 1-D array, not " +
                                      std::to_string(vector->ndim()) + "-D"));
      }
      q.vector.assign(vector->data(), vector->data() + vector->shape(0));
    }
    q.vector_id = vector_id;
    q.text = text;
    SetSearch(&q, top_k, return_values, return_metadata, ns, filter_json);
    q.ef = ef;
    q.recall = recall;
    q.exclude_ids = exclude_ids;
    OpenGuard open(*holder_);
    QueryResult result = Call([&] { return index_->Query(q); });
    py::list groups;
    for (QueryGroup& g : result.groups) {
      groups.append(py::make_tuple(g.key_json, MatchesToList(std::move(g.matches))));
    }
    return py::make_tuple(MatchesToList(std::move(result.matches)), groups);
  }

  py::list Recommend(const std::vector<std::string>& positive,
                     const std::vector<std::string>& negative, uint32_t top_k, bool return_values,
                     const std::string& return_metadata, const std::optional<std::string>& ns,
                     const std::string& filter_json) const {
    RecommendRequest r;
    r.positive = positive;
    r.negative = negative;
    SetSearch(&r, top_k, return_values, return_metadata, ns, filter_json);
    OpenGuard open(*holder_);
    return MatchesToList(Call([&] { return semble::Recommend(*index_, r); }).matches);
  }

  std::string CreateMetadataIndex(const std::string& property, const std::string& type) {
    MetadataIndexDescription desc;
    desc.property_name = property;
    auto parsed = ParseMetadataIndexType(type);
    if (!parsed.ok()) Raise(parsed.status());
    desc.type = *parsed;
    OpenGuard open(*holder_);
    return Call([&] { return index_->CreateMetadataIndex(desc); }).mutation_id;
  }

  // [(property, type)]
  std::vector<std::pair<std::string, std::string>> ListMetadataIndexes() const {
    OpenGuard open(*holder_);
    std::vector<std::pair<std::string, std::string>> out;
    for (const auto& d : Call([&] { return index_->ListMetadataIndexes(); })) {
      out.emplace_back(d.property_name, std::string(MetadataIndexTypeName(d.type)));
    }
    return out;
  }

  std::string DeleteMetadataIndex(const std::string& property) {
    OpenGuard open(*holder_);
    return Call([&] { return index_->DeleteMetadataIndex(property); }).mutation_id;
  }

  // Enables, changes or (enabled False) drops the full-text index; `config` as TextIndexFromDict.
  std::string ConfigureTextIndex(const py::dict& config) {
    const TextIndexConfig c = TextIndexFromDict(config);
    OpenGuard open(*holder_);
    return Call([&] { return index_->ConfigureTextIndex(c); }).mutation_id;
  }

 private:
  std::shared_ptr<Holder> holder_;
  std::shared_ptr<Index> index_;
};

SyncMode ParseSyncMode(const std::string& name) {
  if (name == "group-commit") return SyncMode::kGroupCommit;
  if (name == "per-write") return SyncMode::kPerWrite;
  if (name == "none") return SyncMode::kNone;
  Raise(Status::InvalidArgument("sync must be \"group-commit\", \"per-write\" or \"none\", not \"" +
                                name + "\""));
}

class PyDatabase {
 public:
  static PyDatabase Open(const std::string& path, bool create_if_missing, const std::string& sync,
                         bool checkpoint_on_close, uint64_t checkpoint_wal_bytes,
                         double checkpoint_wal_ratio,
                         const std::string& default_index_type, uint32_t exact_search_below,
                         bool repair_damaged_logs, const std::string& models_dir,
                         const py::dict& limits) {
    DatabaseOptions options;
    options.create_if_missing = create_if_missing;
    options.sync_mode = ParseSyncMode(sync);
    options.checkpoint_on_close = checkpoint_on_close;
    options.checkpoint_wal_bytes = checkpoint_wal_bytes;
    options.checkpoint_wal_ratio = checkpoint_wal_ratio;
    options.default_index_type = default_index_type;
    options.exact_search_below = exact_search_below;
    options.repair_damaged_logs = repair_damaged_logs;
    SetLimits(limits, &options.limits);
    auto holder = std::make_shared<Holder>();
    // The registry the database would make for itself (database_impl.cc), but owned here so that
    // index handles that outlive close() never embed through a freed one.
    ModelRegistryOptions m;
    m.models_dir = models_dir.empty() ? DefaultModelsDir(path) : models_dir;
    m.cache_dir = path + "/cache";
    m.embedder.threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    holder->models = std::make_unique<ModelRegistry>(std::move(m));
    options.models = holder->models.get();
    holder->db = Call([&] { return Database::Open(options, path); });
    return PyDatabase(std::move(holder));
  }

  static PyDatabase Connect(const std::string& url, const std::string& token,
                            const std::string& account, int timeout_seconds) {
    RemoteOptions remote{url, token, account, timeout_seconds};
    auto holder = std::make_shared<Holder>();
    holder->db = Call([&] { return ConnectDatabase(remote); });
    holder->remote = remote;
    return PyDatabase(std::move(holder));
  }

  bool remote() const { return holder_->remote.has_value(); }
  bool closed() const {
    std::shared_lock lock(holder_->mu);
    return holder_->db == nullptr;
  }
  std::string models_dir() const {
    return holder_->models != nullptr ? holder_->models->models_dir() : "";
  }

  void Close() {
    py::gil_scoped_release release;
    holder_->Close();
  }

  PyIndex CreateIndex(const std::string& name, const std::string& description, uint32_t dimensions,
                      const std::string& metric, const std::string& index_type,
                      const std::string& model, const std::string& pooling,
                      const std::optional<py::dict>& text_index) {
    CreateIndexRequest request;
    request.name = name;
    request.description = description;
    auto parsed_metric = ParseMetric(metric);
    if (!parsed_metric.ok()) Raise(parsed_metric.status());
    request.config.dimensions = dimensions;
    request.config.metric = *parsed_metric;
    request.config.index_type = index_type;
    request.config.embedding_model = model;
    request.config.embedding_pooling = model.empty() ? "" : pooling;
    if (text_index) request.config.text_index = TextIndexFromDict(*text_index);
    OpenGuard open(*holder_);
    if (!model.empty() && holder_->models != nullptr) {
      // Embedded: the dimensions and the canonical id come from the model itself (the CLI's
      // `create --model` does the same); a server works them out on its side.
      auto parsed_pooling = ParsePooling(pooling);
      if (!parsed_pooling.ok()) Raise(parsed_pooling.status());
      Embedder* embedder = Call([&] { return holder_->models->Get(model, *parsed_pooling); });
      const auto model_dims = static_cast<uint32_t>(embedder->info().dimensions);
      if (dimensions != 0 && dimensions != model_dims) {
        Raise(Status::InvalidArgument("dimensions " + std::to_string(dimensions) +
                                      " does not match model \"" + model + "\" (" +
                                      std::to_string(model_dims) + ")"));
      }
      request.config.dimensions = model_dims;
      request.config.embedding_model = embedder->info().model_id;
    }
    return PyIndex(holder_, Call([&] { return holder_->db->CreateIndex(request); }));
  }

  py::list ListIndexes() const {
    OpenGuard open(*holder_);
    std::vector<IndexDescription> all;
    {
      py::gil_scoped_release release;
      all = holder_->db->ListIndexes();
    }
    py::list out;
    for (const IndexDescription& d : all) out.append(DescriptionToDict(d));
    return out;
  }

  PyIndex GetIndex(const std::string& name) const {
    OpenGuard open(*holder_);
    return PyIndex(holder_, Call([&] { return holder_->db->GetIndex(name); }));
  }

  void DeleteIndex(const std::string& name) {
    OpenGuard open(*holder_);
    Call([&] { return holder_->db->DeleteIndex(name); });
  }

  void Checkpoint() {
    OpenGuard open(*holder_);
    Call([&] { return holder_->db->Checkpoint(); });
  }

  std::vector<std::string> RecoveryLog() const {
    OpenGuard open(*holder_);
    return holder_->db->RecoveryLog();
  }

  // The installed models (embedded only).
  std::vector<std::string> Models() const {
    if (holder_->models == nullptr) Raise(Status::FailedPrecondition("a server lists its own models"));
    py::gil_scoped_release release;
    return holder_->models->Installed();
  }

  // (n, dims) float32: texts embedded with a model, here or on the server.
  py::array_t<float> Embed(const std::vector<std::string>& texts, const std::string& model,
                           const std::string& pooling) {
    OpenGuard open(*holder_);
    std::vector<std::vector<float>> vectors;
    if (holder_->models != nullptr) {
      auto parsed = ParsePooling(pooling);
      if (!parsed.ok()) Raise(parsed.status());
      vectors = Call([&] { return holder_->models->Embed(model, *parsed, texts); });
    } else {
      vectors = Call([&] { return RemoteEmbed(*holder_->remote, model, texts); });
    }
    const size_t dims = vectors.empty() ? 0 : vectors[0].size();
    py::array_t<float> out({vectors.size(), dims});
    float* data = out.mutable_data();
    for (size_t i = 0; i < vectors.size(); ++i) {
      std::copy(vectors[i].begin(), vectors[i].end(), data + i * dims);
    }
    return out;
  }

 private:
  explicit PyDatabase(std::shared_ptr<Holder> holder) : holder_(std::move(holder)) {}

  static void SetLimits(const py::dict& limits, Limits* out) {
    for (const auto& [key, value] : limits) {
      const std::string k = py::cast<std::string>(key);
      if (k == "max_dimensions") out->max_dimensions = py::cast<uint32_t>(value);
      else if (k == "max_metadata_bytes") out->max_metadata_bytes = py::cast<size_t>(value);
      else if (k == "max_filter_bytes") out->max_filter_bytes = py::cast<size_t>(value);
      else if (k == "max_metadata_indexes") out->max_metadata_indexes = py::cast<size_t>(value);
      else if (k == "max_top_k") out->max_top_k = py::cast<uint32_t>(value);
      else if (k == "max_top_k_with_data") out->max_top_k_with_data = py::cast<uint32_t>(value);
      else if (k == "max_list_count") out->max_list_count = py::cast<uint32_t>(value);
      else if (k == "max_batch_vectors") out->max_batch_vectors = py::cast<size_t>(value);
      else Raise(Status::InvalidArgument("unknown limit \"" + k + "\""));
    }
  }

  std::shared_ptr<Holder> holder_;
};

}  // namespace
}  // namespace semble::python

PYBIND11_MODULE(_semble, m) {
  using namespace semble::python;
  namespace py = pybind11;
  using py::arg;
  m.doc() = "semble's C++ engine and HTTP client; use the semble package, not this module.";

  py::class_<PyIndex>(m, "_Index")
      .def("describe", &PyIndex::Describe)
      .def("info", &PyIndex::Info)
      .def("write", &PyIndex::Write, arg("upsert"), arg("ids"), arg("vectors"), arg("texts"),
           arg("metadata_json"), arg("namespaces"))
      .def("delete_by_ids", &PyIndex::DeleteByIds, arg("ids"))
      .def("get_by_ids", &PyIndex::GetByIds, arg("ids"))
      .def("list", &PyIndex::List, arg("count"), arg("cursor"))
      .def("query", &PyIndex::Query, arg("vector"), arg("vector_id"), arg("text"), arg("top_k"),
           arg("return_values"), arg("return_metadata"), arg("namespace"), arg("filter_json"),
           arg("ef"), arg("recall"), arg("exclude_ids"), arg("mode"), arg("fusion"), arg("alpha"),
           arg("group_by"), arg("group_size"), arg("group_count"))
      .def("recommend", &PyIndex::Recommend, arg("positive"), arg("negative"), arg("top_k"),
           arg("return_values"), arg("return_metadata"), arg("namespace"), arg("filter_json"))
      .def("create_metadata_index", &PyIndex::CreateMetadataIndex, arg("property"), arg("type"))
      .def("list_metadata_indexes", &PyIndex::ListMetadataIndexes)
      .def("delete_metadata_index", &PyIndex::DeleteMetadataIndex, arg("property"))
      .def("configure_text_index", &PyIndex::ConfigureTextIndex, arg("config"));

  py::class_<PyDatabase>(m, "_Database")
      .def_static("open", &PyDatabase::Open, arg("path"), arg("create_if_missing"), arg("sync"),
                  arg("checkpoint_on_close"), arg("checkpoint_wal_bytes"),
                  arg("checkpoint_wal_ratio"),
                  arg("default_index_type"), arg("exact_search_below"),
                  arg("repair_damaged_logs"), arg("models_dir"), arg("limits"))
      .def_static("connect", &PyDatabase::Connect, arg("url"), arg("token"), arg("account"),
                  arg("timeout_seconds"))
      .def_property_readonly("remote", &PyDatabase::remote)
      .def_property_readonly("closed", &PyDatabase::closed)
      .def_property_readonly("models_dir", &PyDatabase::models_dir)
      .def("close", &PyDatabase::Close)
      .def("create_index", &PyDatabase::CreateIndex, arg("name"), arg("description"),
           arg("dimensions"), arg("metric"), arg("index_type"), arg("model"), arg("pooling"),
           arg("text_index"))
      .def("list_indexes", &PyDatabase::ListIndexes)
      .def("get_index", &PyDatabase::GetIndex, arg("name"))
      .def("delete_index", &PyDatabase::DeleteIndex, arg("name"))
      .def("checkpoint", &PyDatabase::Checkpoint)
      .def("recovery_log", &PyDatabase::RecoveryLog)
      .def("models", &PyDatabase::Models)
      .def("embed", &PyDatabase::Embed, arg("texts"), arg("model"), arg("pooling"));
}
