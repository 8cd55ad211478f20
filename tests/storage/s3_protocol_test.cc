// Copyright 2026 The semble Authors.
//
// The S3 protocol details that need no server: encoding, addressing, and reading XML answers.

#include "storage/s3_protocol.h"

#include <gtest/gtest.h>

#include "storage/object_stores.h"

namespace semble::storage::s3 {
namespace {

TEST(S3Protocol, UriEncodeKeepsUnreservedBytesAndSlashesInKeys) {
  EXPECT_EQ(UriEncode("AZaz09-_.~", true), "AZaz09-_.~");
  EXPECT_EQ(UriEncode("a/b c+d%e", true), "a/b%20c%2Bd%25e");
  EXPECT_EQ(UriEncode("a/b", false), "a%2Fb");
  EXPECT_EQ(UriEncode("*!'()", true), "%2A%21%27%28%29");
  // Non-ASCII bytes, one escape each, upper-case hex as SigV4 requires.
  EXPECT_EQ(UriEncode("\xc3\xa9\xff", true), "%C3%A9%FF");
  EXPECT_EQ(UriEncode(std::string("a\0b", 3), true), "a%00b");
}

TEST(S3Protocol, UrlDecodeUndoesListEncodingAndRefusesBrokenEscapes) {
  std::string out;
  ASSERT_TRUE(UrlDecode("p%25/x+y%2Bz%C3%A9", &out));
  EXPECT_EQ(out, "p%/x y+z\xc3\xa9");
  EXPECT_FALSE(UrlDecode("abc%2", &out));
  EXPECT_FALSE(UrlDecode("abc%", &out));
  EXPECT_FALSE(UrlDecode("%zz", &out));
  // Round trip of every byte value.
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  ASSERT_TRUE(UrlDecode(UriEncode(all, false), &out));
  EXPECT_EQ(out, all);
}

TEST(S3Protocol, QueryStringIsSortedAndEncodesSlashes) {
  EXPECT_EQ(QueryString({{"prefix", "indexes/demo/"}, {"list-type", "2"}, {"max-keys", "1000"}}),
            "list-type=2&max-keys=1000&prefix=indexes%2Fdemo%2F");
  EXPECT_EQ(QueryString({{"continuation-token", "1/a+b="}, {"a", ""}}),
            "a=&continuation-token=1%2Fa%2Bb%3D");
}

TEST(S3Protocol, AddressingStyles) {
  ObjectStoreOptions o;
  o.region = "eu-west-1";
  // AWS (no endpoint): virtual host by default, path style when asked.
  EXPECT_EQ(*BucketUrl(o, "b"), "https://b.s3.eu-west-1.amazonaws.com");
  o.addressing = ObjectStoreOptions::Addressing::kPath;
  EXPECT_EQ(*BucketUrl(o, "b"), "https://s3.eu-west-1.amazonaws.com/b");
  // An explicit endpoint: path style by default, virtual host when asked (R2).
  o.addressing = ObjectStoreOptions::Addressing::kAuto;
  o.endpoint = "http://127.0.0.1:7480/";
  EXPECT_EQ(*BucketUrl(o, "b"), "http://127.0.0.1:7480/b");
  o.endpoint = "https://acct.r2.cloudflarestorage.com";
  o.addressing = ObjectStoreOptions::Addressing::kVirtualHost;
  EXPECT_EQ(*BucketUrl(o, "b"), "https://b.acct.r2.cloudflarestorage.com");
}

TEST(S3Protocol, RefusesEndpointsThatAreNotAHost) {
  ObjectStoreOptions o;
  for (const char* bad :
       {"127.0.0.1:7480", "ftp://h", "http://", "http://h/path", "http://user@h", "http://h?x=1"}) {
    o.endpoint = bad;
    EXPECT_TRUE(BucketUrl(o, "b").status().IsInvalidArgument()) << bad;
    EXPECT_TRUE(NewS3ObjectStore("b", "", o).status().IsInvalidArgument()) << bad;
  }
}

TEST(S3Protocol, OpenObjectStoreParsesS3Urls) {
  ObjectStoreOptions o;
  o.endpoint = "http://127.0.0.1:1";
  auto store = OpenObjectStore("s3://bucket/some/prefix", o);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Url(), "s3://bucket/some/prefix/");
  auto bare = OpenObjectStore("s3://bucket", o);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ((*bare)->Url(), "s3://bucket/");
}

TEST(S3Protocol, UnquoteEtag) {
  EXPECT_EQ(UnquoteEtag("\"abc\""), "abc");
  EXPECT_EQ(UnquoteEtag("abc"), "abc");
  EXPECT_EQ(UnquoteEtag("\""), "\"");
  EXPECT_EQ(UnquoteEtag("\"abc-2\""), "abc-2");
}

TEST(S3Protocol, ParsesAListPage) {
  const std::string xml =
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>"
      "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
      "<Name>b</Name><Prefix>p%2F</Prefix><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>"
      "<EncodingType>url</EncodingType><IsTruncated>true</IsTruncated>"
      "<NextContinuationToken>tok/en+=</NextContinuationToken>"
      "<Contents><Key>p/a+b%01</Key><LastModified>2026-01-01T00:00:00.000Z</LastModified>"
      "<ETag>&quot;0cc175b9c0f1b6a831c399e269772661&quot;</ETag><Size>1</Size>"
      "<StorageClass>STANDARD</StorageClass></Contents>"
      "<Contents><Key>p/c</Key><ETag>\"x-2\"</ETag><Size>12345678901</Size></Contents>"
      "</ListBucketResult>";
  auto page = ParseListObjectsV2(xml);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "p/a b\x01");
  EXPECT_EQ(page->objects[0].size, 1u);
  EXPECT_EQ(page->objects[0].etag, "0cc175b9c0f1b6a831c399e269772661");
  EXPECT_EQ(page->objects[1].key, "p/c");
  EXPECT_EQ(page->objects[1].size, 12345678901u);
  EXPECT_EQ(page->objects[1].etag, "x-2");
  EXPECT_TRUE(page->truncated);
  // The token is opaque: handed back exactly as received.
  EXPECT_EQ(page->next_token, "tok/en+=");
}

TEST(S3Protocol, KeysAreTakenLiterallyWithoutEncodingType) {
  auto page = ParseListObjectsV2(
      "<ListBucketResult><IsTruncated>false</IsTruncated>"
      "<Contents><Key>a+b%20</Key><Size>0</Size></Contents></ListBucketResult>");
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->objects.size(), 1u);
  EXPECT_EQ(page->objects[0].key, "a+b%20");
  EXPECT_FALSE(page->truncated);
}

TEST(S3Protocol, RefusesBrokenListAnswers) {
  EXPECT_TRUE(ParseListObjectsV2("<ListBucketResult><Contents>").status().IsCorruption());
  EXPECT_TRUE(ParseListObjectsV2("not xml").status().IsCorruption());
  EXPECT_TRUE(ParseListObjectsV2("<ListBucketResult><Contents><Key>a</Key><Size>1x</Size>"
                                 "</Contents></ListBucketResult>")
                  .status()
                  .IsCorruption());
  // Truncated with no way to go on would loop or lose keys.
  EXPECT_TRUE(ParseListObjectsV2("<ListBucketResult><IsTruncated>true</IsTruncated>"
                                 "</ListBucketResult>")
                  .status()
                  .IsCorruption());
  // An entity-expansion bomb is refused, not expanded.
  std::string bomb = "<?xml version=\"1.0\"?><!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
  char prev = 'a';
  for (char e = 'b'; e <= 'k'; ++e) {
    bomb += std::string("<!ENTITY ") + e + " \"";
    for (int i = 0; i < 10; ++i) bomb += std::string("&") + prev + ";";
    bomb += "\">";
    prev = e;
  }
  bomb += "]><ListBucketResult><Contents><Key>&k;</Key></Contents></ListBucketResult>";
  EXPECT_TRUE(ParseListObjectsV2(bomb).status().IsCorruption());
}

TEST(S3Protocol, ReadsErrorBodies) {
  ErrorBody e = ParseErrorBody(
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><Code>SignatureDoesNotMatch</Code>"
      "<Message>The request signature we calculated does not match</Message>"
      "<RequestId>tx1</RequestId></Error>");
  EXPECT_EQ(e.code, "SignatureDoesNotMatch");
  EXPECT_EQ(e.message, "The request signature we calculated does not match");
  EXPECT_EQ(ParseErrorBody("<html>bad gateway</html>").code, "");
  EXPECT_EQ(ParseErrorBody("").code, "");
}

}  // namespace
}  // namespace semble::storage::s3
