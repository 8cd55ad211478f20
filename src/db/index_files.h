// Copyright 2026 The semble Authors.
//
// The files of one index directory and their formats:
//
//   MANIFEST                 the commit point: the index's configuration and which checkpoint
//                            segment covers the log up to which mutation. Replaced atomically.
//   seg-<seq>.seg            an immutable checkpoint segment: every record as of mutation <seq>,
//                            and the metadata index definitions. Written whole and fsynced before
//                            the manifest names it.
//   wal-<first seq>.log      the write-ahead log; mutations after the checkpoint are replayed.
//
// All three are sequences of framed records (storage/log_format.h) and start with a magic string
// and a format version, so a file is self-describing and a foreign or future file is refused.

#ifndef SEMBLE_SRC_DB_INDEX_FILES_H_
#define SEMBLE_SRC_DB_INDEX_FILES_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/blob_mapper.h"
#include "core/huge_array.h"
#include "meta/value.h"
#include "semble/env.h"
#include "semble/record.h"
#include "storage/log_writer.h"

namespace semble::db {

constexpr char kManifestName[] = "MANIFEST";
// Files a repair set aside in an index directory (kept, never read again).
constexpr char kDamagedPrefix[] = "damaged-";
// Beside a segment fetched from an object store: the hash it was verified against
// (index_bucket.cc), so a warm cache is recognised without reading the segment again.
constexpr char kSegmentHashSuffix[] = ".xxh128";
// A segment's vectors section starts at a multiple of this (the page size of the machines semble
// runs on; where pages are larger the section is read instead of mapped).
constexpr uint64_t kSegmentSectionAlign = 4096;
// About the bytes per checksummed piece of a segment's blobs and vectors section.
constexpr size_t kSegmentBlobChunkBytes = 32 << 20;
// An array of an index blob smaller than this is written in records: its padding would cost more
// than a copy of it on load.
constexpr uint64_t kSegmentArrayMinBytes = 64 << 10;

std::string WalFileName(uint64_t first_seq);
std::string SegmentFileName(uint64_t seq);
// Parses "wal-<seq>.log"; false for any other name.
bool ParseWalFileName(const std::string& name, uint64_t* first_seq);

struct Manifest {
  IndexDescription description;  // config.index_type in canonical form
  uint64_t incarnation = 0;      // random at creation; distinguishes indexes that reuse a name
  uint64_t checkpoint_seq = 0;   // mutations up to this one are in `segment`
  std::string segment;           // file name in the index directory; "" before the first checkpoint
};

Status WriteManifest(Env* env, const std::string& dir, const Manifest& manifest);
Result<Manifest> ReadManifest(Env* env, const std::string& dir);
// The bytes of a MANIFEST file, and back (Corruption naming `where` for anything else).
std::string EncodeManifest(const Manifest& manifest);
Result<Manifest> DecodeManifest(std::string_view data, const std::string& where);

struct SegmentHeader {
  uint64_t seq = 0;  // the last mutation the segment reflects
  int64_t last_mutation_ms = 0;
  uint64_t record_count = 0;
  std::vector<MetadataIndexDescription> metadata_indexes;
  uint64_t index_blob_bytes = 0;  // size of the vector index's serialized form (0: none)
  // Version 3: size of the full-text index's serialized form (0: none). Derived state, like the
  // graph: a reader that cannot use it rebuilds the index from the records' text.
  uint64_t text_blob_bytes = 0;
  // Version 4: the records carry no floats; every vector is in the vectors section after the
  // footer instead (see SegmentWriter::Finish).
  bool vectors_section = false;
  // Version 5 (not with vectors_section): the index's blob holds the vectors (a graph's layer 0),
  // so a record carries its floats only when the blob does not hold its vector (one the graph had
  // not linked when it was serialized); a flag before each record says which.
  bool values_in_blob = false;
};

// Rows [first, first + n) of a segment's vectors section: dimensions floats each, in slot order,
// zeros for a slot without a record. An error stops the checkpoint.
using RowSource = std::function<Status(uint64_t first, uint64_t n, float* out)>;
// How ReadSegment hands over a vectors section once every record has been read.
struct RowsConsumer {
  // Optional: each run of rows [first, first + n) in turn, right after it was hashed, while it is
  // still in the cache (an index derives what it keeps beside the rows, e.g. cosine norms, with
  // no second pass over memory). The piece the run belongs to may still fail its check after.
  std::function<void(const float* rows, uint64_t first, uint64_t n)> visit;
  // `rows` holds `count` rows of dimensions floats in slot order, every byte verified: pages of
  // the segment file mapped copy-on-write when the Env can map files (no copy; the file must not
  // change while they are in use, which holds for an immutable segment), else read.
  std::function<Status(core::HugeArray<float>&& rows, uint64_t count)> take;
};

// Writes a segment: header, the vector index's blob (if any, in chunks), the records (each with its
// slot) in blocks, then a footer that repeats the count (a segment without its footer is refused on
// read).
class SegmentWriter {
 public:
  static Result<std::unique_ptr<SegmentWriter>> Create(Env* env, const std::string& path,
                                                       uint32_t dimensions,
                                                       const SegmentHeader& header);
  // Writes the vector index blob; exactly header.index_blob_bytes, before the first Add. Each of
  // `arrays` ((offset, bytes) spans of the blob, in order, not overlapping) of at least
  // kSegmentArrayMinBytes is stored raw at a multiple of kSegmentSectionAlign, between zero
  // padding, after a record with its size and an XXH3-64 of every piece of it, so that a reader
  // can map it in place (core::BlobMapper); the rest is written as records, as before.
  Status AddIndexBlob(std::string_view blob,
                      const std::vector<std::pair<uint64_t, uint64_t>>& arrays = {});
  // Writes the full-text index blob; exactly header.text_blob_bytes, after the vector index blob
  // and before the first Add.
  Status AddTextBlob(std::string_view blob);
  // With header.vectors_section the record's values must be empty (they go in the section); with
  // header.values_in_blob they are empty when the blob holds the slot's vector, else all of it.
  Status Add(uint32_t slot, const VectorRecord& record);
  // Writes the footer, fsyncs and closes. With header.vectors_section, the vectors come first:
  // a record with their count, then `rows` rows from `fill`, raw, between zero padding to
  // multiples of kSegmentSectionAlign, so that a reader can map them in place; the footer that
  // follows holds an XXH3-64 of every piece of whole rows (about kSegmentBlobChunkBytes each).
  // `fill` is asked for each piece once, in order.
  Status Finish(uint64_t rows = 0, const RowSource& fill = nullptr);
  // After Finish with a vectors section: the file offset of its first row.
  uint64_t rows_offset() const { return rows_offset_; }
  // After Finish: the segment's size in bytes.
  uint64_t bytes_written() const { return bytes_written_; }

 private:
  SegmentWriter(std::unique_ptr<storage::LogWriter> log, uint32_t dimensions, uint64_t expected,
                uint64_t blob_bytes, uint64_t text_blob_bytes, bool vectors_section,
                bool values_in_blob)
      : log_(std::move(log)),
        dims_(dimensions),
        expected_(expected),
        blob_bytes_(blob_bytes),
        text_blob_bytes_(text_blob_bytes),
        vectors_section_(vectors_section),
        values_in_blob_(values_in_blob) {}
  Status FlushBlock();
  // Writes `blob` as records of at most kBlobChunkBytes, each starting with the 8-byte `tag`.
  Status WriteBlob(const char* tag, std::string_view blob);

  std::unique_ptr<storage::LogWriter> log_;
  uint32_t dims_;
  uint64_t expected_;
  uint64_t blob_bytes_;
  uint64_t blob_written_ = 0;
  uint64_t text_blob_bytes_;
  uint64_t text_blob_written_ = 0;
  bool vectors_section_;
  bool values_in_blob_;
  uint64_t written_ = 0;
  uint64_t rows_offset_ = 0;
  uint64_t bytes_written_ = 0;
  uint64_t in_block_ = 0;
  std::string block_;
};

// How ReadSegment hands over the vector index's blob: its size, and `next`, which returns its
// pieces in turn (each valid until the following call; they add up to the size) or the
// Corruption of a damaged one. The consumer must take every byte (a blob left part unread is
// Corruption): a million-vector graph is then copied once, from the file's read buffer into the
// index, with no whole-blob string in between (bench/open_bench).
// `map` offers the blob's arrays that the segment stores raw (version 6, AddIndexBlob) as pages
// of the file (core::BlobMapper); it declines when the Env cannot map files or the bytes asked
// for are not such an array, and a consumer that never calls it gets those bytes from `next`.
using BlobConsumer =
    std::function<Status(uint64_t bytes, const std::function<Result<std::string_view>()>& next,
                         const core::BlobMapper& map)>;
// Bench only: whether ReadSegment's `map` may map at all (default true); false makes every load
// copy, as before version 6, so that one process can compare the two.
void SetIndexBlobMappingForBench(bool enabled);
// A BlobConsumer that joins the pieces and gives `on_blob` the whole blob (tests, tools).
BlobConsumer WholeBlob(std::function<Status(std::string&&)> on_blob);

// Reads a segment: `on_blob` gets the vector index blob (once, before any record, only when the
// segment has one), `on_text_blob` likewise the full-text index blob (when the segment has one
// and the callback is given), `on_record` each record with its slot (metadata already parsed; the
// ids of records whose metadata had to be salvaged, see DecodeStoredMetadata, go to *salvaged_ids
// when it is not null; with header->vectors_section the values are empty, with
// header->values_in_blob they are empty where the blob holds the vector), and `on_rows` the
// vectors section after the last record (only when the segment has one; then it must be given).
// Any damage or a header that disagrees with `dimensions` is Corruption naming the file.
Status ReadSegment(Env* env, const std::string& path, uint32_t dimensions, SegmentHeader* header,
                   const BlobConsumer& on_blob,
                   const std::function<Status(uint32_t, VectorRecord&&, meta::Value&&)>& on_record,
                   std::vector<std::string>* salvaged_ids = nullptr,
                   const std::function<Status(std::string&&)>& on_text_blob = nullptr,
                   const RowsConsumer& on_rows = {});

}  // namespace semble::db

#endif  // SEMBLE_SRC_DB_INDEX_FILES_H_
