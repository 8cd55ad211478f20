// Copyright 2026 The semble Authors.
//
// HugeArray: a growable array of trivially copyable elements in its own anonymous mapping, for
// the arenas that hold every vector of an index (the HNSW graph's records, FlatIndex's floats).

#ifndef SEMBLE_SRC_CORE_HUGE_ARRAY_H_
#define SEMBLE_SRC_CORE_HUGE_ARRAY_H_

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <new>
#include <type_traits>

namespace semble::core {

// A growable array in its own anonymous mapping, backed by 2 MiB transparent huge pages once it
// is big enough (the kernel default here is THP on madvise only). A search touches a few thousand
// random records of an arena of hundreds of megabytes: with 4 KiB pages nearly every one is also
// a TLB miss and a page walk; with 2 MiB pages the whole arena fits the second-level TLB.
// Grows only under the index's exclusive lock. The old contents are moved into the new mapping by
// remapping their pages (mremap), not copied: a copy rewrote the whole graph into freshly faulted
// and zeroed pages on every 1.5x growth, on the writing thread and under the database's locks
// (~60% of the writing threads' CPU while 16 writers ingested into a fresh hnsw index, and a
// stall that grows with the graph). Only the new tail is faulted in, by whoever first writes it
// (the builder).
//
// An array can also start as pages of a file (MapFile): a checkpoint's vectors, mapped
// copy-on-write, so that opening an index neither copies them nor faults in fresh memory; a page
// becomes private memory only when it is written. Growth moves the file's pages along with the
// rest.
template <class T>
class HugeArray {
  static_assert(std::is_trivially_copyable_v<T>, "pages are moved, not elements");

 public:
  HugeArray() = default;
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;
  HugeArray(HugeArray&& other) noexcept { Swap(&other); }
  HugeArray& operator=(HugeArray&& other) noexcept {
    if (this != &other) {
      Release();
      Swap(&other);
    }
    return *this;
  }
  ~HugeArray() { Release(); }

  // Replaces the contents with the n elements stored at `offset` (a multiple of the page size) of
  // the file open as `fd`, mapped copy-on-write (MAP_PRIVATE): reads see the file's pages in the
  // page cache, a write copies the page it lands on, and nothing ever reaches the file. The
  // pages are mapped in at once (MAP_POPULATE on a read-only mapping, then made writable: a
  // writable mapping would be populated by copying every page). The file may be closed, renamed
  // or unlinked afterwards; it must never be changed or truncated while mapped (a page the
  // kernel can no longer read is SIGBUS), which holds for semble's immutable segments. Bytes of
  // the last page past the file's end read as zero. False (contents unchanged) if the kernel
  // refuses; the caller then reads the elements instead.
  bool MapFile(int fd, uint64_t offset, size_t n) {
    const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    if (n == 0 || offset % page != 0) return false;
    const size_t bytes = (n * sizeof(T) + page - 1) / page * page;
    void* p = mmap(nullptr, bytes, PROT_READ, MAP_PRIVATE | MAP_POPULATE, fd,
                   static_cast<off_t>(offset));
    if (p == MAP_FAILED) return false;
    if (mprotect(p, bytes, PROT_READ | PROT_WRITE) != 0) {
      munmap(p, bytes);
      return false;
    }
    Release();
    base_ = p;
    data_ = static_cast<T*>(p);
    size_ = n;
    mapped_bytes_ = bytes;
    file_bytes_ = bytes;
    return true;
  }
  // Bytes at the front that are (still) pages of a file (MapFile); 0 for anonymous memory.
  size_t file_bytes() const { return file_bytes_; }

  T* data() { return data_; }
  const T* data() const { return data_; }
  T& operator[](size_t i) { return data_[i]; }
  const T& operator[](size_t i) const { return data_[i]; }
  size_t size() const { return size_; }

  // Grows to n elements; new elements are zero (fresh anonymous pages). Never shrinks.
  void Grow(size_t n) {
    if (n <= size_) return;
    constexpr size_t kHuge = kHugePage;
    const size_t bytes = n * sizeof(T);
    const bool huge = bytes >= 2 * kHuge;
    // Huge pages need 2 MiB-aligned ranges: map one extra page of slack and align inside it.
    const size_t map_bytes = huge ? (bytes + kHuge - 1) / kHuge * kHuge + kHuge : bytes;
    void* base =
        mmap(nullptr, map_bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) throw std::bad_alloc();  // as std::vector would
    char* p = static_cast<char*>(base);
    if (huge) {
      p = reinterpret_cast<char*>((reinterpret_cast<uintptr_t>(p) + kHuge - 1) & ~(kHuge - 1));
    }
    const size_t moved = size_ > 0 ? MoveInto(p) : 0;
    const size_t file_bytes = file_bytes_;  // MoveInto leaves it 0 if it had to copy them
    // After the move: moved pages keep their old mapping's advice, and a small array had none.
    if (huge) madvise(p, map_bytes - (p - static_cast<char*>(base)), MADV_HUGEPAGE);
    Release(moved);
    file_bytes_ = file_bytes;
    base_ = base;
    mapped_bytes_ = map_bytes;
    data_ = reinterpret_cast<T*>(p);
    size_ = n;
    huge_ = huge;
  }

 private:
  static constexpr size_t kHugePage = size_t{2} << 20;

  void Swap(HugeArray* other) {
    std::swap(base_, other->base_);
    std::swap(data_, other->data_);
    std::swap(size_, other->size_);
    std::swap(mapped_bytes_, other->mapped_bytes_);
    std::swap(file_bytes_, other->file_bytes_);
    std::swap(huge_, other->huge_);
  }

  // Moves the pages holding the current elements to `to` (page aligned, with room for them),
  // replacing the fresh pages there. The bytes past size_ in the last page were never written,
  // so they are zero, as new elements must be. Returns the bytes moved from data_ on (the rest
  // was copied, because the kernel refused to move it).
  size_t MoveInto(char* to) {
    // Whole huge pages when the old array had them (its mapping extends to the next 2 MiB
    // boundary): moving part of one would split it into small pages.
    const size_t page = huge_ ? kHugePage : static_cast<size_t>(sysconf(_SC_PAGESIZE));
    const size_t used = (size_ * sizeof(T) + page - 1) / page * page;
    const size_t bytes = size_ * sizeof(T);
    char* const from = reinterpret_cast<char*>(data_);
    // A range mremap moves must lie in one mapping: a file's pages (MapFile) and the anonymous
    // memory after them are two, moved one after the other.
    size_t done = 0;
    if (file_bytes_ > 0) {
      if (mremap(from, file_bytes_, file_bytes_, MREMAP_MAYMOVE | MREMAP_FIXED, to) ==
          MAP_FAILED) {
        std::memcpy(to, from, bytes);
        file_bytes_ = 0;
        return 0;
      }
      done = file_bytes_;
    }
    if (used > done && mremap(from + done, used - done, used - done,
                              MREMAP_MAYMOVE | MREMAP_FIXED, to + done) == MAP_FAILED) {
      if (bytes > done) std::memcpy(to + done, from + done, bytes - done);
      return done;
    }
    return std::max(used, done);
  }

  // Unmaps the old mapping, except the `moved` bytes from data_ on that MoveInto took away. That
  // range is already gone and must not be unmapped again: another thread may have been given
  // those addresses by its own mmap meanwhile (unmapping them crashed a test with many indexes
  // growing their arenas on several threads).
  void Release(size_t moved = 0) {
    if (base_ != nullptr) {
      const size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
      char* const begin = static_cast<char*>(base_);
      char* const end = begin + (mapped_bytes_ + page - 1) / page * page;
      char* const hole = reinterpret_cast<char*>(data_);
      char* const hole_end = std::min(end, hole + moved);
      if (moved == 0) {
        munmap(begin, end - begin);
      } else {
        if (hole > begin) munmap(begin, hole - begin);
        if (end > hole_end) munmap(hole_end, end - hole_end);
      }
    }
    base_ = nullptr;
    data_ = nullptr;
    size_ = 0;
    mapped_bytes_ = 0;
    file_bytes_ = 0;
    huge_ = false;
  }

  void* base_ = nullptr;
  T* data_ = nullptr;
  size_t size_ = 0;
  size_t mapped_bytes_ = 0;
  size_t file_bytes_ = 0;  // see file_bytes()
  bool huge_ = false;  // data_ is 2 MiB aligned and the mapping reaches the next 2 MiB boundary
};

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_HUGE_ARRAY_H_
