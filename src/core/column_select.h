// Copyright 2026 The semble Authors.
//
// Selecting the rows of a column of numbers that fall in an interval: the scan a number metadata
// index answers a range from when the range spans too many distinct values for a union of their
// bitmaps (src/meta/metadata_index.cc). Dispatched at run time like distance.h.

#ifndef SEMBLE_SRC_CORE_COLUMN_SELECT_H_
#define SEMBLE_SRC_CORE_COLUMN_SELECT_H_

#include <cstddef>
#include <cstdint>

namespace semble::core {

// Writes to out, in increasing order, every i < n with lo <= values[i] <= hi (a NaN is never in
// range), offset by `base`; returns how many. out must have room for n entries. The bounds are
// closed; an open bound is the next double towards the interval (std::nextafter), which selects
// the same values.
size_t SelectInRange(const double* values, size_t n, double lo, double hi, uint32_t base,
                     uint32_t* out);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_COLUMN_SELECT_H_
