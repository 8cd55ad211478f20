// Copyright 2026 The semble Authors.
//
// Names of the public enums as they appear on the wire (Vectorize's spelling).

#include <string>

#include "semble/options.h"
#include "semble/query.h"
#include "semble/record.h"

namespace semble {

std::string_view MetricName(Metric metric) {
  switch (metric) {
    case Metric::kCosine: return "cosine";
    case Metric::kEuclidean: return "euclidean";
    case Metric::kDotProduct: return "dot-product";
  }
  return "unknown";
}

Result<Metric> ParseMetric(std::string_view name) {
  if (name == "cosine") return Metric::kCosine;
  if (name == "euclidean") return Metric::kEuclidean;
  if (name == "dot-product") return Metric::kDotProduct;
  return Status::InvalidArgument("unknown metric \"" + std::string(name) +
                                 "\"; expected cosine, euclidean or dot-product");
}

std::string_view MetadataIndexTypeName(MetadataIndexType type) {
  switch (type) {
    case MetadataIndexType::kString: return "string";
    case MetadataIndexType::kNumber: return "number";
    case MetadataIndexType::kBoolean: return "boolean";
  }
  return "unknown";
}

Result<MetadataIndexType> ParseMetadataIndexType(std::string_view name) {
  if (name == "string") return MetadataIndexType::kString;
  if (name == "number") return MetadataIndexType::kNumber;
  if (name == "boolean") return MetadataIndexType::kBoolean;
  return Status::InvalidArgument("unknown metadata index type \"" + std::string(name) +
                                 "\"; expected string, number or boolean");
}

std::string_view QueryModeName(QueryMode mode) {
  switch (mode) {
    case QueryMode::kVector: return "vector";
    case QueryMode::kKeyword: return "keyword";
    case QueryMode::kHybrid: return "hybrid";
  }
  return "unknown";
}

Result<QueryMode> ParseQueryMode(std::string_view name) {
  if (name == "vector") return QueryMode::kVector;
  if (name == "keyword") return QueryMode::kKeyword;
  if (name == "hybrid") return QueryMode::kHybrid;
  return Status::InvalidArgument("unknown query mode \"" + std::string(name) +
                                 "\"; expected vector, keyword or hybrid");
}

std::string_view FusionMethodName(FusionMethod method) {
  switch (method) {
    case FusionMethod::kReciprocalRank: return "rrf";
    case FusionMethod::kWeighted: return "weighted";
  }
  return "unknown";
}

Result<FusionMethod> ParseFusionMethod(std::string_view name) {
  if (name == "rrf") return FusionMethod::kReciprocalRank;
  if (name == "weighted") return FusionMethod::kWeighted;
  return Status::InvalidArgument("unknown fusion \"" + std::string(name) +
                                 "\"; expected rrf or weighted");
}

}  // namespace semble
