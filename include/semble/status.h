// Copyright 2026 The semble Authors.
//
// Status and Result<T>: how every error crosses the public API. semble never throws across it.
//
// A Status is either OK or carries a code and a one-line message meant for a human ("index
// \"docs\": record 3 (id \"a\"): values has 3 elements, the index has 4 dimensions"). Codes map
// one-to-one onto the HTTP statuses the server returns, so callers can branch on the code and show
// the message. Some errors also carry a Reason, finer than the code, where a caller must tell them
// apart (the server answers a bad filter and a wrong dimension count with different Cloudflare
// codes): the check that fails says why once, and nobody above it repeats the check to find out.

#ifndef SEMBLE_INCLUDE_SEMBLE_STATUS_H_
#define SEMBLE_INCLUDE_SEMBLE_STATUS_H_

#include <cassert>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace semble {

class Status {
 public:
  enum class Code {
    kOk = 0,
    kInvalidArgument,     // the request is malformed or breaks a documented limit
    kNotFound,            // a named index, vector or metadata index does not exist
    kAlreadyExists,       // an index or metadata index of that name exists
    kFailedPrecondition,  // the request is valid but the state forbids it (e.g. database read-only)
    kResourceExhausted,   // a configured quota is reached (metadata indexes per index, ...)
    kCorruption,          // stored data failed a checksum or format check
    kIOError,             // the operating system refused an operation (ENOSPC, EIO, fsync failure)
    kInternal,            // a bug: an invariant of semble itself does not hold
  };

  // Why, where the code alone does not say. Carried through WithContext; kNone when the code is
  // all there is to know.
  enum class Reason : uint8_t {
    kNone = 0,
    kIndexNotFound,     // NotFound: no index of that name
    kIndexExists,       // AlreadyExists: an index of that name exists
    kVectorNotFound,    // NotFound: a query's vectorId is not stored
    kModelNotFound,     // NotFound: the embedding model is not installed (or the alias's target)
    kModelMismatch,     // InvalidArgument: vectors or text of another model than the index's
    kNoModel,           // InvalidArgument: text for an index without an embedding model
    kNoSchema,          // InvalidArgument: fields for an index without a record schema
    kBreaksSchema,      // InvalidArgument: a record's fields do not encode under the schema
    kBadFilter,         // InvalidArgument: the query filter does not parse or breaks a limit
    kRecordDimensions,  // InvalidArgument: a record's vector has the wrong length
    kQueryDimensions,   // InvalidArgument: the query vector has the wrong length
    kMetadataTooLarge,  // InvalidArgument: a record's metadata is over the size limit
    kMissingField,      // InvalidArgument: a request leaves out a field it needs
    kConditionFailed,   // FailedPrecondition: an object store's conditional write found the key
                        // present (put-if-absent) or changed (If-Match)
    kFenced,            // FailedPrecondition: another writer took over the index in its object
                        // store; this handle writes nothing more
    kNoTextIndex,       // FailedPrecondition: a keyword or hybrid query on an index without a
                        // full-text index
    kNotWriter,         // FailedPrecondition: this process only reads the index from its object
                        // store; another process (in a cluster, the node that owns it) writes it
  };

  Status() = default;  // OK

  static Status OK() { return Status(); }
  static Status InvalidArgument(std::string_view msg) {
    return Status(Code::kInvalidArgument, msg);
  }
  static Status NotFound(std::string_view msg) { return Status(Code::kNotFound, msg); }
  static Status AlreadyExists(std::string_view msg) { return Status(Code::kAlreadyExists, msg); }
  static Status FailedPrecondition(std::string_view msg) {
    return Status(Code::kFailedPrecondition, msg);
  }
  static Status ResourceExhausted(std::string_view msg) {
    return Status(Code::kResourceExhausted, msg);
  }
  static Status Corruption(std::string_view msg) { return Status(Code::kCorruption, msg); }
  static Status IOError(std::string_view msg) { return Status(Code::kIOError, msg); }
  static Status Internal(std::string_view msg) { return Status(Code::kInternal, msg); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }
  Reason reason() const { return reason_; }

  bool IsInvalidArgument() const { return code_ == Code::kInvalidArgument; }
  bool IsNotFound() const { return code_ == Code::kNotFound; }
  bool IsAlreadyExists() const { return code_ == Code::kAlreadyExists; }
  bool IsCorruption() const { return code_ == Code::kCorruption; }
  bool IsIOError() const { return code_ == Code::kIOError; }

  // "OK" or "<CodeName>: <message>".
  std::string ToString() const;

  // Returns a copy whose message is "<prefix>: <message>"; OK stays OK. Used to add context
  // (file name, record number) as an error travels up.
  Status WithContext(std::string_view prefix) const;
  // Returns a copy carrying `reason`; OK stays OK.
  Status WithReason(Reason reason) const;

 private:
  Status(Code code, std::string_view msg) : code_(code), message_(msg) {}

  Code code_ = Code::kOk;
  Reason reason_ = Reason::kNone;
  std::string message_;
};

std::string_view CodeName(Status::Code code);

// Result<T> holds either a value or a non-OK Status.
template <typename T>
class Result {
 public:
  Result(T value) : v_(std::move(value)) {}  // NOLINT: implicit by design, like absl::StatusOr
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK status has no value");
    if (std::get<Status>(v_).ok()) v_ = Status::Internal("Result built from an OK status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  // OK when a value is held.
  Status status() const { return ok() ? Status::OK() : std::get<Status>(v_); }

  // Requires ok().
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace semble

// Internal helpers: propagate errors without exceptions.
#define SEMBLE_CONCAT_INNER_(a, b) a##b
#define SEMBLE_CONCAT_(a, b) SEMBLE_CONCAT_INNER_(a, b)

#define SEMBLE_RETURN_IF_ERROR(expr)                 \
  do {                                               \
    ::semble::Status semble_status_ = (expr);        \
    if (!semble_status_.ok()) return semble_status_; \
  } while (0)

#define SEMBLE_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) return tmp.status();                 \
  lhs = std::move(tmp).value()

#define SEMBLE_ASSIGN_OR_RETURN(lhs, expr) \
  SEMBLE_ASSIGN_OR_RETURN_IMPL_(SEMBLE_CONCAT_(semble_result_, __LINE__), lhs, expr)

#endif  // SEMBLE_INCLUDE_SEMBLE_STATUS_H_
