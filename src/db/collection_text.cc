// Copyright 2026 The semble Authors.
//
// Collection: the full-text index (TextIndexConfig). It is derived state, like the metadata
// indexes: what is durable is each record's text and metadata (in the log and the segments) and
// the configuration (a logged mutation, and the manifest as of each checkpoint). Every change of a
// slot goes through PlaceRecord / RemoveSlot / UpdateSlotMetadata, which keep the keyword index in
// step under the same exclusive lock as the vectors, so a query sees both sides at the same
// mutation; opening an index rebuilds the keyword index from the records as they are placed.

#include <utility>

#include "db/collection.h"
#include "db/validation.h"

namespace semble::db {
namespace {

text::Bm25Options Bm25OptionsFor(const TextIndexConfig& config) {
  text::Bm25Options o;
  const bool english = config.language == "english";
  o.analyzer.stemming =
      english ? text::AnalyzerOptions::Stemming::kEnglish : text::AnalyzerOptions::Stemming::kNone;
  o.analyzer.english_stop_words = english;
  o.analyzer.cjk_bigrams = true;
  o.k1 = config.k1;
  o.b = config.b;
  return o;
}

}  // namespace

IndexDescription Collection::Describe() const {
  IndexDescription d = manifest_description_;
  std::shared_lock state(state_mu_);
  d.config.text_index = text_config_;
  return d;
}

Result<MutationResult> Collection::ConfigureTextIndex(const TextIndexConfig& config) {
  SEMBLE_RETURN_IF_ERROR(ValidateTextIndexConfig(config).WithContext("textIndex"));
  Mutation m;
  m.type = MutationType::kConfigureTextIndex;
  // A dropped index keeps no settings, so "disabled" has one spelling in logs and manifests.
  if (config.enabled) m.text_index = config;
  return WriteMutation(std::move(m));
}

Status Collection::RebuildTextIndexLocked() {
  text_index_.reset();
  text_analyzer_.reset();
  ++text_generation_;
  if (!text_config_.enabled) return Status::OK();
  SEMBLE_ASSIGN_OR_RETURN(text_index_, text::Bm25Index::Create(Bm25OptionsFor(text_config_)));
  text_analyzer_ = std::make_shared<const text::Analyzer>(text_index_->analyzer());
  for (const auto& [id, slot] : ids_) IndexTextLocked(slot);
  return Status::OK();
}

void Collection::LoadTextIndexLocked(std::string&& blob, const std::string& where,
                                     std::vector<std::string>* recovery_log) {
  if (text_index_ == nullptr) return;  // dropped after the checkpoint's configuration: unused
  auto loaded = text::Bm25Index::Deserialize(blob);
  const text::Bm25Options want = Bm25OptionsFor(text_config_);
  std::string problem;
  if (!loaded.ok()) {
    problem = loaded.status().ToString();
  } else if (!((*loaded)->options().analyzer == want.analyzer) || (*loaded)->options().k1 != want.k1 ||
             (*loaded)->options().b != want.b) {
    problem = "it was built with other settings than the index's";
  }
  if (!problem.empty()) {
    // Derived state: the records hold everything it is made of, so it is rebuilt, not fatal.
    recovery_log->push_back(where + ": index \"" + manifest_.description.name +
                            "\": the stored full-text index is not usable (" + problem +
                            "); rebuilt from the records");
    return;
  }
  text_index_ = std::move(loaded).value();
  text_index_from_segment_ = true;
}

void Collection::IndexTextLocked(uint32_t slot) {
  if (text_index_ == nullptr || text_index_from_segment_) return;
  // Add replaces what the slot held; a document without terms leaves the slot out. Slots are
  // far below Bm25Index::kMaxSlot (the vector index's own limit is lower), so Add cannot fail.
  text_index_->Add(slot, DocumentTextLocked(slots_[slot]));
}

void Collection::AnalyzeDocuments(Mutation* m) const {
  std::shared_ptr<const text::Analyzer> analyzer;
  std::vector<std::string> fields;
  {
    std::shared_lock state(state_mu_);
    if (text_analyzer_ == nullptr) return;
    analyzer = text_analyzer_;
    fields = text_config_.fields;
    m->text_generation = text_generation_;
  }
  // Analysis is the costly part of indexing a document; done here, on the writer's thread, it
  // neither holds the apply lock (queries wait for that) nor runs on the leader for everyone.
  m->doc_terms.resize(m->records.size());
  for (size_t i = 0; i < m->records.size(); ++i) {
    analyzer->Analyze(DocumentText(m->records[i].text, m->metadata[i], fields), &m->doc_terms[i]);
  }
}

std::string Collection::DocumentTextLocked(const Slot& slot) const {
  return DocumentText(slot.text, slot.metadata, text_config_.fields);
}

std::string Collection::DocumentText(const std::string& text, const meta::Value& metadata,
                                     const std::vector<std::string>& fields) {
  std::string doc = text;
  for (const std::string& field : fields) {
    const meta::Value* v = metadata.FindPath(field);
    if (v == nullptr) continue;
    // Strings only: numbers and booleans are filters' business, not words.
    if (v->kind() == meta::Value::Kind::kString) {
      doc.append("\n").append(v->string());
    } else if (v->kind() == meta::Value::Kind::kStringArray) {
      for (const std::string& item : v->strings()) doc.append("\n").append(item);
    }
  }
  return doc;
}

}  // namespace semble::db
