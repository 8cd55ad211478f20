// Copyright 2026 The semble Authors.

#include "text/stemmer.h"

#include <libstemmer.h>

#include <climits>

namespace semble::text {

namespace {

class ThreadStemmer {
 public:
  ThreadStemmer() : stemmer_(sb_stemmer_new("english", "UTF_8")) {}
  ~ThreadStemmer() { sb_stemmer_delete(stemmer_); }
  ThreadStemmer(const ThreadStemmer&) = delete;
  ThreadStemmer& operator=(const ThreadStemmer&) = delete;
  sb_stemmer* get() const { return stemmer_; }

 private:
  sb_stemmer* stemmer_;
};

}  // namespace

bool EnglishStemmerAvailable() {
  sb_stemmer* s = sb_stemmer_new("english", "UTF_8");
  const bool ok = s != nullptr;
  sb_stemmer_delete(s);
  return ok;
}

void StemEnglish(std::string* word) {
  thread_local ThreadStemmer stemmer;
  if (stemmer.get() == nullptr || word->empty() || word->size() > INT_MAX) return;
  const sb_symbol* out =
      sb_stemmer_stem(stemmer.get(), reinterpret_cast<const sb_symbol*>(word->data()),
                      static_cast<int>(word->size()));
  if (out == nullptr) return;
  const int n = sb_stemmer_length(stemmer.get());
  word->assign(reinterpret_cast<const char*>(out), static_cast<size_t>(n));
}

}  // namespace semble::text
