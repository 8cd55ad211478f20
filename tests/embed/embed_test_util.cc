// Copyright 2026 The semble Authors.

#include "embed/embed_test_util.h"

#include <simdjson.h>
#include <sys/wait.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numeric>
#include <set>

#include "core/json_writer.h"
#include "semble/env.h"
#include "semble/model_store.h"

#ifndef SEMBLE_SOURCE_DIR
#define SEMBLE_SOURCE_DIR "."
#endif

namespace semble::test {
namespace {

std::string Getenv(const char* name) {
  const char* v = std::getenv(name);
  return v == nullptr ? "" : v;
}

// The CLI's rule (apps/semble/cli.cc DefaultDataDir); tests cannot link the app.
std::string DataDir() {
  if (std::string d = Getenv("SEMBLE_DATA_DIR"); !d.empty()) return d;
  if (std::string x = Getenv("XDG_DATA_HOME"); !x.empty() && x.front() == '/') {
    return x + "/semble";
  }
  if (std::string h = Getenv("HOME"); !h.empty()) return h + "/.local/share/semble";
  return "";
}

std::string ShellQuote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

}  // namespace

std::string DefaultModelDirOrFail() {
  auto dir =
      ResolveModel(Env::Default(), DefaultModelsDir(DataDir()), std::string(kDefaultModelId));
  if (!dir.ok()) {
    std::fprintf(stderr, "default model not installed (run scripts/setup): %s\n",
                 dir.status().ToString().c_str());
    return "";
  }
  return *dir;
}

std::vector<StsPair> ReadStsDev() {
  std::string path = Getenv("SEMBLE_STSB_DEV");
  if (path.empty()) path = std::string(SEMBLE_SOURCE_DIR) + "/tests/data/stsb/sts-dev.csv";
  auto data = ReadFileToString(Env::Default(), path);
  std::vector<StsPair> pairs;
  if (!data.ok()) return pairs;
  size_t pos = 0;
  const std::string& s = *data;
  while (pos < s.size()) {
    size_t nl = s.find('\n', pos);
    if (nl == std::string::npos) nl = s.size();
    std::string line = s.substr(pos, nl - pos);
    pos = nl + 1;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::vector<std::string> fields;
    size_t start = 0;
    while (fields.size() < 7) {
      size_t tab = line.find('\t', start);
      if (tab == std::string::npos) {
        fields.push_back(line.substr(start));
        break;
      }
      fields.push_back(line.substr(start, tab - start));
      start = tab + 1;
    }
    if (fields.size() < 7) continue;
    pairs.push_back({fields[5], fields[6], std::atof(fields[4].c_str())});
  }
  return pairs;
}

std::vector<std::string> UniqueSentences(const std::vector<StsPair>& pairs) {
  std::vector<std::string> out;
  std::set<std::string> seen;
  for (const StsPair& p : pairs) {
    for (const std::string* s : {&p.s1, &p.s2}) {
      if (seen.insert(*s).second) out.push_back(*s);
    }
  }
  return out;
}

std::vector<std::string> HostileTexts() {
  std::vector<std::string> t = {
      "",
      "   \t\n  ",
      "A man is playing a guitar.",
      "Café déjà vu, naïve façade — résumé Ångström Øresund",
      "我爱北京天安门。东京是日本的首都",
      "東京は日本の首都です。カタカナとひらがな",
      "안녕하세요 세계! 한국어 텍스트를 토큰화합니다.",
      "I love 🍕 and 🎉🎉! 👨‍👩‍👧‍👦 family 👍🏽",
      "a\x01"
      "b\x7f"
      "c\u200b"
      "d\te\nf\rg\x0b"
      "h\x0c"
      "i\u0085j",
      std::string("nul\0byte", 8),
      "\u00a0nbsp\u3000ideographic\u2028line\u2029para\u202fnarrow\ufeffbom\u00adshy",
      std::string(150, 'a'),
      std::string(100, 'b') + " " + std::string(101, 'c'),
      "supercalifragilisticexpialidocious antidisestablishmentarianism",
      "Hello [SEP] world [CLS][MASK] [sep] [UNK]x[PAD]",
      "ΟΔΟΣ Σίσυφος ΣΑΣ. ΣΣ Σ",
      "İstanbul ıi IJ ǅemal Straße ÄÖÜ ẞ",
      "e\u0301 a\u0308 n\u0303 \u1e9b\u0323",
      "مرحبا بالعالم नमस्ते दुनिया สวัสดีชาวโลก Привет мир",
      "∑ x² ≤ ∞ ± ½ → ⇒ ∀x∃y",
      "$100.00 + 5% = ~£€¥, <html> a_b @user #tag https://example.com/a?b=c&d=e",
      "don't won't it's y'all 'quoted' \"double\" «guillemets» „low“",
      "𠀀𠀁 𪚥 supplementary ideographs",
      "ＡＢＣ１２３ ﬁ ﬂ ㈱ ℃ ⅷ",
      "private \ue000 use \U000f0000 and replacement \ufffd char",
      "unassigned \u0378 and \U000e0001 tag",
      "abc123def 3.14159 1,000,000 -42 +7",
      "tab\tseparated\tvalues\tand\nnew\nlines",
  };
  std::string long_text;
  const std::string sentence = "The quick brown fox jumps over the lazy dog near Zürich. ";
  while (long_text.size() < 10000) long_text += sentence;
  long_text.resize(10000);
  t.push_back(long_text);
  return t;
}

Status RunReference(const std::vector<std::string>& args) {
  if (std::system("command -v node >/dev/null 2>&1") != 0) {
    return Status::FailedPrecondition("node is not installed (CI installs it: .ci/run)");
  }
  const std::string dir = std::string(SEMBLE_SOURCE_DIR) + "/tests/embed";
  if (!Env::Default()->FileExists(dir + "/node_modules/onnxruntime-node/package.json")) {
    return Status::FailedPrecondition("tests/embed/node_modules missing: run .ci/run's npm step");
  }
  std::string cmd = "node " + ShellQuote(dir + "/reference.mjs");
  for (const std::string& a : args) cmd += " " + ShellQuote(a);
  const int rc = std::system(cmd.c_str());
  if (rc != 0) {
    return Status::Internal("reference.mjs failed (status " + std::to_string(rc) + "): " + cmd);
  }
  return Status::OK();
}

std::string ToJsonArray(const std::vector<std::string>& texts) {
  std::string out = "[";
  for (size_t i = 0; i < texts.size(); ++i) {
    if (i) out += ",";
    core::AppendJsonString(&out, texts[i]);
  }
  return out + "]";
}

Result<std::vector<std::vector<int32_t>>> ParseIdArrays(const std::string& path) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.load(path).get(doc) != simdjson::SUCCESS) {
    return Status::Corruption("cannot parse " + path);
  }
  std::vector<std::vector<int32_t>> out;
  simdjson::dom::array rows;
  if (doc.get(rows)) return Status::Corruption(path + ": not an array");
  for (simdjson::dom::element row : rows) {
    std::vector<int32_t> ids;
    simdjson::dom::array a;
    if (row.get(a)) return Status::Corruption(path + ": row is not an array");
    for (simdjson::dom::element v : a) {
      int64_t id;
      if (v.get(id)) return Status::Corruption(path + ": id is not an integer");
      ids.push_back(static_cast<int32_t>(id));
    }
    out.push_back(std::move(ids));
  }
  return out;
}

Result<std::vector<float>> ReadFloats(const std::string& path) {
  SEMBLE_ASSIGN_OR_RETURN(std::string data, ReadFileToString(Env::Default(), path));
  if (data.size() % 4 != 0) return Status::Corruption(path + ": not float32");
  std::vector<float> out(data.size() / 4);
  std::memcpy(out.data(), data.data(), data.size());
  return out;
}

Status WriteString(const std::string& path, const std::string& data) {
  return WriteFileAtomically(Env::Default(), path, data);
}

namespace {
std::vector<double> Ranks(const std::vector<double>& v) {
  std::vector<size_t> idx(v.size());
  std::iota(idx.begin(), idx.end(), 0);
  std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) { return v[a] < v[b]; });
  std::vector<double> r(v.size());
  for (size_t i = 0; i < idx.size();) {
    size_t j = i;
    while (j + 1 < idx.size() && v[idx[j + 1]] == v[idx[i]]) ++j;
    const double avg = (static_cast<double>(i) + static_cast<double>(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) r[idx[k]] = avg;
    i = j + 1;
  }
  return r;
}
}  // namespace

double Spearman(const std::vector<double>& a, const std::vector<double>& b) {
  const std::vector<double> ra = Ranks(a), rb = Ranks(b);
  const double n = static_cast<double>(ra.size());
  const double ma = std::accumulate(ra.begin(), ra.end(), 0.0) / n;
  const double mb = std::accumulate(rb.begin(), rb.end(), 0.0) / n;
  double num = 0, da = 0, db = 0;
  for (size_t i = 0; i < ra.size(); ++i) {
    num += (ra[i] - ma) * (rb[i] - mb);
    da += (ra[i] - ma) * (ra[i] - ma);
    db += (rb[i] - mb) * (rb[i] - mb);
  }
  return num / std::sqrt(da * db);
}

double Cosine(const float* a, const float* b, size_t n) {
  double dot = 0, na = 0, nb = 0;
  for (size_t i = 0; i < n; ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    na += static_cast<double>(a[i]) * a[i];
    nb += static_cast<double>(b[i]) * b[i];
  }
  return dot / std::sqrt(na * nb);
}

}  // namespace semble::test
