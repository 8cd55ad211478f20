// Copyright 2026 The semble Authors.
//
// Opening an object store from a URL, and the options every S3 tool reads from the environment.

#include "semble/object_store.h"

#include <cstdlib>

#include "storage/object_stores.h"

namespace semble {
namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? std::string() : std::string(v);
}

}  // namespace

Status ObjectStore::GetTo(const std::string& key, uint64_t offset, uint64_t length,
                          const Sink& sink) {
  if (offset == 0 && length == kToEnd) {
    SEMBLE_ASSIGN_OR_RETURN(Object o, Get(key));
    return o.data.empty() ? Status::OK() : sink(o.data);
  }
  SEMBLE_ASSIGN_OR_RETURN(std::string range, GetRange(key, offset, length));
  return range.empty() ? Status::OK() : sink(range);
}

ObjectStoreOptions ObjectStoreOptions::FromEnvironment() {
  ObjectStoreOptions o;
  o.access_key_id = Getenv("AWS_ACCESS_KEY_ID");
  o.secret_access_key = Getenv("AWS_SECRET_ACCESS_KEY");
  o.session_token = Getenv("AWS_SESSION_TOKEN");
  std::string region = Getenv("AWS_REGION");
  if (region.empty()) region = Getenv("AWS_DEFAULT_REGION");
  if (!region.empty()) o.region = region;
  o.endpoint = Getenv("AWS_ENDPOINT_URL_S3");
  if (o.endpoint.empty()) o.endpoint = Getenv("AWS_ENDPOINT_URL");
  return o;
}

Result<std::unique_ptr<ObjectStore>> OpenObjectStore(const std::string& url,
                                                     const ObjectStoreOptions& options) {
  constexpr std::string_view kFile = "file://";
  constexpr std::string_view kS3 = "s3://";
  if (url.rfind(kFile, 0) == 0) {
    std::string root = url.substr(kFile.size());
    while (root.size() > 1 && root.back() == '/') root.pop_back();
    return storage::NewDirObjectStore(Env::Default(), root);
  }
  if (url.rfind(kS3, 0) == 0) {
    const std::string rest = url.substr(kS3.size());
    const size_t slash = rest.find('/');
    const std::string bucket = rest.substr(0, slash);
    std::string prefix = slash == std::string::npos ? "" : rest.substr(slash + 1);
    if (bucket.empty()) return Status::InvalidArgument("\"" + url + "\" names no bucket");
    if (!prefix.empty() && prefix.back() != '/') prefix += '/';
    return storage::NewS3ObjectStore(bucket, prefix, options);
  }
  return Status::InvalidArgument("\"" + url +
                                 "\" is not an object store URL (s3://bucket/prefix or "
                                 "file:///path)");
}

}  // namespace semble
