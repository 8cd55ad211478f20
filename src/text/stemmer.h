// Copyright 2026 The semble Authors.
//
// The Snowball English stemmer (Debian's libstemmer, the Snowball project's own C code: the
// "english" algorithm is Porter2). A libstemmer object keeps state between calls, so each thread
// has its own, made on its first word and freed when the thread ends; callers need no lock.

#ifndef SEMBLE_SRC_TEXT_STEMMER_H_
#define SEMBLE_SRC_TEXT_STEMMER_H_

#include <string>

namespace semble::text {

// True when libstemmer can make an English stemmer (it can, unless memory is exhausted).
bool EnglishStemmerAvailable();

// Replaces *word (UTF-8, case-folded) with its English stem. A word the stemmer cannot take
// (out of memory) is left as it is.
void StemEnglish(std::string* word);

}  // namespace semble::text

#endif  // SEMBLE_SRC_TEXT_STEMMER_H_
