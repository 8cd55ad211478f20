// Copyright 2026 The semble Authors.
//
// The conversions between the public C++ API's types and Python objects that the extension module
// (module.cc) needs: errors into the exception classes of semble.errors, numpy arrays into
// records' vectors and back, descriptions and infos into dicts. JSON text (metadata, filters) is
// passed through as str; the pure-Python layer (semble/_api.py) turns it into dicts with json.

#ifndef SEMBLE_PYTHON_SRC_CONVERT_H_
#define SEMBLE_PYTHON_SRC_CONVERT_H_

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <string>
#include <vector>

#include "semble/options.h"
#include "semble/record.h"
#include "semble/status.h"

namespace semble::python {

namespace py = pybind11;

// A float32 array; numpy converts other dtypes and layouts, and passes a C-contiguous float32
// array through without a copy.
using FloatArray = py::array_t<float, py::array::c_style | py::array::forcecast>;

// Raises the semble.errors exception for a non-OK status (code, reason and message); never returns.
[[noreturn]] void Raise(const Status& status);
// Raises for a non-OK status; does nothing for OK.
inline void Check(const Status& status) {
  if (!status.ok()) Raise(status);
}

// "bad_filter", ...; "" for Reason::kNone.
std::string ReasonName(Status::Reason reason);

// A 1-D float32 array that owns `values` (moved, not copied).
py::array_t<float> ToArray(std::vector<float>&& values);

// Rows of a 2-D array (or the one row of a 1-D array) as vectors; the array's buffer is read
// directly. InvalidArgument when the row count is not `rows` or the array has more dimensions.
std::vector<std::vector<float>> Rows(const FloatArray& array, size_t rows);

// The dict's "text_index" is None without a full-text index, else {fields, language, k1, b}.
py::dict DescriptionToDict(const IndexDescription& d);
// A TextIndexConfig from {enabled, fields, language, k1, b}: every key optional, enabled defaults
// to true and the others to TextIndexConfig's defaults (semble/_api.py checks the types);
// InvalidArgument for another key. The engine checks the values.
TextIndexConfig TextIndexFromDict(const py::dict& config);
py::dict InfoToDict(const IndexInfo& info);

}  // namespace semble::python

#endif  // SEMBLE_PYTHON_SRC_CONVERT_H_
