// Copyright 2026 The semble Authors.

#include "convert.h"

#include <pybind11/stl.h>

#include <charconv>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <utility>

#include "semble/options.h"

namespace semble::python {

std::string ReasonName(Status::Reason reason) {
  using R = Status::Reason;
  switch (reason) {
    case R::kNone: return "";
    case R::kIndexNotFound: return "index_not_found";
    case R::kIndexExists: return "index_exists";
    case R::kVectorNotFound: return "vector_not_found";
    case R::kModelNotFound: return "model_not_found";
    case R::kModelMismatch: return "model_mismatch";
    case R::kNoModel: return "no_model";
    case R::kNoSchema: return "no_schema";
    case R::kBreaksSchema: return "breaks_schema";
    case R::kBadFilter: return "bad_filter";
    case R::kRecordDimensions: return "record_dimensions";
    case R::kQueryDimensions: return "query_dimensions";
    case R::kMetadataTooLarge: return "metadata_too_large";
    case R::kMissingField: return "missing_field";
    case R::kConditionFailed: return "condition_failed";
    case R::kFenced: return "fenced";
    case R::kNoTextIndex: return "no_text_index";
    case R::kNotWriter: return "not_writer";
  }
  return "unknown";
}

void Raise(const Status& status) {
  // The classes live in Python (semble/errors.py) so that users can subclass and import them
  // without the extension; from_status picks the class for the code.
  py::object from_status = py::module_::import("semble.errors").attr("from_status");
  py::object reason = status.reason() == Status::Reason::kNone
                          ? py::object(py::none())
                          : py::object(py::str(ReasonName(status.reason())));
  py::object error = from_status(std::string(CodeName(status.code())), reason, status.message());
  PyErr_SetObject(reinterpret_cast<PyObject*>(Py_TYPE(error.ptr())), error.ptr());
  throw py::error_already_set();
}

py::array_t<float> ToArray(std::vector<float>&& values) {
  auto* owned = new std::vector<float>(std::move(values));
  py::capsule free_when_done(owned, [](void* p) { delete static_cast<std::vector<float>*>(p); });
  return py::array_t<float>({static_cast<py::ssize_t>(owned->size())}, {sizeof(float)},
                            owned->data(), free_when_done);
}

std::vector<std::vector<float>> Rows(const FloatArray& array, size_t rows) {
  if (array.ndim() != 1 && array.ndim() != 2) {
    Raise(Status::InvalidArgument("vectors must be a 1-D array (one record) or a 2-D array (one row "
                                  "per record), not " + std::to_string(array.ndim()) + "-D"));
  }
  const size_t n = array.ndim() == 1 ? 1 : static_cast<size_t>(array.shape(0));
  const size_t dims = static_cast<size_t>(array.shape(array.ndim() - 1));
  if (n != rows) {
    Raise(Status::InvalidArgument("vectors has " + std::to_string(n) + " rows for " +
                                  std::to_string(rows) + " ids"));
  }
  std::vector<std::vector<float>> out(n);
  const float* data = array.data();  // C-contiguous: row i starts at i * dims
  for (size_t i = 0; i < n; ++i) out[i].assign(data + i * dims, data + (i + 1) * dims);
  return out;
}

namespace {

// The float as the Python float of its shortest decimal form (1.2f is 1.2, not 1.2000000476837158),
// so that settings read back compare equal to the ones written.
double ShortestDouble(float f) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), f);
  if (ec != std::errc()) return f;
  return std::strtod(std::string(buf, end).c_str(), nullptr);
}

}  // namespace

py::dict DescriptionToDict(const IndexDescription& d) {
  py::dict out;
  out["name"] = d.name;
  out["description"] = d.description;
  out["dimensions"] = d.config.dimensions;
  out["metric"] = std::string(MetricName(d.config.metric));
  out["index_type"] = d.config.index_type;
  out["embedding_model"] = d.config.embedding_model;
  out["embedding_pooling"] = d.config.embedding_pooling;
  out["schema_json"] = d.config.schema_json;
  const TextIndexConfig& t = d.config.text_index;
  if (t.enabled) {
    py::dict text_index;
    text_index["fields"] = t.fields;
    text_index["language"] = t.language;
    text_index["k1"] = ShortestDouble(t.k1);
    text_index["b"] = ShortestDouble(t.b);
    out["text_index"] = text_index;
  } else {
    out["text_index"] = py::none();
  }
  out["created_on_ms"] = d.created_on_ms;
  out["modified_on_ms"] = d.modified_on_ms;
  return out;
}

TextIndexConfig TextIndexFromDict(const py::dict& config) {
  TextIndexConfig out;
  out.enabled = true;
  for (const auto& [key, value] : config) {
    const std::string k = py::cast<std::string>(key);
    if (k == "enabled") out.enabled = py::cast<bool>(value);
    else if (k == "fields") out.fields = py::cast<std::vector<std::string>>(value);
    else if (k == "language") out.language = py::cast<std::string>(value);
    else if (k == "k1") out.k1 = py::cast<float>(value);
    else if (k == "b") out.b = py::cast<float>(value);
    else Raise(Status::InvalidArgument("text_index has no setting \"" + k +
                                       "\" (enabled, fields, language, k1, b)"));
  }
  return out;
}

py::dict InfoToDict(const IndexInfo& info) {
  py::dict out;
  out["dimensions"] = info.dimensions;
  out["vector_count"] = info.vector_count;
  out["processed_up_to_mutation"] = info.processed_up_to_mutation;
  out["processed_up_to_ms"] =
      info.processed_up_to_ms ? py::object(py::int_(*info.processed_up_to_ms)) : py::object(py::none());
  out["index_type"] = info.index_type;
  out["memory_bytes_per_vector"] = info.memory_bytes_per_vector;
  out["unindexed_vectors"] = info.unindexed_vectors;
  return out;
}

}  // namespace semble::python
