// Copyright 2026 The semble Authors.

#include "storage/s3_protocol.h"

#include <expat.h>

#include <algorithm>
#include <charconv>
#include <functional>

namespace semble::storage::s3 {
namespace {

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Walks an XML document with expat and calls `on_end(path, text)` for every element that closes,
// `path` being the names from the root down to it and `text` its character data (leaf elements
// are all S3 answers carry). expat is a streaming parser: no tree is built, and it refuses
// entity-expansion bombs by itself (2.4+).
class XmlWalker {
 public:
  using Callback =
      std::function<void(const std::vector<std::string>& path, const std::string& text)>;

  explicit XmlWalker(Callback on_end) : on_end_(std::move(on_end)) {}

  // False when `xml` is not well-formed; error() then says where and why.
  bool Parse(std::string_view xml) {
    XML_Parser parser = XML_ParserCreate("UTF-8");
    if (parser == nullptr) {
      error_ = "out of memory";
      return false;
    }
    XML_SetUserData(parser, this);
    XML_SetElementHandler(parser, &XmlWalker::Start, &XmlWalker::End);
    XML_SetCharacterDataHandler(parser, &XmlWalker::Text);
    bool ok = true;
    // XML_Parse takes an int length; feed large documents in pieces.
    constexpr size_t kPiece = 1 << 20;
    size_t pos = 0;
    do {
      const size_t n = std::min(kPiece, xml.size() - pos);
      const bool last = pos + n == xml.size();
      if (XML_Parse(parser, xml.data() + pos, static_cast<int>(n), last) != XML_STATUS_OK) {
        error_ = std::string(XML_ErrorString(XML_GetErrorCode(parser))) + " at line " +
                 std::to_string(XML_GetCurrentLineNumber(parser));
        ok = false;
        break;
      }
      pos += n;
    } while (pos < xml.size());
    XML_ParserFree(parser);
    return ok;
  }
  const std::string& error() const { return error_; }

 private:
  static void Start(void* self, const XML_Char* name, const XML_Char** /*attrs*/) {
    auto* w = static_cast<XmlWalker*>(self);
    w->path_.emplace_back(name);
    w->text_.clear();
  }
  static void End(void* self, const XML_Char* /*name*/) {
    auto* w = static_cast<XmlWalker*>(self);
    w->on_end_(w->path_, w->text_);
    w->path_.pop_back();
    w->text_.clear();
  }
  static void Text(void* self, const XML_Char* s, int len) {
    static_cast<XmlWalker*>(self)->text_.append(s, static_cast<size_t>(len));
  }

  Callback on_end_;
  std::vector<std::string> path_;
  std::string text_;
  std::string error_;
};

bool PathIs(const std::vector<std::string>& path, std::initializer_list<std::string_view> want) {
  return path.size() == want.size() && std::equal(path.begin(), path.end(), want.begin());
}

}  // namespace

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c) || (keep_slash && c == '/')) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

bool UrlDecode(std::string_view s, std::string* out) {
  out->clear();
  out->reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '+') {
      *out += ' ';
    } else if (s[i] == '%') {
      if (i + 2 >= s.size()) return false;
      const int hi = HexValue(s[i + 1]);
      const int lo = HexValue(s[i + 2]);
      if (hi < 0 || lo < 0) return false;
      *out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      *out += s[i];
    }
  }
  return true;
}

std::string QueryString(std::vector<std::pair<std::string, std::string>> params) {
  std::sort(params.begin(), params.end());
  std::string out;
  for (const auto& [name, value] : params) {
    if (!out.empty()) out += '&';
    out += UriEncode(name, false);
    out += '=';
    out += UriEncode(value, false);
  }
  return out;
}

Result<std::string> BucketUrl(const ObjectStoreOptions& options, const std::string& bucket) {
  std::string scheme = "https";
  std::string host = "s3." + options.region + ".amazonaws.com";
  if (!options.endpoint.empty()) {
    const std::string& e = options.endpoint;
    const size_t sep = e.find("://");
    if (sep == std::string::npos ||
        (e.compare(0, sep, "http") != 0 && e.compare(0, sep, "https") != 0)) {
      return Status::InvalidArgument("S3 endpoint \"" + e + "\" is not an http:// or https:// URL");
    }
    scheme = e.substr(0, sep);
    host = e.substr(sep + 3);
    // An endpoint is a host (and port); a path after it would be taken for part of every key.
    while (!host.empty() && host.back() == '/') host.pop_back();
    if (host.empty() || host.find_first_of("/?#@") != std::string::npos) {
      return Status::InvalidArgument("S3 endpoint \"" + e +
                                     "\" must be scheme://host[:port] with no path");
    }
  }
  bool path_style;
  switch (options.addressing) {
    case ObjectStoreOptions::Addressing::kPath:
      path_style = true;
      break;
    case ObjectStoreOptions::Addressing::kVirtualHost:
      path_style = false;
      break;
    case ObjectStoreOptions::Addressing::kAuto:
    default:
      // Self-hosted stores (radosgw, MinIO) rarely have wildcard DNS for bucket names; AWS
      // deprecates path style. An explicit endpoint is nearly always the former.
      path_style = !options.endpoint.empty();
      break;
  }
  if (path_style) return scheme + "://" + host + "/" + UriEncode(bucket, false);
  return scheme + "://" + bucket + "." + host;
}

std::string UnquoteEtag(std::string_view etag) {
  if (etag.size() >= 2 && etag.front() == '"' && etag.back() == '"') {
    etag = etag.substr(1, etag.size() - 2);
  }
  return std::string(etag);
}

Result<ListPage> ParseListObjectsV2(std::string_view xml) {
  ListPage page;
  ObjectInfo current;
  bool url_encoded = false;
  std::string bad;  // the first problem seen, if any
  XmlWalker walker([&](const std::vector<std::string>& path, const std::string& text) {
    if (PathIs(path, {"ListBucketResult", "Contents", "Key"})) {
      current.key = text;
    } else if (PathIs(path, {"ListBucketResult", "Contents", "Size"})) {
      const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), current.size);
      if (ec != std::errc() || end != text.data() + text.size()) {
        if (bad.empty()) bad = "Size \"" + text + "\" is not a number";
      }
    } else if (PathIs(path, {"ListBucketResult", "Contents", "ETag"})) {
      current.etag = UnquoteEtag(text);
    } else if (PathIs(path, {"ListBucketResult", "Contents"})) {
      page.objects.push_back(std::move(current));
      current = ObjectInfo();
    } else if (PathIs(path, {"ListBucketResult", "IsTruncated"})) {
      page.truncated = text == "true";
    } else if (PathIs(path, {"ListBucketResult", "NextContinuationToken"})) {
      page.next_token = text;
    } else if (PathIs(path, {"ListBucketResult", "EncodingType"})) {
      url_encoded = text == "url";
    }
  });
  if (!walker.Parse(xml)) {
    return Status::Corruption("ListObjectsV2 answer is not XML: " + walker.error());
  }
  if (!bad.empty()) return Status::Corruption("ListObjectsV2 answer: " + bad);
  if (page.truncated && page.next_token.empty()) {
    return Status::Corruption("ListObjectsV2 answer is truncated but has no continuation token");
  }
  // EncodingType comes before the Contents in the answer but is only known for sure at the end.
  if (url_encoded) {
    for (ObjectInfo& o : page.objects) {
      std::string decoded;
      if (!UrlDecode(o.key, &decoded)) {
        return Status::Corruption("ListObjectsV2 answer: key \"" + o.key + "\" is not URL-encoded");
      }
      o.key = std::move(decoded);
    }
  }
  return page;
}

ErrorBody ParseErrorBody(std::string_view xml) {
  ErrorBody e;
  XmlWalker walker([&](const std::vector<std::string>& path, const std::string& text) {
    if (PathIs(path, {"Error", "Code"})) e.code = text;
    if (PathIs(path, {"Error", "Message"})) e.message = text;
  });
  if (!walker.Parse(xml)) return ErrorBody();
  return e;
}

}  // namespace semble::storage::s3
