// Copyright 2026 The semble Authors.
//
// BlobMapper: how the source of a blob being loaded in pieces (a checkpoint segment in a local
// file) offers a large array of it as pages of its file rather than as bytes to copy.

#ifndef SEMBLE_SRC_CORE_BLOB_MAPPER_H_
#define SEMBLE_SRC_CORE_BLOB_MAPPER_H_

#include <cstdint>
#include <functional>

#include "semble/status.h"

namespace semble::core {

// Called by a loader at a piece boundary, before it reads the next `bytes` bytes of the blob into
// an array of its own. If the source stores exactly those bytes at a page-aligned offset of a file
// it can map, it calls `map(fd, offset)`, which maps them (HugeArray::MapFile) and returns where,
// or nullptr if the kernel refused; the source then verifies them there against its checksums (the
// pages come from the page cache, nothing is copied or zeroed) and moves past them. True: mapped
// and verified. False: nothing consumed; the loader reads the bytes through its pieces as usual
// (bytes not stored so, a source that cannot map, or a refused mmap). An error (a checksum
// mismatch) stops the load.
using BlobMapper = std::function<Result<bool>(
    uint64_t bytes, const std::function<const void*(int fd, uint64_t offset)>& map)>;

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_BLOB_MAPPER_H_
