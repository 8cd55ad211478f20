// Copyright 2026 The semble Authors.

#include "db/index_files.h"

#include <xxhash.h>

#include <atomic>
#include <cinttypes>
#include <climits>
#include <cstdio>
#include <memory>
#include <new>

#include "core/coding.h"
#include "core/cpu_count.h"
#include "core/thread_pool.h"
#include "db/mutation.h"
#include "db/validation.h"
#include "storage/log_format.h"
#include "storage/log_reader.h"

namespace semble::db {

using core::GetByte;
using core::GetFixed32;
using core::GetFixed64;
using core::GetLengthPrefixed;
using core::GetVarint64;
using core::PutFixed32;
using core::PutFixed64;
using core::PutLengthPrefixed;
using core::PutVarint64;

namespace {

constexpr char kManifestMagic[] = "SMBLMANI";
constexpr char kSegmentMagic[] = "SMBLSEG_";
constexpr char kSegmentFooter[] = "SMBLEND_";
constexpr char kSegmentBlob[] = "SMBLVIDX";
constexpr char kSegmentTextBlob[] = "SMBLTIDX";
constexpr char kSegmentVectors[] = "SMBLVSEC";
constexpr char kSegmentBlobArray[] = "SMBLVARR";
// A blob is cut into records of this size: one record must stay below kMaxRecordSize, and a
// reader holds one at a time besides the blob itself.
constexpr size_t kBlobChunkBytes = kSegmentBlobChunkBytes;
// Manifests are at version 1 (fields added later are appended and optional). Segments are at 4:
// version 2 added each record's expiry after the record, version 3 its text after that and the
// full-text index blob (its size at the end of the header), version 4 a flag at the end of the
// header: set, the records carry no floats and the vectors follow the last record block raw, in
// slot order, page-aligned so that they can be mapped (a head record gives their count, the footer
// an XXH3-64 of every piece: it checks 1.5 GB of vectors in ~0.1 s where this build's CRC32C took
// 0.3 s). Version 5 a third value of that flag: the floats are in the index blob. Version 6
// stores the index blob's large arrays raw and page-aligned (SegmentWriter::AddIndexBlob), so that
// opening a graph maps them instead of copying them. Older segments still read (no expiry, no
// text, floats in the records, every blob byte in records).
constexpr uint32_t kFormatVersion = 1;
constexpr uint32_t kSegmentVersion = 6;
constexpr uint32_t kFirstVersionWithBlobArrays = 6;
// Record blocks end where a record's id hashes to a multiple of kBlockCutEvery (once the block
// holds kMinBlockBytes), or at kMaxBlockBytes. Boundaries that follow the ids, not a count, keep
// the blocks after an inserted or deleted record byte-identical to the previous segment's, which
// is what lets a backup (backup.h) skip the chunks that did not change.
constexpr size_t kMinBlockBytes = 64 << 10;
constexpr size_t kMaxBlockBytes = 1 << 20;
constexpr uint64_t kBlockCutEvery = 128;

std::atomic<bool> blob_mapping_enabled{true};

uint64_t RoundUpToSection(uint64_t at) {
  return (at + kSegmentSectionAlign - 1) / kSegmentSectionAlign * kSegmentSectionAlign;
}

bool TakeMagic(std::string_view* in, const char* magic) {
  if (in->size() < 8 || in->substr(0, 8) != std::string_view(magic, 8)) return false;
  in->remove_prefix(8);
  return true;
}

}  // namespace

std::string WalFileName(uint64_t first_seq) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "wal-%020" PRIu64 ".log", first_seq);
  return buf;
}

std::string SegmentFileName(uint64_t seq) {
  char buf[48];
  std::snprintf(buf, sizeof(buf), "seg-%020" PRIu64 ".seg", seq);
  return buf;
}

bool ParseWalFileName(const std::string& name, uint64_t* first_seq) {
  if (name.size() != 28 || name.compare(0, 4, "wal-") != 0 || name.compare(24, 4, ".log") != 0) {
    return false;
  }
  uint64_t v = 0;
  for (size_t i = 4; i < 24; ++i) {
    if (name[i] < '0' || name[i] > '9') return false;
    v = v * 10 + static_cast<uint64_t>(name[i] - '0');
  }
  *first_seq = v;
  return true;
}

std::string EncodeManifest(const Manifest& m) {
  std::string payload(kManifestMagic, 8);
  PutFixed32(&payload, kFormatVersion);
  const IndexDescription& d = m.description;
  PutLengthPrefixed(&payload, d.name);
  PutLengthPrefixed(&payload, d.description);
  PutFixed32(&payload, d.config.dimensions);
  payload.push_back(static_cast<char>(d.config.metric));
  PutFixed64(&payload, static_cast<uint64_t>(d.created_on_ms));
  PutFixed64(&payload, static_cast<uint64_t>(d.modified_on_ms));
  PutFixed64(&payload, m.incarnation);
  PutFixed64(&payload, m.checkpoint_seq);
  PutLengthPrefixed(&payload, m.segment);
  PutLengthPrefixed(&payload, d.config.index_type);
  PutLengthPrefixed(&payload, d.config.embedding_model);
  PutLengthPrefixed(&payload, d.config.embedding_pooling);
  PutLengthPrefixed(&payload, d.config.schema_json);
  PutVarint64(&payload, static_cast<uint64_t>(d.config.default_ttl_seconds));
  PutLengthPrefixed(&payload, d.config.cache_json);
  PutFixed64(&payload, d.config.max_metadata_bytes);
  EncodeTextIndexConfig(d.config.text_index, &payload);
  PutVarint64(&payload, d.config.shards);
  std::string framed;
  storage::AppendRecord(&framed, payload);
  return framed;
}

Status WriteManifest(Env* env, const std::string& dir, const Manifest& m) {
  return WriteFileAtomically(env, dir + "/" + kManifestName, EncodeManifest(m));
}

Result<Manifest> ReadManifest(Env* env, const std::string& dir) {
  const std::string path = dir + "/" + kManifestName;
  SEMBLE_ASSIGN_OR_RETURN(std::string data, ReadFileToString(env, path));
  return DecodeManifest(data, path);
}

Result<Manifest> DecodeManifest(std::string_view data, const std::string& where) {
  auto bad = [&](std::string_view what) {
    return Status::Corruption(where + ": " + std::string(what));
  };
  std::vector<std::string_view> records;
  Status split = storage::SplitRecords(data, where, &records);
  if (!split.ok() || records.empty()) return bad("empty or truncated manifest");
  if (records.size() > 1) return bad("trailing data after manifest");
  std::string_view in = records[0];
  Manifest m;
  uint32_t version, dims;
  uint8_t metric;
  uint64_t created, modified;
  std::string_view name, desc, segment, index_type;
  if (!TakeMagic(&in, kManifestMagic)) return bad("not a semble manifest");
  if (!GetFixed32(&in, &version)) return bad("truncated");
  if (version != kFormatVersion) {
    return bad("format version " + std::to_string(version) +
               " is not supported (this build reads " + std::to_string(kFormatVersion) + ")");
  }
  if (!GetLengthPrefixed(&in, &name) || !GetLengthPrefixed(&in, &desc) || !GetFixed32(&in, &dims) ||
      !GetByte(&in, &metric) || metric > 2 || !GetFixed64(&in, &created) ||
      !GetFixed64(&in, &modified) || !GetFixed64(&in, &m.incarnation) ||
      !GetFixed64(&in, &m.checkpoint_seq) || !GetLengthPrefixed(&in, &segment) ||
      !GetLengthPrefixed(&in, &index_type) || dims == 0 || index_type.empty()) {
    return bad("malformed manifest");
  }
  // Fields added later; a manifest that ends before them has none.
  std::string_view model, pooling, schema;
  if (!in.empty() && (!GetLengthPrefixed(&in, &model) || !GetLengthPrefixed(&in, &pooling))) {
    return bad("malformed manifest");
  }
  if (!in.empty() && !GetLengthPrefixed(&in, &schema)) return bad("malformed manifest");
  uint64_t default_ttl = 0;
  if (!in.empty() && (!GetVarint64(&in, &default_ttl) || default_ttl > INT64_MAX)) {
    return bad("malformed manifest");
  }
  // Fields of semantic caches, later still.
  std::string_view cache;
  uint64_t max_metadata_bytes = 0;
  if (!in.empty() && (!GetLengthPrefixed(&in, &cache) || !GetFixed64(&in, &max_metadata_bytes))) {
    return bad("malformed manifest");
  }
  // The full-text index, later still.
  if (!in.empty() && !DecodeTextIndexConfig(&in, &m.description.config.text_index)) {
    return bad("malformed manifest");
  }
  // The shard count, later still.
  uint64_t shards = 1;
  if (!in.empty() && (!GetVarint64(&in, &shards) || shards < 1 || shards > kMaxShards)) {
    return bad("malformed manifest");
  }
  if (!in.empty()) return bad("malformed manifest");
  m.description.config.shards = static_cast<uint32_t>(shards);
  m.description.config.default_ttl_seconds = static_cast<int64_t>(default_ttl);
  m.description.config.cache_json.assign(cache);
  m.description.config.max_metadata_bytes = max_metadata_bytes;
  m.description.config.embedding_model.assign(model);
  m.description.config.embedding_pooling.assign(pooling);
  m.description.config.schema_json.assign(schema);
  m.description.name.assign(name);
  m.description.description.assign(desc);
  m.description.config.dimensions = dims;
  m.description.config.metric = static_cast<Metric>(metric);
  m.description.created_on_ms = static_cast<int64_t>(created);
  m.description.modified_on_ms = static_cast<int64_t>(modified);
  m.segment.assign(segment);
  m.description.config.index_type.assign(index_type);
  return m;
}

Result<std::unique_ptr<SegmentWriter>> SegmentWriter::Create(Env* env, const std::string& path,
                                                             uint32_t dimensions,
                                                             const SegmentHeader& header) {
  SEMBLE_ASSIGN_OR_RETURN(auto log, storage::LogWriter::Create(env, path));
  std::string payload(kSegmentMagic, 8);
  PutFixed32(&payload, kSegmentVersion);
  PutFixed32(&payload, dimensions);
  PutFixed64(&payload, header.seq);
  PutFixed64(&payload, static_cast<uint64_t>(header.last_mutation_ms));
  PutFixed64(&payload, header.record_count);
  PutFixed64(&payload, header.index_blob_bytes);
  PutVarint64(&payload, header.metadata_indexes.size());
  for (const auto& mi : header.metadata_indexes) {
    PutLengthPrefixed(&payload, mi.property_name);
    payload.push_back(static_cast<char>(mi.type));
  }
  PutFixed64(&payload, header.text_blob_bytes);
  if (header.vectors_section && header.values_in_blob) {
    return Status::Internal("a segment's vectors are either in a section or in the index blob");
  }
  // Where the floats are: 0 in the records, 1 in the vectors section, 2 in the index blob.
  payload.push_back(header.vectors_section ? 1 : header.values_in_blob ? 2 : 0);
  SEMBLE_RETURN_IF_ERROR(log->AddRecord(payload));
  return std::unique_ptr<SegmentWriter>(new SegmentWriter(
      std::move(log), dimensions, header.record_count, header.index_blob_bytes,
      header.text_blob_bytes, header.vectors_section, header.values_in_blob));
}

Status SegmentWriter::FlushBlock() {
  if (in_block_ == 0) return Status::OK();
  std::string payload;
  PutVarint64(&payload, in_block_);
  payload.append(block_);
  block_.clear();
  in_block_ = 0;
  return log_->AddRecord(payload);
}

Status SegmentWriter::WriteBlob(const char* tag, std::string_view blob) {
  for (size_t off = 0; off < blob.size(); off += kBlobChunkBytes) {
    std::string payload(tag, 8);
    payload.append(blob.substr(off, kBlobChunkBytes));
    SEMBLE_RETURN_IF_ERROR(log_->AddRecord(payload));
  }
  return Status::OK();
}

void SetIndexBlobMappingForBench(bool enabled) { blob_mapping_enabled.store(enabled); }

Status SegmentWriter::AddIndexBlob(std::string_view blob,
                                   const std::vector<std::pair<uint64_t, uint64_t>>& arrays) {
  if (written_ != 0 || blob_written_ != 0 || blob.size() != blob_bytes_) {
    return Status::Internal("index blob written out of order or with the wrong size");
  }
  uint64_t done = 0;
  for (const auto& [offset, bytes] : arrays) {
    if (offset < done || bytes > blob.size() || offset > blob.size() - bytes) {
      return Status::Internal("an index blob's arrays are out of order or out of its bounds");
    }
    if (bytes < kSegmentArrayMinBytes) continue;  // stays in the records around it
    SEMBLE_RETURN_IF_ERROR(WriteBlob(kSegmentBlob, blob.substr(done, offset - done)));
    // Head: size, piece size, then a hash per piece; the head's own CRC covers them.
    const std::string_view array = blob.substr(offset, bytes);
    std::string head(kSegmentBlobArray, 8);
    PutFixed64(&head, bytes);
    PutFixed64(&head, kBlobChunkBytes);
    for (uint64_t at = 0; at < bytes; at += kBlobChunkBytes) {
      const std::string_view piece = array.substr(at, kBlobChunkBytes);
      PutFixed64(&head, XXH3_64bits(piece.data(), piece.size()));
    }
    SEMBLE_RETURN_IF_ERROR(log_->AddRecord(head));
    auto pad = [&]() {
      const uint64_t at = log_->size();
      return log_->AppendRaw(std::string(static_cast<size_t>(RoundUpToSection(at) - at), '\0'));
    };
    SEMBLE_RETURN_IF_ERROR(pad());
    SEMBLE_RETURN_IF_ERROR(log_->AppendRaw(array));
    // Zeros to the page's end: the mapping's last page reads zeros past the array, as the
    // anonymous memory it replaces would (HugeArray::Grow relies on that).
    SEMBLE_RETURN_IF_ERROR(pad());
    done = offset + bytes;
  }
  SEMBLE_RETURN_IF_ERROR(WriteBlob(kSegmentBlob, blob.substr(done)));
  blob_written_ = blob.size();
  return Status::OK();
}

Status SegmentWriter::AddTextBlob(std::string_view blob) {
  if (written_ != 0 || blob_written_ != blob_bytes_ || text_blob_written_ != 0 ||
      blob.size() != text_blob_bytes_) {
    return Status::Internal("text index blob written out of order or with the wrong size");
  }
  SEMBLE_RETURN_IF_ERROR(WriteBlob(kSegmentTextBlob, blob));
  text_blob_written_ = blob.size();
  return Status::OK();
}

Status SegmentWriter::Add(uint32_t slot, const VectorRecord& record) {
  if (vectors_section_ && !record.values.empty()) {
    return Status::Internal("a record's floats written beside the vectors section");
  }
  if (!record.values.empty() && record.values.size() != dims_) {
    return Status::Internal("a record with " + std::to_string(record.values.size()) +
                            " floats in a segment of " + std::to_string(dims_) + " dimensions");
  }
  if (!vectors_section_ && !values_in_blob_ && record.values.empty()) {
    return Status::Internal("a record without floats in a segment that stores them in records");
  }
  PutVarint64(&block_, slot);
  if (values_in_blob_) block_.push_back(record.values.empty() ? 0 : 1);
  EncodeRecord(record, &block_);
  PutVarint64(&block_, static_cast<uint64_t>(record.expires_at_ms));
  PutLengthPrefixed(&block_, record.text);
  ++in_block_;
  ++written_;
  if (block_.size() >= kMaxBlockBytes ||
      (block_.size() >= kMinBlockBytes &&
       XXH64(record.id.data(), record.id.size(), 0) % kBlockCutEvery == 0)) {
    return FlushBlock();
  }
  return Status::OK();
}

Status SegmentWriter::Finish(uint64_t rows, const RowSource& fill) {
  if (written_ != expected_ || blob_written_ != blob_bytes_ ||
      text_blob_written_ != text_blob_bytes_) {
    return Status::Internal("segment has " + std::to_string(written_) + " records, header says " +
                            std::to_string(expected_));
  }
  if (vectors_section_ != (fill != nullptr) || (!vectors_section_ && rows != 0)) {
    return Status::Internal("a segment's vectors section disagrees with its header");
  }
  SEMBLE_RETURN_IF_ERROR(FlushBlock());
  std::string footer(kSegmentFooter, 8);
  PutFixed64(&footer, written_);
  if (vectors_section_) {
    // One pass: each piece is filled, hashed and written; the hashes go in the footer after.
    const uint64_t row_bytes = uint64_t{dims_} * 4;
    const uint64_t per_piece = std::max<uint64_t>(1, kBlobChunkBytes / row_bytes);
    std::string head(kSegmentVectors, 8);
    PutFixed64(&head, rows);
    PutFixed64(&head, per_piece);
    SEMBLE_RETURN_IF_ERROR(log_->AddRecord(head));
    auto pad = [&]() {
      const uint64_t at = log_->size();
      const uint64_t to = (at + kSegmentSectionAlign - 1) / kSegmentSectionAlign * kSegmentSectionAlign;
      return log_->AppendRaw(std::string(static_cast<size_t>(to - at), '\0'));
    };
    SEMBLE_RETURN_IF_ERROR(pad());
    rows_offset_ = log_->size();
    // Filled, hashed and written ~1 MiB at a time, in a buffer that stays in cache: with a whole
    // 32 MiB piece per write, the kernel's copy into the page cache read it back from memory and
    // a 100k-vector load spent ~10% more CPU than with the record blocks before format 4.
    const uint64_t run_rows = std::max<uint64_t>(1, (1 << 20) / row_bytes);
    std::vector<float> buffer(static_cast<size_t>(std::min(rows, run_rows) * dims_));
    XXH3_state_t* state = XXH3_createState();
    if (state == nullptr) throw std::bad_alloc();
    std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> owned(state, XXH3_freeState);
    for (uint64_t first = 0; first < rows; first += per_piece) {
      const uint64_t n = std::min(per_piece, rows - first);
      XXH3_64bits_reset(state);
      for (uint64_t r = 0; r < n; r += run_rows) {
        const uint64_t m = std::min(run_rows, n - r);
        SEMBLE_RETURN_IF_ERROR(fill(first + r, m, buffer.data()));
        const std::string_view bytes(reinterpret_cast<const char*>(buffer.data()),
                                     static_cast<size_t>(m * row_bytes));
        XXH3_64bits_update(state, bytes.data(), bytes.size());
        SEMBLE_RETURN_IF_ERROR(log_->AppendRaw(bytes));
      }
      PutFixed64(&footer, XXH3_64bits_digest(state));
    }
    // Zeros to the page's end: a mapping of the rows then reads zeros past the last one.
    SEMBLE_RETURN_IF_ERROR(pad());
  }
  SEMBLE_RETURN_IF_ERROR(log_->AddRecord(footer));
  SEMBLE_RETURN_IF_ERROR(log_->Sync());
  bytes_written_ = log_->size();
  return log_->Close();
}

BlobConsumer WholeBlob(std::function<Status(std::string&&)> on_blob) {
  return [on_blob = std::move(on_blob)](uint64_t bytes,
                                        const std::function<Result<std::string_view>()>& next,
                                        const core::BlobMapper& /*map*/) -> Status {
    std::string blob;
    blob.reserve(static_cast<size_t>(bytes));
    while (blob.size() < bytes) {
      SEMBLE_ASSIGN_OR_RETURN(std::string_view piece, next());
      blob.append(piece);
    }
    return on_blob(std::move(blob));
  };
}

namespace {

bool AllZero(std::string_view bytes) { return bytes.find_first_not_of('\0') == std::string::npos; }

// A segment's vectors section (SegmentWriter::Finish): after its head record, zeros to the next
// multiple of kSegmentSectionAlign, `rows` rows, zeros to the next multiple again, then the footer.
class VectorsSectionReader {
 public:
  VectorsSectionReader(Env* env, const std::string& path, uint32_t dimensions)
      : env_(env), path_(path), row_bytes_(uint64_t{dimensions} * 4), dims_(dimensions) {}

  // At the head record (`in`, after its magic): passes the rows, mapping them if the Env can,
  // reading them otherwise, and checks the zeros around them.
  Status Pass(std::string_view in, storage::LogReader* reader) {
    const uint64_t head_end = reader->good_end();
    if (!core::GetFixed64(&in, &rows_) || !core::GetFixed64(&in, &per_piece_) || !in.empty() ||
        per_piece_ == 0 || rows_ > uint64_t{UINT32_MAX} + 1 ||
        rows_ > (reader->size() - head_end) / row_bytes_) {
      return Bad(head_end, "malformed vectors section");
    }
    offset_ = RoundUp(head_end);
    const uint64_t end = offset_ + rows_ * row_bytes_;
    if (RoundUp(end) > reader->size()) return Bad(head_end, "the vectors section is cut short");
    SEMBLE_RETURN_IF_ERROR(Zeros(reader, offset_ - head_end));
    const size_t floats = static_cast<size_t>(rows_ * dims_);
    if (rows_ > 0) {
      SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<MappableFile> file, env_->OpenForMapping(path_));
      if (file != nullptr) mapped_ = arena_.MapFile(file->fd(), offset_, floats);
      if (mapped_) {
        SEMBLE_RETURN_IF_ERROR(reader->Skip(rows_ * row_bytes_));
      } else {
        arena_.Grow(floats);
        SEMBLE_RETURN_IF_ERROR(
            reader->ReadRaw(static_cast<size_t>(rows_ * row_bytes_),
                            reinterpret_cast<char*>(arena_.data())));
      }
    }
    SEMBLE_RETURN_IF_ERROR(Zeros(reader, RoundUp(end) - end));
    passed_ = true;
    return Status::OK();
  }

  bool passed() const { return passed_; }

  // At the footer (`in`: the hashes after the count): checks every piece and hands the rows over.
  Status Finish(std::string_view in, uint64_t footer_at, const RowsConsumer& on_rows) {
    const uint64_t pieces = rows_ / per_piece_ + (rows_ % per_piece_ != 0);
    if (in.size() != pieces * 8) return Bad(footer_at, "malformed footer");
    if (!on_rows.take) return Status::Internal(path_ + ": a vectors section nobody reads");
    // A piece is hashed in runs of about 128 KiB, each handed to the visitor while it is still
    // in the cache: at 1M x 384 dimensions the section is 1.5 GB, and reading it from memory
    // twice (hash, then the index's own pass) cost ~0.15 s of an open that should take < 1 s.
    const uint64_t run_rows = std::max<uint64_t>(1, (128 << 10) / row_bytes_);
    XXH3_state_t* state = XXH3_createState();
    if (state == nullptr) throw std::bad_alloc();
    std::unique_ptr<XXH3_state_t, XXH_errorcode (*)(XXH3_state_t*)> owned(state, XXH3_freeState);
    const char* const base = reinterpret_cast<const char*>(arena_.data());
    for (uint64_t first = 0; first < rows_; first += per_piece_) {
      const uint64_t n = std::min(per_piece_, rows_ - first);
      const char* const at = base + first * row_bytes_;
      XXH3_64bits_reset(state);
      for (uint64_t r = 0; r < n; r += run_rows) {
        const uint64_t m = std::min(run_rows, n - r);
        XXH3_64bits_update(state, at + r * row_bytes_, static_cast<size_t>(m * row_bytes_));
        if (on_rows.visit) {
          on_rows.visit(reinterpret_cast<const float*>(at + r * row_bytes_), first + r, m);
        }
      }
      uint64_t want = 0;
      if (!core::GetFixed64(&in, &want)) return Bad(footer_at, "malformed footer");
      if (XXH3_64bits_digest(state) != want) {
        return Bad(offset_ + first * row_bytes_, "checksum mismatch in the vectors section");
      }
    }
    return on_rows.take(std::move(arena_), rows_);
  }

 private:
  static uint64_t RoundUp(uint64_t at) {
    return (at + kSegmentSectionAlign - 1) / kSegmentSectionAlign * kSegmentSectionAlign;
  }
  Status Bad(uint64_t at, std::string_view what) const {
    return Status::Corruption(path_ + " at byte offset " + std::to_string(at) + ": " +
                              std::string(what));
  }
  Status Zeros(storage::LogReader* reader, uint64_t n) {
    const uint64_t at = reader->good_end();
    std::string bytes(static_cast<size_t>(n), '\0');
    SEMBLE_RETURN_IF_ERROR(reader->ReadRaw(bytes.size(), bytes.data()));
    if (!AllZero(bytes)) return Bad(at, "data where the vectors section has zero padding");
    return Status::OK();
  }

  Env* env_;
  const std::string& path_;
  uint64_t row_bytes_;
  uint32_t dims_;
  uint64_t rows_ = 0, per_piece_ = 0, offset_ = 0;
  bool mapped_ = false;
  bool passed_ = false;
  core::HugeArray<float> arena_;
};

// The index blob of a segment, handed over in pieces (Next) or, for the arrays a version 6
// segment stores raw (SegmentWriter::AddIndexBlob), as pages of the file (Map). Every byte passes
// a check before it is handed over: a record's CRC, or an array piece's XXH3-64.
class IndexBlobSource {
 public:
  IndexBlobSource(Env* env, const std::string& path, uint32_t version, uint64_t bytes,
                  storage::LogReader* reader)
      : env_(env), path_(path), version_(version), bytes_(bytes), reader_(reader) {}

  uint64_t handed() const { return handed_; }

  Result<std::string_view> Next() {
    if (ahead_) {
      ahead_ = false;
      return Hand(ahead_piece_);
    }
    if (array_left_ > 0) return NextArrayPiece();
    while (true) {
      if (handed_ == bytes_) return Bad("index blob read past its end");
      SEMBLE_ASSIGN_OR_RETURN(bool is_array, ReadRecord());
      if (is_array) return NextArrayPiece();
      if (!piece_.empty()) return Hand(piece_);  // an empty one was never written; harmless
    }
  }

  Result<bool> Map(uint64_t bytes, const std::function<const void*(int, uint64_t)>& map) {
    if (ahead_ || array_left_ > 0 || handed_ == bytes_ || version_ < kFirstVersionWithBlobArrays) {
      return false;
    }
    // Reads the next record to see what it is; a plain piece waits in ahead_ for Next.
    SEMBLE_ASSIGN_OR_RETURN(bool is_array, ReadRecord());
    if (!is_array) {
      ahead_ = true;
      ahead_piece_ = piece_;
      return false;
    }
    if (array_left_ != bytes || !blob_mapping_enabled.load()) return false;
    SEMBLE_ASSIGN_OR_RETURN(std::unique_ptr<MappableFile> file, env_->OpenForMapping(path_));
    if (file == nullptr) return false;
    const char* const at = static_cast<const char*>(map(file->fd(), array_offset_));
    if (at == nullptr) return false;
    // The pieces are hashed on every core: at 1M x 384 this is 1.7 GB, read from the page cache
    // at one core's memory bandwidth it was a third of the open. The first damaged piece in file
    // order is the one reported, whichever thread found it.
    std::vector<uint8_t> damaged(hashes_.size(), 0);
    core::ParallelFor(hashes_.size(), hashes_.size() > 1 ? core::AvailableCores() : 1,
                      [&](size_t i) {
                        const uint64_t first = i * piece_bytes_;
                        const uint64_t n = std::min(piece_bytes_, bytes - first);
                        damaged[i] = XXH3_64bits(at + first, static_cast<size_t>(n)) != hashes_[i];
                      });
    for (size_t i = 0; i < hashes_.size(); ++i) {
      if (damaged[i]) {
        return BadAt(array_offset_ + i * piece_bytes_, "checksum mismatch in an index blob array");
      }
    }
    SEMBLE_RETURN_IF_ERROR(reader_->Skip(bytes));
    handed_ += bytes;
    array_left_ = 0;
    SEMBLE_RETURN_IF_ERROR(Zeros(RoundUpToSection(array_offset_ + bytes) - (array_offset_ + bytes)));
    return true;
  }

 private:
  Status Bad(std::string_view what) const { return BadAt(reader_->record_offset(), what); }
  Status BadAt(uint64_t at, std::string_view what) const {
    return Status::Corruption(path_ + " at byte offset " + std::to_string(at) + ": " +
                              std::string(what));
  }

  Result<std::string_view> Hand(std::string_view piece) {
    handed_ += piece.size();
    return piece;
  }

  // Reads the blob's next record: a piece (piece_, false) or an array's head (true, with the
  // reader moved to the array's first byte).
  Result<bool> ReadRecord() {
    std::string_view in;
    SEMBLE_ASSIGN_OR_RETURN(storage::LogReader::Outcome outcome, reader_->Next(&in));
    if (outcome != storage::LogReader::Outcome::kRecord) return Bad("index blob is incomplete");
    if (TakeMagic(&in, kSegmentBlob)) {
      if (in.size() > bytes_ - handed_) return Bad("index blob is incomplete");
      piece_ = in;
      return false;
    }
    uint64_t bytes = 0, piece_bytes = 0;
    if (version_ < kFirstVersionWithBlobArrays || !TakeMagic(&in, kSegmentBlobArray) ||
        !GetFixed64(&in, &bytes) || !GetFixed64(&in, &piece_bytes)) {
      return Bad("index blob is incomplete");
    }
    const uint64_t head_end = reader_->good_end();
    const uint64_t offset = RoundUpToSection(head_end);
    if (bytes == 0 || bytes > bytes_ - handed_ || piece_bytes == 0 ||
        piece_bytes > kMaxArrayPieceBytes ||
        in.size() != (bytes / piece_bytes + (bytes % piece_bytes != 0)) * 8 ||
        offset > reader_->size() || RoundUpToSection(offset + bytes) > reader_->size()) {
      return Bad("malformed index blob array");
    }
    hashes_.resize(in.size() / 8);
    for (uint64_t& h : hashes_) GetFixed64(&in, &h);
    SEMBLE_RETURN_IF_ERROR(Zeros(offset - head_end));
    array_offset_ = offset;
    array_left_ = bytes;
    piece_bytes_ = piece_bytes;
    next_hash_ = 0;
    return true;
  }

  // The array that could not be mapped, a piece at a time, each checked before it is handed over.
  Result<std::string_view> NextArrayPiece() {
    const uint64_t n = std::min(piece_bytes_, array_left_);
    const uint64_t at = reader_->good_end();
    buffer_.resize(static_cast<size_t>(n));
    SEMBLE_RETURN_IF_ERROR(reader_->ReadRaw(buffer_.size(), buffer_.data()));
    if (XXH3_64bits(buffer_.data(), buffer_.size()) != hashes_[next_hash_++]) {
      return BadAt(at, "checksum mismatch in an index blob array");
    }
    array_left_ -= n;
    if (array_left_ == 0) SEMBLE_RETURN_IF_ERROR(Zeros(RoundUpToSection(at + n) - (at + n)));
    return Hand(buffer_);
  }

  Status Zeros(uint64_t n) {
    const uint64_t at = reader_->good_end();
    std::string bytes(static_cast<size_t>(n), '\0');
    SEMBLE_RETURN_IF_ERROR(reader_->ReadRaw(bytes.size(), bytes.data()));
    if (!AllZero(bytes)) return BadAt(at, "data where an index blob array has zero padding");
    return Status::OK();
  }

  // A piece is read into memory whole when the array is not mapped; the writer uses
  // kBlobChunkBytes, and a larger claim is damage, not a reason to allocate.
  static constexpr uint64_t kMaxArrayPieceBytes = 256 << 20;

  Env* env_;
  const std::string& path_;
  uint32_t version_;
  uint64_t bytes_;
  storage::LogReader* reader_;
  uint64_t handed_ = 0;
  std::string_view piece_;  // the last piece record read (points into the reader's buffer)
  bool ahead_ = false;      // a piece read by Map, not handed over yet
  std::string_view ahead_piece_;
  // The array being read: its file offset, the bytes not handed over yet, its pieces' hashes.
  uint64_t array_offset_ = 0, array_left_ = 0, piece_bytes_ = 0;
  std::vector<uint64_t> hashes_;
  size_t next_hash_ = 0;
  std::string buffer_;
};

}  // namespace

Status ReadSegment(Env* env, const std::string& path, uint32_t dimensions, SegmentHeader* header,
                   const BlobConsumer& on_blob,
                   const std::function<Status(uint32_t, VectorRecord&&, meta::Value&&)>& on_record,
                   std::vector<std::string>* salvaged_ids,
                   const std::function<Status(std::string&&)>& on_text_blob,
                   const RowsConsumer& on_rows) {
  SEMBLE_ASSIGN_OR_RETURN(auto reader, storage::LogReader::Open(env, path, false));
  auto bad = [&](std::string_view what) {
    return Status::Corruption(path + " at byte offset " + std::to_string(reader->record_offset()) +
                              ": " + std::string(what));
  };
  std::string_view in;
  SEMBLE_ASSIGN_OR_RETURN(storage::LogReader::Outcome outcome, reader->Next(&in));
  if (outcome != storage::LogReader::Outcome::kRecord) return bad("empty segment");
  uint32_t version, dims;
  uint64_t last_ms, n_indexes;
  if (!TakeMagic(&in, kSegmentMagic)) return bad("not a semble segment");
  if (!GetFixed32(&in, &version) || version < 1 || version > kSegmentVersion) {
    return bad("unsupported version");
  }
  if (!GetFixed32(&in, &dims) || !GetFixed64(&in, &header->seq) || !GetFixed64(&in, &last_ms) ||
      !GetFixed64(&in, &header->record_count) || !GetFixed64(&in, &header->index_blob_bytes) ||
      !GetVarint64(&in, &n_indexes) || n_indexes > in.size()) {
    return bad("malformed header");
  }
  if (dims != dimensions) {
    return bad("segment has " + std::to_string(dims) + " dimensions, the manifest " +
               std::to_string(dimensions));
  }
  header->last_mutation_ms = static_cast<int64_t>(last_ms);
  header->metadata_indexes.clear();
  for (uint64_t i = 0; i < n_indexes; ++i) {
    std::string_view prop;
    uint8_t t;
    if (!GetLengthPrefixed(&in, &prop) || !GetByte(&in, &t) || t > 2) return bad("bad header");
    header->metadata_indexes.push_back({std::string(prop), static_cast<MetadataIndexType>(t)});
  }
  header->text_blob_bytes = 0;
  if (version >= 3 && !GetFixed64(&in, &header->text_blob_bytes)) return bad("malformed header");
  header->vectors_section = false;
  header->values_in_blob = false;
  if (version >= 4) {
    uint8_t layout;
    if (!GetByte(&in, &layout) || layout > (version >= 5 ? 2 : 1)) return bad("malformed header");
    header->vectors_section = layout == 1;
    header->values_in_blob = layout == 2;
    if (header->values_in_blob && header->index_blob_bytes == 0) {
      return bad("vectors in an index blob that is not there");
    }
  }
  if (!in.empty()) return bad("malformed header");
  // Records of a segment with a vectors section carry no floats.
  const uint32_t record_dims = header->vectors_section ? 0 : dimensions;
  // A blob is a run of records tagged `tag`, exactly `bytes` long. Its room is taken once: grown
  // chunk by chunk, a graph of hundreds of MB was copied (and its fresh pages faulted in) over and
  // over, the largest cost of opening a cached segment (measured).
  auto read_blob = [&](const char* tag, uint64_t bytes, std::string* blob) -> Status {
    if (bytes > reader->size() - reader->good_end()) {
      return bad(std::string(tag == kSegmentBlob ? "index" : "text index") +
                 " blob is larger than the file");
    }
    blob->reserve(static_cast<size_t>(bytes));
    while (blob->size() < bytes) {
      SEMBLE_ASSIGN_OR_RETURN(outcome, reader->Next(&in));
      if (outcome != storage::LogReader::Outcome::kRecord || !TakeMagic(&in, tag) ||
          in.size() > bytes - blob->size()) {
        return bad(std::string(tag == kSegmentBlob ? "index" : "text index") +
                   " blob is incomplete");
      }
      blob->append(in);
    }
    return Status::OK();
  };
  if (header->index_blob_bytes > 0) {
    // Handed over piece by piece as the records are read (see BlobConsumer); every piece passes
    // the same checks as read_blob's.
    const uint64_t bytes = header->index_blob_bytes;
    if (bytes > reader->size() - reader->good_end()) {
      return bad("index blob is larger than the file");
    }
    IndexBlobSource source(env, path, version, bytes, reader.get());
    const std::function<Result<std::string_view>()> next = [&] { return source.Next(); };
    const core::BlobMapper map = [&](uint64_t n,
                                     const std::function<const void*(int, uint64_t)>& mapper) {
      return source.Map(n, mapper);
    };
    SEMBLE_RETURN_IF_ERROR(on_blob(bytes, next, map));
    if (source.handed() != bytes) return bad("index blob was not read to its end");
  }
  if (header->text_blob_bytes > 0) {
    std::string blob;
    SEMBLE_RETURN_IF_ERROR(read_blob(kSegmentTextBlob, header->text_blob_bytes, &blob));
    if (on_text_blob) SEMBLE_RETURN_IF_ERROR(on_text_blob(std::move(blob)));
  }
  uint64_t seen = 0;
  VectorsSectionReader section(env, path, dimensions);
  while (true) {
    SEMBLE_ASSIGN_OR_RETURN(outcome, reader->Next(&in));
    if (outcome != storage::LogReader::Outcome::kRecord) return bad("segment has no footer");
    if (TakeMagic(&in, kSegmentVectors)) {
      if (!header->vectors_section || section.passed()) return bad("unexpected vectors section");
      SEMBLE_RETURN_IF_ERROR(section.Pass(in, reader.get()));
      continue;
    }
    if (section.passed() || TakeMagic(&in, kSegmentFooter)) {
      if (section.passed() && !TakeMagic(&in, kSegmentFooter)) {
        return bad("no footer after the vectors section");
      }
      uint64_t count;
      if (!GetFixed64(&in, &count) || count != seen || count != header->record_count) {
        return bad("footer count disagrees with the records read");
      }
      if (header->vectors_section) {
        if (!section.passed()) return bad("the vectors section is missing");
        const uint64_t footer_at = reader->record_offset();
        const std::string hashes(in);  // `in` points into the reader's buffer
        SEMBLE_ASSIGN_OR_RETURN(outcome, reader->Next(&in));
        if (outcome != storage::LogReader::Outcome::kEof) return bad("data after the footer");
        return section.Finish(hashes, footer_at, on_rows);
      }
      if (!in.empty()) return bad("malformed footer");
      break;
    }
    uint64_t n;
    if (!GetVarint64(&in, &n) || n > in.size()) return bad("malformed block");
    for (uint64_t i = 0; i < n; ++i) {
      VectorRecord r;
      uint64_t slot;
      uint8_t has_values = 1;
      if (!GetVarint64(&in, &slot) || slot > UINT32_MAX ||
          (header->values_in_blob && (!GetByte(&in, &has_values) || has_values > 1)) ||
          !DecodeRecord(&in, has_values ? record_dims : 0, &r)) {
        return bad("malformed record");
      }
      if (version >= 2) {
        uint64_t expires;
        if (!GetVarint64(&in, &expires) || expires > INT64_MAX) return bad("malformed record");
        r.expires_at_ms = static_cast<int64_t>(expires);
      }
      if (version >= 3) {
        std::string_view text;
        if (!GetLengthPrefixed(&in, &text)) return bad("malformed record");
        r.text.assign(text);
      }
      meta::Value md;
      if (!r.metadata_json.empty()) {
        bool salvaged = false;
        md = DecodeStoredMetadata(&r.metadata_json, &salvaged);
        if (salvaged && salvaged_ids != nullptr) salvaged_ids->push_back(r.id);
      }
      SEMBLE_RETURN_IF_ERROR(on_record(static_cast<uint32_t>(slot), std::move(r), std::move(md)));
      ++seen;
    }
    if (!in.empty()) return bad("malformed block");
  }
  SEMBLE_ASSIGN_OR_RETURN(outcome, reader->Next(&in));
  if (outcome != storage::LogReader::Outcome::kEof) return bad("data after the footer");
  return Status::OK();
}

}  // namespace semble::db
