// Copyright 2026 The semble Authors.
//
// Kernels for quantized vectors, dispatched at run time like distance.h. They compute raw sums; the
// quantizers (src/index/quantizer.h) turn them into approximate dot products and distances.

#ifndef SEMBLE_SRC_CORE_QUANTIZED_DISTANCE_H_
#define SEMBLE_SRC_CORE_QUANTIZED_DISTANCE_H_

#include <cstddef>
#include <cstdint>

namespace semble::core {

// The most a query weight passed to DotI16U8 may be in absolute value. 2 * 2047 * 255 per pair of
// lanes keeps every int32 lane far from overflow for any n up to 2^16 on any vector width.
constexpr int32_t kMaxI16Weight = 2047;

using DotI16U8Fn = int32_t (*)(const int16_t* q, const uint8_t* c, size_t n);
using SumSelectedFn = float (*)(const float* q, const uint8_t* bits, size_t n);
// The kernels below for this CPU, resolved once (see partial_distance.h).
DotI16U8Fn DotI16U8Kernel();
SumSelectedFn SumSelectedKernel();

// sum_i q[i] * c[i] for int16 weights (|q[i]| <= kMaxI16Weight) and uint8 codes.
int32_t DotI16U8(const int16_t* q, const uint8_t* c, size_t n);

// sum of q[i] over the i whose bit is set in `bits` (bit i = byte i / 8, bit i % 8, LSB first).
float SumSelected(const float* q, const uint8_t* bits, size_t n);

}  // namespace semble::core

#endif  // SEMBLE_SRC_CORE_QUANTIZED_DISTANCE_H_
