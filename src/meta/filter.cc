// Copyright 2026 The semble Authors.
//
// Vectorize allows only an upper bound ($lt/$lte) to be combined with a lower bound ($gt/$gte) on
// one key, and has no $and/$or/$not/$exists. semble accepts any combination of operators on a key
// (they are ANDed) and the logical operators: every filter Vectorize accepts means the same here,
// and a few more are accepted.

#include "meta/filter.h"

#include <simdjson.h>

#include <string>
#include <unordered_set>

#include "core/json_parse.h"
#include "core/json_writer.h"
#include "core/utf8.h"

namespace semble::meta {

namespace {

using simdjson::dom::element;
using simdjson::dom::element_type;

// Vectorize's limit on the length of a filter key.
constexpr size_t kMaxKeyBytes = 512;

std::string Quote(std::string_view s) {
  std::string out;
  core::AppendJsonString(&out, s);
  return out;
}

Status KeyError(std::string_view key, std::string_view what) {
  std::string msg = "filter key " + Quote(key) + ": ";
  msg += what;
  return Status::InvalidArgument(msg);
}

void WriteCompact(element e, core::JsonWriter* w) {
  switch (e.type()) {
    case element_type::OBJECT: {
      w->BeginObject();
      simdjson::dom::object members = e.get_object().value_unsafe();
      for (simdjson::dom::key_value_pair kv : members) {
        w->Key(kv.key);
        WriteCompact(kv.value, w);
      }
      w->EndObject();
      break;
    }
    case element_type::ARRAY: {
      w->BeginArray();
      simdjson::dom::array items = e.get_array().value_unsafe();
      for (element item : items) WriteCompact(item, w);
      w->EndArray();
      break;
    }
    case element_type::STRING:
      w->String(e.get_string().value_unsafe());
      break;
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      w->Double(e.get_double().value_unsafe());
      break;
    case element_type::BOOL:
      w->Bool(e.get_bool().value_unsafe());
      break;
    case element_type::NULL_VALUE:
      w->Null();
      break;
  }
}

// A string, number, boolean or null as a Value; nullopt for arrays and objects.
std::optional<Value> ScalarValue(element e) {
  switch (e.type()) {
    case element_type::STRING:
      return Value::String(std::string(e.get_string().value_unsafe()));
    case element_type::INT64:
    case element_type::UINT64:
    case element_type::DOUBLE:
      return Value::Number(e.get_double().value_unsafe());
    case element_type::BOOL:
      return Value::Bool(e.get_bool().value_unsafe());
    case element_type::NULL_VALUE:
      return Value();
    default:
      return std::nullopt;
  }
}

struct OperatorName {
  std::string_view name;
  Condition::Op op;
};
constexpr OperatorName kOperators[] = {
    {"$eq", Condition::Op::kEq},         {"$ne", Condition::Op::kNe},
    {"$in", Condition::Op::kIn},         {"$nin", Condition::Op::kNin},
    {"$lt", Condition::Op::kLt},         {"$lte", Condition::Op::kLte},
    {"$gt", Condition::Op::kGt},         {"$gte", Condition::Op::kGte},
    {"$exists", Condition::Op::kExists},
};

Status CheckFieldKey(std::string_view key) {
  if (key.empty()) return KeyError(key, "keys must not be empty");
  if (key.size() > kMaxKeyBytes) {
    return KeyError(key, "keys must not be longer than " + std::to_string(kMaxKeyBytes) + " bytes");
  }
  if (!core::IsValidUtf8(key)) return KeyError(key, "not valid UTF-8");
  if (key.find('"') != std::string_view::npos) return KeyError(key, "keys must not contain '\"'");
  size_t dot = key.find('.');
  if (dot == std::string_view::npos) return Status::OK();
  std::string_view child = key.substr(dot + 1);
  if (child.find('.') != std::string_view::npos) {
    return KeyError(key, "only one level of nesting is supported (\"parent.child\")");
  }
  if (dot == 0 || child.empty()) return KeyError(key, "a dotted key needs a name on both sides");
  if (child.front() == '$') return KeyError(key, "a nested key must not start with '$'");
  return Status::OK();
}

Result<Condition> ParseOperator(std::string_view key, std::string_view op_name, element operand) {
  const OperatorName* found = nullptr;
  for (const OperatorName& o : kOperators) {
    if (o.name == op_name) found = &o;
  }
  if (found == nullptr) {
    if (op_name.empty() || op_name.front() != '$') {
      return KeyError(key, "expected an operator such as $eq, got " + Quote(op_name) +
                               " (a nested field is written as a dotted key, \"parent.child\")");
    }
    return KeyError(key, "unknown operator " + Quote(op_name));
  }
  Condition c;
  c.path = std::string(key);
  c.op = found->op;
  switch (c.op) {
    case Condition::Op::kEq:
    case Condition::Op::kNe: {
      std::optional<Value> v = ScalarValue(operand);
      if (!v) {
        return KeyError(key, std::string(op_name) + " needs a string, number, boolean or null");
      }
      c.operands.push_back(std::move(*v));
      break;
    }
    case Condition::Op::kIn:
    case Condition::Op::kNin: {
      std::string what =
          std::string(op_name) + " needs an array of strings, numbers, booleans or null";
      if (operand.type() != element_type::ARRAY) return KeyError(key, what);
      simdjson::dom::array items = operand.get_array().value_unsafe();
      for (element item : items) {
        std::optional<Value> v = ScalarValue(item);
        if (!v) return KeyError(key, what);
        c.operands.push_back(std::move(*v));
      }
      break;
    }
    case Condition::Op::kLt:
    case Condition::Op::kLte:
    case Condition::Op::kGt:
    case Condition::Op::kGte: {
      std::optional<Value> v = ScalarValue(operand);
      if (!v || (v->kind() != Value::Kind::kString && v->kind() != Value::Kind::kNumber)) {
        return KeyError(key, std::string(op_name) + " needs a string or a number");
      }
      c.operands.push_back(std::move(*v));
      break;
    }
    case Condition::Op::kExists:
      if (operand.type() != element_type::BOOL) return KeyError(key, "$exists needs a boolean");
      c.operands.push_back(Value::Bool(operand.get_bool().value_unsafe()));
      break;
  }
  return c;
}

FilterNode ConditionNode(Condition c) {
  FilterNode n;
  n.kind = FilterNode::Kind::kCondition;
  n.condition = std::move(c);
  return n;
}

// The conditions on one field: a bare value (= $eq) or an object of operators (ANDed).
Result<FilterNode> ParseField(std::string_view key, element value) {
  SEMBLE_RETURN_IF_ERROR(CheckFieldKey(key));
  if (value.type() == element_type::ARRAY) {
    return KeyError(key,
                    "a value must be a string, number, boolean, null or an object of "
                    "operators (use $in for a list)");
  }
  if (value.type() != element_type::OBJECT) {
    Condition c;
    c.path = std::string(key);
    c.op = Condition::Op::kEq;
    c.operands.push_back(*ScalarValue(value));
    return ConditionNode(std::move(c));
  }
  simdjson::dom::object ops = value.get_object().value_unsafe();
  if (ops.size() == 0) return KeyError(key, "the operator object is empty");
  FilterNode all;
  all.kind = FilterNode::Kind::kAnd;
  std::unordered_set<std::string_view> seen;
  for (simdjson::dom::key_value_pair kv : ops) {
    if (!seen.insert(kv.key).second) {
      return KeyError(key, "operator " + Quote(kv.key) + " appears more than once");
    }
    SEMBLE_ASSIGN_OR_RETURN(Condition c, ParseOperator(key, kv.key, kv.value));
    all.children.push_back(ConditionNode(std::move(c)));
  }
  if (all.children.size() == 1) return std::move(all.children.front());
  return all;
}

Result<FilterNode> ParseObject(simdjson::dom::object obj, std::string_view empty_error);

Result<FilterNode> ParseLogical(std::string_view key, element value) {
  FilterNode n;
  if (key == "$not") {
    if (value.type() != element_type::OBJECT) return KeyError(key, "needs an object");
    n.kind = FilterNode::Kind::kNot;
    SEMBLE_ASSIGN_OR_RETURN(FilterNode child,
                            ParseObject(value.get_object().value_unsafe(),
                                        "filter key \"$not\": needs a non-empty object"));
    n.children.push_back(std::move(child));
    return n;
  }
  n.kind = key == "$and" ? FilterNode::Kind::kAnd : FilterNode::Kind::kOr;
  std::string what = "needs a non-empty array of non-empty objects";
  if (value.type() != element_type::ARRAY) return KeyError(key, what);
  simdjson::dom::array items = value.get_array().value_unsafe();
  for (element item : items) {
    if (item.type() != element_type::OBJECT) return KeyError(key, what);
    SEMBLE_ASSIGN_OR_RETURN(
        FilterNode child,
        ParseObject(item.get_object().value_unsafe(), "filter key " + Quote(key) + ": " + what));
    n.children.push_back(std::move(child));
  }
  if (n.children.empty()) return KeyError(key, what);
  return n;
}

// An object of field keys and logical operators, all of which must hold.
Result<FilterNode> ParseObject(simdjson::dom::object obj, std::string_view empty_error) {
  if (obj.size() == 0) return Status::InvalidArgument(empty_error);
  FilterNode all;
  all.kind = FilterNode::Kind::kAnd;
  std::unordered_set<std::string_view> seen;
  for (simdjson::dom::key_value_pair kv : obj) {
    if (!seen.insert(kv.key).second) return KeyError(kv.key, "appears more than once");
    if (!kv.key.empty() && kv.key.front() == '$') {
      if (kv.key != "$and" && kv.key != "$or" && kv.key != "$not") {
        return KeyError(kv.key,
                        "unknown operator (only $and, $or and $not may appear in place "
                        "of a key; field keys must not start with '$')");
      }
      SEMBLE_ASSIGN_OR_RETURN(FilterNode n, ParseLogical(kv.key, kv.value));
      all.children.push_back(std::move(n));
    } else {
      SEMBLE_ASSIGN_OR_RETURN(FilterNode n, ParseField(kv.key, kv.value));
      all.children.push_back(std::move(n));
    }
  }
  return all;
}

bool Evaluate(const FilterNode& node, const Value& metadata) {
  switch (node.kind) {
    case FilterNode::Kind::kAnd:
      for (const FilterNode& c : node.children) {
        if (!Evaluate(c, metadata)) return false;
      }
      return true;
    case FilterNode::Kind::kOr:
      for (const FilterNode& c : node.children) {
        if (Evaluate(c, metadata)) return true;
      }
      return false;
    case FilterNode::Kind::kNot:
      return !Evaluate(node.children.front(), metadata);
    case FilterNode::Kind::kCondition:
      return ConditionMatches(node.condition, metadata.FindPath(node.condition.path));
  }
  return false;
}

// Equality of a scalar field value (or any element of a string array) with one operand. Values of
// different kinds are never equal: true is not 1 and "1" is not 1.
bool Equals(const Value& field, const Value& operand) {
  if (field.kind() == Value::Kind::kStringArray) {
    if (operand.kind() != Value::Kind::kString) return false;
    for (const std::string& s : field.strings()) {
      if (s == operand.string()) return true;
    }
    return false;
  }
  if (field.kind() == Value::Kind::kObject) return false;
  return field == operand;
}

bool InRange(Condition::Op op, int cmp) {
  switch (op) {
    case Condition::Op::kLt:
      return cmp < 0;
    case Condition::Op::kLte:
      return cmp <= 0;
    case Condition::Op::kGt:
      return cmp > 0;
    case Condition::Op::kGte:
      return cmp >= 0;
    default:
      return false;
  }
}

int CompareBytes(std::string_view a, std::string_view b) {
  // char_traits<char> compares as unsigned char, so this is a bytewise (UTF-8 code point) order.
  int c = a.compare(b);
  return c < 0 ? -1 : (c > 0 ? 1 : 0);
}

bool RangeMatches(Condition::Op op, const Value& field, const Value& operand) {
  if (operand.kind() == Value::Kind::kNumber) {
    if (field.kind() != Value::Kind::kNumber) return false;
    double a = field.number(), b = operand.number();
    if (a < b) return InRange(op, -1);
    if (a > b) return InRange(op, 1);
    return a == b && InRange(op, 0);
  }
  if (operand.kind() != Value::Kind::kString) return false;
  if (field.kind() == Value::Kind::kString) {
    return InRange(op, CompareBytes(field.string(), operand.string()));
  }
  if (field.kind() == Value::Kind::kStringArray) {
    for (const std::string& s : field.strings()) {
      if (InRange(op, CompareBytes(s, operand.string()))) return true;
    }
  }
  return false;
}

}  // namespace

Result<Filter> Filter::Parse(std::string_view json, size_t max_bytes) {
  thread_local simdjson::dom::parser parser;  // not thread-safe; reused between filters
  element root;
  auto error = core::ParseJson(parser, json, &root);
  if (error) {
    return Status::InvalidArgument(std::string("filter is not valid JSON: ") +
                                   simdjson::error_message(error));
  }
  if (root.type() != element_type::OBJECT) {
    return Status::InvalidArgument("filter must be a JSON object");
  }
  core::JsonWriter w;
  WriteCompact(root, &w);
  if (w.str().size() > max_bytes) {
    return Status::InvalidArgument("filter is " + std::to_string(w.str().size()) +
                                   " bytes, the limit is " + std::to_string(max_bytes));
  }
  Filter f;
  if (root.get_object().value_unsafe().size() == 0) {
    f.everything_ = true;
    return f;
  }
  SEMBLE_ASSIGN_OR_RETURN(
      f.root_, ParseObject(root.get_object().value_unsafe(), "filter must not be empty"));
  return f;
}

bool Filter::Matches(const Value& metadata) const {
  return everything_ || Evaluate(root_, metadata);
}

bool ConditionMatches(const Condition& c, const Value* field) {
  switch (c.op) {
    case Condition::Op::kEq:
      return field != nullptr && Equals(*field, c.operands.front());
    case Condition::Op::kNe:
      return field == nullptr || !Equals(*field, c.operands.front());
    case Condition::Op::kIn:
    case Condition::Op::kNin: {
      bool any = false;
      if (field != nullptr) {
        for (const Value& operand : c.operands) {
          if (Equals(*field, operand)) {
            any = true;
            break;
          }
        }
      }
      return c.op == Condition::Op::kIn ? any : !any;
    }
    case Condition::Op::kLt:
    case Condition::Op::kLte:
    case Condition::Op::kGt:
    case Condition::Op::kGte:
      return field != nullptr && RangeMatches(c.op, *field, c.operands.front());
    case Condition::Op::kExists:
      return (field != nullptr) == c.operands.front().bool_value();
  }
  return false;
}

}  // namespace semble::meta
