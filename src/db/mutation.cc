// Copyright 2026 The semble Authors.

#include "db/mutation.h"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "core/coding.h"
#include "core/utf8.h"

namespace semble::db {
namespace {

// Tag the optional sections at the end of an insert / upsert payload, in this order: every
// record's expiry, every record's text. A batch without expiries or texts omits the section, so
// such batches are encoded exactly as before the section existed.
constexpr uint8_t kExpirySection = 1;
constexpr uint8_t kTextSection = 2;

// Reads a list of ids written as a count and length-prefixed strings; nullptr, or what is wrong.
const char* DecodeIds(std::string_view* in, std::vector<std::string>* ids) {
  uint64_t n;
  // An id takes at least its length prefix; ids are appended as read, so a count that lies
  // cannot make a large allocation.
  if (!core::GetVarint64(in, &n) || n > in->size()) return "id count";
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view id;
    if (!core::GetLengthPrefixed(in, &id)) return "id";
    ids->emplace_back(id);
  }
  return nullptr;
}

}  // namespace

using core::GetByte;
using core::GetFixed64;
using core::GetLengthPrefixed;
using core::GetVarint64;
using core::PutFixed64;
using core::PutLengthPrefixed;
using core::PutVarint64;

void EncodeRecord(const VectorRecord& r, std::string* out) {
  PutLengthPrefixed(out, r.id);
  PutLengthPrefixed(out, r.ns);
  PutLengthPrefixed(out, r.metadata_json);
  out->append(reinterpret_cast<const char*>(r.values.data()), r.values.size() * sizeof(float));
}

bool DecodeRecord(std::string_view* in, uint32_t dimensions, VectorRecord* r) {
  std::string_view id, ns, md;
  if (!GetLengthPrefixed(in, &id) || !GetLengthPrefixed(in, &ns) || !GetLengthPrefixed(in, &md)) {
    return false;
  }
  const size_t bytes = static_cast<size_t>(dimensions) * sizeof(float);
  if (in->size() < bytes) return false;
  r->id.assign(id);
  r->ns.assign(ns);
  r->metadata_json.assign(md);
  r->values.resize(dimensions);
  // With no dimensions values.data() may be null, and a memcpy to null is undefined even for zero
  // bytes. (No index has 0 dimensions, but this decoder also reads foreign files.)
  if (bytes != 0) std::memcpy(r->values.data(), in->data(), bytes);
  in->remove_prefix(bytes);
  return true;
}

void EncodeMutation(const Mutation& m, std::string* out) {
  out->push_back(static_cast<char>(m.type));
  PutFixed64(out, m.seq);
  PutFixed64(out, static_cast<uint64_t>(m.time_ms));
  switch (m.type) {
    case MutationType::kInsert:
    case MutationType::kUpsert: {
      // Sized first: growing a batch's 7.7 MB by doubling would copy it about once more.
      size_t bytes = 0;
      for (const VectorRecord& r : m.records) {
        bytes += 15 + r.id.size() + r.ns.size() + r.metadata_json.size() +
                 r.values.size() * sizeof(float);
      }
      out->reserve(out->size() + bytes + 10);
      PutVarint64(out, m.records.size());
      bool expiring = false;
      for (const VectorRecord& r : m.records) {
        EncodeRecord(r, out);
        expiring |= r.expires_at_ms != 0;
      }
      // Expiry came later: a batch without any is encoded as before it existed, and one with
      // some ends with a tagged section of every record's expiry.
      if (expiring) {
        out->push_back(static_cast<char>(kExpirySection));
        for (const VectorRecord& r : m.records) {
          PutVarint64(out, static_cast<uint64_t>(r.expires_at_ms));
        }
      }
      if (std::any_of(m.records.begin(), m.records.end(),
                      [](const VectorRecord& r) { return !r.text.empty(); })) {
        out->push_back(static_cast<char>(kTextSection));
        for (const VectorRecord& r : m.records) PutLengthPrefixed(out, r.text);
      }
      break;
    }
    case MutationType::kConfigureTextIndex:
      EncodeTextIndexConfig(m.text_index, out);
      break;
    case MutationType::kDelete:
      PutVarint64(out, m.ids.size());
      for (const std::string& id : m.ids) PutLengthPrefixed(out, id);
      break;
    case MutationType::kCreateMetadataIndex:
      PutLengthPrefixed(out, m.metadata_index.property_name);
      out->push_back(static_cast<char>(m.metadata_index.type));
      break;
    case MutationType::kDeleteMetadataIndex:
      PutLengthPrefixed(out, m.metadata_index.property_name);
      break;
    case MutationType::kPurgeExpired:
      break;
    case MutationType::kDeleteByFilter:
    case MutationType::kUpdateMetadataByFilter:
      PutLengthPrefixed(out, m.filter_json);
      if (m.type == MutationType::kUpdateMetadataByFilter) {
        out->push_back(m.merge ? 1 : 0);
        PutLengthPrefixed(out, m.patch_json);
      }
      PutVarint64(out, m.ids.size());
      for (const std::string& id : m.ids) PutLengthPrefixed(out, id);
      break;
  }
}

meta::Value UpdatedMetadata(const meta::Value& current, const meta::Value& patch, bool merge) {
  std::vector<meta::Value::Member> members;
  if (merge && current.kind() == meta::Value::Kind::kObject) {
    members = current.members();
    // Not a structured binding: clang 14 (the fuzz build's compiler) cannot capture one.
    for (const meta::Value::Member& p : patch.members()) {
      const std::string& key = p.first;
      auto it = std::find_if(members.begin(), members.end(),
                             [&key](const meta::Value::Member& m) { return m.first == key; });
      if (it != members.end()) {
        it->second = p.second;
      } else {
        members.emplace_back(key, p.second);
      }
    }
  } else if (patch.kind() == meta::Value::Kind::kObject) {
    members = patch.members();
  }
  // As on insert, an empty object is "no metadata".
  if (members.empty()) return meta::Value();
  return meta::Value::Object(std::move(members));
}

meta::Value DecodeStoredMetadata(std::string* json, bool* salvaged) {
  // The size limit was enforced when the record was accepted; do not re-apply a limit that the
  // operator may since have lowered.
  auto md = meta::ParseMetadata(*json, SIZE_MAX);
  *salvaged = !md.ok();
  if (md.ok()) return std::move(md).value();
  std::string kept = *json;
  if (!core::IsValidUtf8(kept)) {
    static const char kHex[] = "0123456789abcdef";
    kept = "hex:";
    for (unsigned char c : *json) {
      kept.push_back(kHex[c >> 4]);
      kept.push_back(kHex[c & 15]);
    }
  }
  std::vector<meta::Value::Member> members;
  members.emplace_back("semble_unreadable_metadata", meta::Value::String(std::move(kept)));
  meta::Value value = meta::Value::Object(std::move(members));
  *json = meta::ToJson(value);
  return value;
}

Result<Mutation> DecodeMutation(std::string_view in, uint32_t dimensions) {
  auto bad = [](std::string_view what) {
    return Status::Corruption("malformed mutation record: " + std::string(what));
  };
  Mutation m;
  uint8_t type;
  uint64_t time;
  if (!GetByte(&in, &type) || !GetFixed64(&in, &m.seq) || !GetFixed64(&in, &time)) {
    return bad("short header");
  }
  m.time_ms = static_cast<int64_t>(time);
  m.type = static_cast<MutationType>(type);
  uint64_t n;
  switch (m.type) {
    case MutationType::kInsert:
    case MutationType::kUpsert:
      // A count is checked against the bytes that could hold it (a record takes at least its
      // three length prefixes and its values), and the vectors grow as records are decoded: a
      // count that lies must not allocate, in VectorRecord-sized slots, many times the payload.
      if (!GetVarint64(&in, &n) || n > in.size() / (3 + uint64_t{dimensions} * sizeof(float))) {
        return bad("record count");
      }
      for (uint64_t i = 0; i < n; ++i) {
        VectorRecord& r = m.records.emplace_back();
        if (!DecodeRecord(&in, dimensions, &r)) return bad("record");
        meta::Value& md = m.metadata.emplace_back();
        if (!r.metadata_json.empty()) {
          bool salvaged = false;
          md = DecodeStoredMetadata(&r.metadata_json, &salvaged);
          if (salvaged) m.salvaged_ids.push_back(r.id);
        }
      }
      for (uint8_t last_tag = 0; !in.empty();) {
        uint8_t tag;
        if (!GetByte(&in, &tag) || tag <= last_tag || tag > kTextSection) {
          return bad("unknown record section");
        }
        last_tag = tag;
        for (VectorRecord& r : m.records) {
          if (tag == kExpirySection) {
            uint64_t e;
            if (!GetVarint64(&in, &e) || e > static_cast<uint64_t>(INT64_MAX)) {
              return bad("record expiry");
            }
            r.expires_at_ms = static_cast<int64_t>(e);
          } else {
            std::string_view text;
            if (!GetLengthPrefixed(&in, &text)) return bad("record text");
            r.text.assign(text);
          }
        }
      }
      break;
    case MutationType::kConfigureTextIndex:
      if (!DecodeTextIndexConfig(&in, &m.text_index)) return bad("text index");
      break;
    case MutationType::kDelete:
      if (const char* error = DecodeIds(&in, &m.ids)) return bad(error);
      break;
    case MutationType::kPurgeExpired:
      break;
    case MutationType::kDeleteByFilter:
    case MutationType::kUpdateMetadataByFilter: {
      std::string_view filter;
      if (!GetLengthPrefixed(&in, &filter)) return bad("filter");
      m.filter_json.assign(filter);
      if (m.type == MutationType::kUpdateMetadataByFilter) {
        uint8_t merge;
        std::string_view patch;
        if (!GetByte(&in, &merge) || merge > 1 || !GetLengthPrefixed(&in, &patch)) {
          return bad("metadata update");
        }
        m.merge = merge == 1;
        m.patch_json.assign(patch);
        // Validated when accepted; as for stored metadata, no limit is applied again.
        auto parsed = meta::ParseMetadata(m.patch_json, SIZE_MAX);
        if (!parsed.ok()) return bad("metadata update: " + parsed.status().message());
        m.patch = std::move(parsed).value();
      }
      if (const char* error = DecodeIds(&in, &m.ids)) return bad(error);
      m.count = m.ids.size();
      break;
    }
    case MutationType::kCreateMetadataIndex: {
      std::string_view prop;
      uint8_t t;
      if (!GetLengthPrefixed(&in, &prop) || !GetByte(&in, &t) || t > 2) {
        return bad("metadata index");
      }
      m.metadata_index.property_name.assign(prop);
      m.metadata_index.type = static_cast<MetadataIndexType>(t);
      break;
    }
    case MutationType::kDeleteMetadataIndex: {
      std::string_view prop;
      if (!GetLengthPrefixed(&in, &prop)) return bad("metadata index");
      m.metadata_index.property_name.assign(prop);
      break;
    }
    default:
      return bad("unknown type " + std::to_string(type));
  }
  if (!in.empty()) return bad("trailing bytes");
  return m;
}

void EncodeTextIndexConfig(const TextIndexConfig& config, std::string* out) {
  out->push_back(config.enabled ? 1 : 0);
  PutLengthPrefixed(out, config.language);
  uint32_t bits;
  std::memcpy(&bits, &config.k1, sizeof(bits));
  core::PutFixed32(out, bits);
  std::memcpy(&bits, &config.b, sizeof(bits));
  core::PutFixed32(out, bits);
  PutVarint64(out, config.fields.size());
  for (const std::string& f : config.fields) PutLengthPrefixed(out, f);
}

bool DecodeTextIndexConfig(std::string_view* in, TextIndexConfig* config) {
  uint8_t enabled;
  std::string_view language;
  uint32_t k1, b;
  uint64_t n;
  if (!GetByte(in, &enabled) || enabled > 1 || !GetLengthPrefixed(in, &language) ||
      !core::GetFixed32(in, &k1) || !core::GetFixed32(in, &b) || !GetVarint64(in, &n) ||
      n > in->size()) {
    return false;
  }
  config->enabled = enabled == 1;
  config->language.assign(language);
  std::memcpy(&config->k1, &k1, sizeof(k1));
  std::memcpy(&config->b, &b, sizeof(b));
  config->fields.clear();
  for (uint64_t i = 0; i < n; ++i) {
    std::string_view f;
    if (!GetLengthPrefixed(in, &f)) return false;
    config->fields.emplace_back(f);
  }
  return true;
}

std::string FormatMutationId(uint64_t incarnation, uint64_t seq) {
  char buf[40];
  std::snprintf(buf, sizeof(buf), "%08x-%04x-%04x-%04x-%04x%08x",
                static_cast<unsigned>(incarnation >> 32),
                static_cast<unsigned>((incarnation >> 16) & 0xffff),
                static_cast<unsigned>(incarnation & 0xffff), static_cast<unsigned>(seq >> 48),
                static_cast<unsigned>((seq >> 32) & 0xffff), static_cast<unsigned>(seq));
  return buf;
}

}  // namespace semble::db
