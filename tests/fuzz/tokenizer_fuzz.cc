// Copyright 2026 The semble Authors.
//
// The WordPiece tokenizer (embed/wordpiece_tokenizer.h), both ways hostile bytes reach it:
// - as a vocabulary: the input read as tokenizer.json and as vocab.txt; a tokenizer that loads must
//   then encode a fixed multilingual text into ids inside its vocabulary;
// - as text: every query and record text is encoded, so the input is also encoded by a small fixed
//   vocabulary, with and without truncation; ids stay in the vocabulary, [CLS] ... [SEP] frame
//   them, and max_length holds.

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "embed/wordpiece_tokenizer.h"
#include "fuzz_check.h"

using namespace semble;  // NOLINT: a test's brevity
using embed::EncodeOptions;
using embed::WordPieceTokenizer;

namespace {

void CheckIds(const embed::Tokenizer& t, const std::vector<int32_t>& ids) {
  for (int32_t id : ids) {
    FUZZ_CHECK(id >= 0 && static_cast<size_t>(id) < t.vocab_size(), "id %d outside a vocabulary of %zu",
               id, t.vocab_size());
  }
}

void EncodeSample(const embed::Tokenizer& t) {
  static constexpr std::string_view kSample =
      "Hello, WORLD! naïve café 東京 서울 \xF0\x9F\x98\x80 tab\there\x01 unbelievably";
  auto ids = t.Encode(kSample, EncodeOptions{});
  if (ids.ok()) CheckIds(t, *ids);
}

const WordPieceTokenizer& FixedTokenizer() {
  static const WordPieceTokenizer* t = [] {
    auto made = WordPieceTokenizer::FromVocabTxt(
        "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nhello\nworld\n##s\n!\n,\ncafe\nun\n##believ\n##ably\n"
        "a\n##b\n##c\nb\nc\n東\n京\n\xea\xb0\x80\n",
        embed::WordPieceConfig{});
    FUZZ_CHECK(made.ok(), "the fixed vocabulary does not load");
    return made->release();
  }();
  return *t;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  auto from_json = WordPieceTokenizer::FromTokenizerJson(input);
  if (from_json.ok()) EncodeSample(**from_json);
  auto from_txt = WordPieceTokenizer::FromVocabTxt(input, embed::WordPieceConfig{});
  if (from_txt.ok()) EncodeSample(**from_txt);

  const WordPieceTokenizer& fixed = FixedTokenizer();
  for (size_t max_length : {size_t{0}, size_t{8}, size_t{512}}) {
    EncodeOptions options;
    options.max_length = max_length;
    auto ids = fixed.Encode(input, options);
    FUZZ_CHECK(ids.ok(), "encoding with truncation failed: %s", ids.status().ToString().c_str());
    CheckIds(fixed, *ids);
    FUZZ_CHECK(ids->size() >= 2 && ids->front() == 2 && ids->back() == 3,
               "the ids are not framed by [CLS] and [SEP]");
    if (max_length != 0) FUZZ_CHECK(ids->size() <= max_length, "max_length exceeded");
  }
  EncodeOptions strict;
  strict.truncate = false;
  auto ids = fixed.Encode(input, strict);
  if (ids.ok()) CheckIds(fixed, *ids);
  return 0;
}
