// Copyright 2026 The semble Authors.
//
// Checkpoint segments (db/index_files.h ReadSegment). The first input byte is the dimension count
// the manifest claims; the rest is the segment file. A damaged or foreign segment must fail Open
// with Corruption, never crash, and no count or length in it (records, metadata indexes, the index
// blob's size) may allocate more than the file holds. The file is read as it is, then with its
// record checksums fixed (fix_crc.h), so that mutated blocks reach the record decoder.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "db/index_files.h"
#include "fix_crc.h"
#include "fuzz_check.h"
#include "mem_env.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

void ReadSegmentFile(uint32_t dimensions, const std::string& file) {
  const size_t file_size = file.size();
  fuzz::MemEnv env;
  env.Put("/i/seg.seg", file);
  db::SegmentHeader header;
  uint64_t records = 0;
  std::vector<std::string> salvaged;
  Status s = db::ReadSegment(
      &env, "/i/seg.seg", dimensions, &header,
      db::WholeBlob([&](std::string&& blob) {
        FUZZ_CHECK(blob.size() == header.index_blob_bytes && blob.size() <= file_size,
                   "blob of %zu bytes, header says %llu", blob.size(),
                   static_cast<unsigned long long>(header.index_blob_bytes));
        return Status::OK();
      }),
      [&](uint32_t, VectorRecord&& r, meta::Value&&) {
        // Floats in every record, in none (a vectors section), or in those the blob lacks.
        const size_t want = header.vectors_section ? 0 : dimensions;
        FUZZ_CHECK(r.values.size() == want || (header.values_in_blob && r.values.empty()),
                   "a record with %zu values", r.values.size());
        ++records;
        return Status::OK();
      },
      &salvaged, nullptr,
      db::RowsConsumer{nullptr, [&](core::HugeArray<float>&& rows, uint64_t count) {
        FUZZ_CHECK(header.vectors_section && rows.size() == count * dimensions &&
                       count * dimensions * sizeof(float) <= file_size,
                   "a vectors section of %llu rows", static_cast<unsigned long long>(count));
        return Status::OK();
      }});
  if (s.ok()) {
    FUZZ_CHECK(records == header.record_count, "%llu records read, header says %llu",
               static_cast<unsigned long long>(records),
               static_cast<unsigned long long>(header.record_count));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  ReadSegmentFile(data[0], file);
  if (fuzz::FixRecordCrcs(&file)) ReadSegmentFile(data[0], file);
  return 0;
}
