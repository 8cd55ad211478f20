// Copyright 2026 The semble Authors.
//
// The write-ahead log as recovery reads it: framed records (storage/log_reader.h) decoded as
// mutations (db/mutation.h). The first input byte is the index's dimension count; the rest is the
// log file. Recovery must answer a Status for any file (a foreign file, a disk that returned
// garbage), and no count or length in it may allocate more than the file could hold. A decoded
// mutation must also survive its own encoding: re-encoded and decoded again it encodes the same.
// The file is read as it is, then with its record checksums fixed (fix_crc.h), so that mutated
// payloads reach DecodeMutation.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "db/mutation.h"
#include "fix_crc.h"
#include "fuzz_check.h"
#include "mem_env.h"
#include "storage/log_reader.h"

using namespace semble;  // NOLINT: a test's brevity

namespace {

void ReadLog(uint32_t dimensions, const std::string& file) {
  const size_t size = file.size() + 1;
  fuzz::MemEnv env;
  env.Put("/i/wal.log", file);
  auto reader = storage::LogReader::Open(&env, "/i/wal.log", /*allow_torn_tail=*/true);
  FUZZ_CHECK(reader.ok(), "open: %s", reader.status().ToString().c_str());
  while (true) {
    std::string_view payload;
    auto outcome = (*reader)->Next(&payload);
    if (!outcome.ok() || *outcome != storage::LogReader::Outcome::kRecord) break;
    FUZZ_CHECK((*reader)->good_end() <= size - 1, "the reader went past the end of the file");
    auto m = db::DecodeMutation(payload, dimensions);
    if (!m.ok()) continue;
    FUZZ_CHECK(m->metadata.size() == m->records.size(), "metadata and records disagree");
    std::string encoded;
    db::EncodeMutation(*m, &encoded);
    auto again = db::DecodeMutation(encoded, dimensions);
    FUZZ_CHECK(again.ok(), "a decoded mutation does not decode after encoding: %s",
               again.status().ToString().c_str());
    std::string encoded2;
    db::EncodeMutation(*again, &encoded2);
    FUZZ_CHECK(encoded2 == encoded, "a mutation's encoding is not stable");
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  std::string file(reinterpret_cast<const char*>(data) + 1, size - 1);
  ReadLog(data[0], file);
  if (fuzz::FixRecordCrcs(&file)) ReadLog(data[0], file);
  return 0;
}
