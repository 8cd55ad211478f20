// Copyright 2026 The semble Authors.
//
// RecordSchema: each field kind and scaling, weights as distance weights, multi-hot categories,
// geo chords against great-circle distances, validation of records and schemas, the canonical JSON
// form, and Fit.

#include "semble/record_schema.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <numbers>
#include <random>
#include <thread>

namespace semble {
namespace {

// The test binaries link gtest without gmock; this stands in for EXPECT_THAT(text,
// HasSubstr(part)).
#define EXPECT_HAS(text, part)                                                                 \
  do {                                                                                         \
    const std::string text_ = (text);                                                          \
    EXPECT_NE(text_.find(part), std::string::npos) << "\"" << text_ << "\" lacks: " << (part); \
  } while (0)

RecordSchema MustParse(std::string_view json) {
  auto s = RecordSchema::Parse(json);
  EXPECT_TRUE(s.ok()) << s.status().ToString() << "\n" << json;
  if (!s.ok()) std::abort();  // the test cannot go on without it
  return std::move(s).value();
}

std::vector<float> MustEncode(const RecordSchema& s, std::string_view record) {
  auto v = s.Encode(record);
  EXPECT_TRUE(v.ok()) << v.status().ToString() << "\n" << record;
  return v.ok() ? *v : std::vector<float>(s.dimensions(), NAN);
}

double Distance(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double sum = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    const double d = static_cast<double>(a[i]) - b[i];
    sum += d * d;
  }
  return std::sqrt(sum);
}

// The message of an InvalidArgument error (and a failure for anything else).
std::string ErrorOf(const Status& st) {
  EXPECT_TRUE(st.IsInvalidArgument()) << st.ToString();
  return st.message();
}
std::string EncodeError(const RecordSchema& s, std::string_view record) {
  return ErrorOf(s.Encode(record).status());
}
std::string SchemaError(std::string_view json) {
  return ErrorOf(RecordSchema::Parse(json).status());
}

// Great-circle angle by the haversine formula, in radians: the independent reference for geo.
double HaversineAngle(double lat1, double lon1, double lat2, double lon2) {
  constexpr double r = std::numbers::pi / 180;
  const double dlat = (lat2 - lat1) * r, dlon = (lon2 - lon1) * r;
  const double h = std::pow(std::sin(dlat / 2), 2) +
                   std::cos(lat1 * r) * std::cos(lat2 * r) * std::pow(std::sin(dlon / 2), 2);
  return 2 * std::asin(std::min(1.0, std::sqrt(h)));
}

std::string GeoRecord(double lat, double lon) {
  char buf[128];
  std::snprintf(buf, sizeof(buf), R"({"p":{"lat":%.17g,"lon":%.17g}})", lat, lon);
  return buf;
}

// ---- Numeric ----

TEST(RecordSchemaTest, MinMaxMapsTheRangeOntoZeroToOneWithoutClamping) {
  auto s = MustParse(
      R"({"fields":[{"name":"x","type":"numeric","scaling":"minmax","min":10,"max":20}]})");
  EXPECT_EQ(s.dimensions(), 1u);
  EXPECT_EQ(MustEncode(s, R"({"x":10})"), (std::vector<float>{0.0f}));
  EXPECT_EQ(MustEncode(s, R"({"x":15})"), (std::vector<float>{0.5f}));
  EXPECT_EQ(MustEncode(s, R"({"x":20.0})"), (std::vector<float>{1.0f}));
  // Outside the range the line continues: clamping would make 25 and 30 the same record.
  EXPECT_EQ(MustEncode(s, R"({"x":25})"), (std::vector<float>{1.5f}));
  EXPECT_EQ(MustEncode(s, R"({"x":0})"), (std::vector<float>{-1.0f}));
  EXPECT_EQ(MustEncode(s, R"({"x":-5e-1})"), (std::vector<float>{-1.05f}));
}

TEST(RecordSchemaTest, ZScoreCentresOnTheMeanInUnitsOfStd) {
  auto s = MustParse(
      R"({"fields":[{"name":"x","type":"numeric","scaling":"zscore","mean":100,"std":20}]})");
  EXPECT_EQ(MustEncode(s, R"({"x":140})"), (std::vector<float>{2.0f}));
  EXPECT_EQ(MustEncode(s, R"({"x":80})"), (std::vector<float>{-1.0f}));
  EXPECT_EQ(MustEncode(s, R"({"x":100})"), (std::vector<float>{0.0f}));
}

TEST(RecordSchemaTest, NoScalingKeepsTheNumberTimesItsWeight) {
  auto s = MustParse(R"({"fields":[{"name":"x","type":"numeric","scaling":"none","weight":2}]})");
  EXPECT_EQ(MustEncode(s, R"({"x":3.5})"), (std::vector<float>{7.0f}));
  EXPECT_EQ(MustEncode(s, R"({"x":-4})"), (std::vector<float>{-8.0f}));
  // Integers beyond int64 are numbers too.
  EXPECT_EQ(MustEncode(s, R"({"x":18446744073709551615})"),
            (std::vector<float>{2 * 18446744073709551615.0f}));
}

TEST(RecordSchemaTest, WeightsScaleDistances) {
  auto s = MustParse(R"({"fields":[
      {"name":"a","type":"numeric","scaling":"minmax","min":0,"max":10},
      {"name":"b","type":"numeric","scaling":"minmax","min":0,"max":10,"weight":3}]})");
  const auto origin = MustEncode(s, R"({"a":0,"b":0})");
  // The same change in each field: b's counts three times as much.
  EXPECT_NEAR(Distance(origin, MustEncode(s, R"({"a":4,"b":0})")), 0.4, 1e-6);
  EXPECT_NEAR(Distance(origin, MustEncode(s, R"({"a":0,"b":4})")), 1.2, 1e-6);
  // Euclidean: d^2 = (0.4)^2 + (3 * 0.2)^2.
  EXPECT_NEAR(Distance(origin, MustEncode(s, R"({"a":4,"b":2})")), std::sqrt(0.16 + 0.36), 1e-6);

  // A weight of 0 switches a field off without changing the dimensions.
  auto off = MustParse(R"({"fields":[
      {"name":"a","type":"numeric","scaling":"none","weight":0},
      {"name":"b","type":"numeric","scaling":"none"}]})");
  EXPECT_EQ(off.dimensions(), 2u);
  EXPECT_EQ(Distance(MustEncode(off, R"({"a":1,"b":5})"), MustEncode(off, R"({"a":1000,"b":5})")),
            0);
}

// ---- Categorical ----

TEST(RecordSchemaTest, CategoricalIsOneHotInTheSchemasOrder) {
  auto s = MustParse(R"({"fields":[{"name":"genre","type":"categorical",
                        "categories":["comedy","drama","horror"],"weight":2}]})");
  EXPECT_EQ(s.dimensions(), 3u);
  EXPECT_EQ(MustEncode(s, R"({"genre":"drama"})"), (std::vector<float>{0.0f, 2.0f, 0.0f}));
  EXPECT_EQ(MustEncode(s, R"({"genre":"horror"})"), (std::vector<float>{0.0f, 0.0f, 2.0f}));
  // A one-element array is the same as the string.
  EXPECT_EQ(MustEncode(s, R"({"genre":["horror"]})"), (std::vector<float>{0.0f, 0.0f, 2.0f}));
  // Any two different single categories are weight * sqrt(2) apart.
  EXPECT_NEAR(
      Distance(MustEncode(s, R"({"genre":"comedy"})"), MustEncode(s, R"({"genre":"drama"})")),
      2 * std::sqrt(2.0), 1e-6);
}

TEST(RecordSchemaTest, MultiHotIsNormalisedToTheWeightOfOneValue) {
  auto s = MustParse(R"({"fields":[{"name":"g","type":"categorical",
                        "categories":["a","b","c","d"],"weight":3}]})");
  const float third = static_cast<float>(3 / std::sqrt(3.0));
  EXPECT_EQ(MustEncode(s, R"({"g":["d","a","c"]})"),
            (std::vector<float>{third, 0.0f, third, third}));
  // Every non-empty value has length `weight`...
  for (const char* r : {R"({"g":"b"})", R"({"g":["a","b"]})", R"({"g":["a","b","c","d"]})"}) {
    EXPECT_NEAR(Distance(MustEncode(s, r), std::vector<float>(4, 0)), 3, 1e-6) << r;
  }
  // ...and distances follow the overlap: d^2 = 2 w^2 (1 - |A n B| / sqrt(|A| |B|)).
  const auto a = MustEncode(s, R"({"g":"a"})");
  const auto abc = MustEncode(s, R"({"g":["a","b","c"]})");
  const auto ab = MustEncode(s, R"({"g":["a","b"]})");
  const auto cd = MustEncode(s, R"({"g":["c","d"]})");
  EXPECT_NEAR(Distance(a, abc), std::sqrt(2 * 9 * (1 - 1 / std::sqrt(3.0))), 1e-5);
  EXPECT_NEAR(Distance(ab, abc), std::sqrt(2 * 9 * (1 - 2 / std::sqrt(6.0))), 1e-5);
  EXPECT_NEAR(Distance(ab, cd), std::sqrt(2 * 9.0), 1e-5);
  EXPECT_LT(Distance(ab, abc), Distance(a, abc));
  // The order of values does not matter.
  EXPECT_EQ(Distance(abc, MustEncode(s, R"({"g":["c","a","b"]})")), 0);
}

TEST(RecordSchemaTest, MultiHotWithoutNormalisationCountsEachValue) {
  auto s = MustParse(R"({"fields":[{"name":"g","type":"categorical",
                        "categories":["a","b","c"],"weight":2,"normalize":false}]})");
  EXPECT_EQ(MustEncode(s, R"({"g":["a","c"]})"), (std::vector<float>{2.0f, 0.0f, 2.0f}));
  // d^2 = w^2 |A xor B|.
  EXPECT_NEAR(Distance(MustEncode(s, R"({"g":"a"})"), MustEncode(s, R"({"g":["a","b","c"]})")),
              2 * std::sqrt(2.0), 1e-6);
}

TEST(RecordSchemaTest, EmptyCategoryArraySetsNothing) {
  auto s = MustParse(R"({"fields":[{"name":"g","type":"categorical","categories":["a","b"]}]})");
  EXPECT_EQ(MustEncode(s, R"({"g":[]})"), (std::vector<float>{0.0f, 0.0f}));
}

// ---- Geo ----

TEST(RecordSchemaTest, GeoIsThePointOnTheSphereTimesTheWeight) {
  auto s = MustParse(R"({"fields":[{"name":"p","type":"geo","weight":2}]})");
  EXPECT_EQ(s.dimensions(), 3u);
  auto near = [&](double lat, double lon, std::vector<float> want) {
    const auto v = MustEncode(s, GeoRecord(lat, lon));
    ASSERT_EQ(v.size(), 3u);
    for (int i = 0; i < 3; ++i)
      EXPECT_NEAR(v[i], want[i], 1e-6) << lat << "," << lon << " axis " << i;
  };
  near(0, 0, {2, 0, 0});
  near(0, 90, {0, 2, 0});
  near(0, -90, {0, -2, 0});
  near(0, 180, {-2, 0, 0});
  near(0, -180, {-2, 0, 0});
  near(90, 37, {0, 0, 2});
  near(-90, 0, {0, 0, -2});
  // 60 degrees north: cos = 1/2, sin = sqrt(3)/2.
  near(60, 0, {1, 0, static_cast<float>(std::sqrt(3.0))});
  // 45 N 45 E: (1/2, 1/2, sqrt(2)/2) on the unit sphere.
  near(45, 45, {1, 1, static_cast<float>(std::sqrt(2.0))});
}

TEST(RecordSchemaTest, GeoFromTwoNumericFieldsEqualsTheObjectForm) {
  auto split = MustParse(R"({"fields":[{"name":"where","type":"geo","latField":"latitude",
                            "lonField":"longitude"}]})");
  auto object = MustParse(R"({"fields":[{"name":"p","type":"geo"}]})");
  EXPECT_EQ(MustEncode(split, R"({"longitude":-123.1207,"latitude":49.2827})"),
            MustEncode(object, R"({"p":{"lon":-123.1207,"lat":49.2827}})"));
  EXPECT_EQ(split.DimensionNames(), (std::vector<std::string>{"where.x", "where.y", "where.z"}));
  EXPECT_HAS(EncodeError(split, R"({"latitude":49})"),
             "\"latitude\" is given but \"longitude\" is not");
  EXPECT_HAS(EncodeError(split, R"({"latitude":49,"longitude":"x"})"),
             "field \"longitude\" must be a number");
  EXPECT_HAS(EncodeError(split, R"({"latitude":91,"longitude":0})"), "latitude 91");
  EXPECT_HAS(EncodeError(split, R"({})"), "missing fields \"latitude\" and \"longitude\"");
}

// The encoding's Euclidean distance is the chord 2 sin(theta / 2) for the great-circle angle theta,
// so ordering by it orders by great-circle distance.
TEST(RecordSchemaTest, GeoChordIsMonotonicInGreatCircleDistance) {
  auto s = MustParse(R"({"fields":[{"name":"p","type":"geo"}]})");
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> unit(0, 1);
  struct Pair {
    double angle, chord;
  };
  std::vector<Pair> pairs;
  for (int i = 0; i < 400; ++i) {
    // Uniform on the sphere: uniform longitude, latitude from asin of a uniform sine. Every
    // fourth pair is local (within about 1 degree), where floats have the least room.
    auto point = [&] {
      return std::pair{std::asin(2 * unit(rng) - 1) * 180 / std::numbers::pi,
                       360 * unit(rng) - 180};
    };
    auto [lat1, lon1] = point();
    auto [lat2, lon2] = point();
    if (i % 4 == 0) {
      lat2 = std::clamp(lat1 + (unit(rng) - 0.5), -90.0, 90.0);
      lon2 = std::clamp(lon1 + (unit(rng) - 0.5), -180.0, 180.0);
    }
    const double angle = HaversineAngle(lat1, lon1, lat2, lon2);
    const double chord =
        Distance(MustEncode(s, GeoRecord(lat1, lon1)), MustEncode(s, GeoRecord(lat2, lon2)));
    EXPECT_NEAR(chord, 2 * std::sin(angle / 2), 2e-6)
        << lat1 << "," << lon1 << " " << lat2 << "," << lon2;
    pairs.push_back({angle, chord});
  }
  // Pairs whose great-circle distances differ by more than float resolution come in the same
  // order by chord. (Near the antipode the chord flattens: 2 sin(theta/2) has slope cos(theta/2).)
  int compared = 0;
  for (const Pair& a : pairs) {
    for (const Pair& b : pairs) {
      const double resolution = 1e-5 / std::max(0.05, std::cos(std::max(a.angle, b.angle) / 2));
      if (b.angle - a.angle > resolution) {
        ++compared;
        EXPECT_LT(a.chord, b.chord) << a.angle << " < " << b.angle;
      }
    }
  }
  EXPECT_GT(compared, 70000);
}

TEST(RecordSchemaTest, GeoWeightOfTheEarthsRadiusGivesKilometres) {
  auto s = MustParse(R"({"fields":[{"name":"p","type":"geo","weight":6371.0088}]})");
  const auto vancouver = MustEncode(s, GeoRecord(49.2827, -123.1207));
  const auto seattle = MustEncode(s, GeoRecord(47.6062, -122.3321));
  const double km = 6371.0088 * HaversineAngle(49.2827, -123.1207, 47.6062, -122.3321);
  EXPECT_NEAR(km, 195.3, 0.1);  // the published great-circle distance, about 195 km
  // Chord and arc differ by arc^3 / (24 R^2): 0.008 km here.
  EXPECT_NEAR(Distance(vancouver, seattle), km, 0.02);
}

// ---- Optional fields and null ----

TEST(RecordSchemaTest, OptionalFieldsEncodeZerosWhenAbsentOrNull) {
  auto s = MustParse(R"({"fields":[
      {"name":"x","type":"numeric","scaling":"zscore","mean":5,"std":2,"optional":true},
      {"name":"g","type":"categorical","categories":["a","b"],"optional":true},
      {"name":"p","type":"geo","optional":true},
      {"name":"y","type":"numeric","scaling":"none"}]})");
  EXPECT_EQ(s.dimensions(), 7u);
  EXPECT_EQ(MustEncode(s, R"({"y":1})"), std::vector<float>({0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(MustEncode(s, R"({"y":1,"x":null,"g":null,"p":null})"),
            std::vector<float>({0, 0, 0, 0, 0, 0, 1}));
  EXPECT_EQ(MustEncode(s, R"({"y":1,"x":9,"g":"b","p":{"lat":0,"lon":0}})"),
            std::vector<float>({2, 0, 1, 1, 0, 0, 1}));
  // null is absent for a required field too.
  EXPECT_HAS(EncodeError(s, R"({"y":null})"), "missing field \"y\"");
}

// ---- Record validation ----

TEST(RecordSchemaTest, RecordErrorsNameTheFieldAndTheProblem) {
  auto s = MustParse(R"({"fields":[
      {"name":"population","type":"numeric","scaling":"minmax","min":0,"max":1000000},
      {"name":"genre","type":"categorical","categories":["comedy","drama","horror"]},
      {"name":"location","type":"geo"}]})");
  const std::string ok_loc = R"("location":{"lat":1,"lon":2})";
  ASSERT_TRUE(s.Encode(R"({"population":5,"genre":"drama",)" + ok_loc + "}").ok());

  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":"drama","mayor":"x",)" + ok_loc + "}"),
             "unknown field \"mayor\"; the schema has population, genre, location");
  EXPECT_HAS(EncodeError(s, R"({"genre":"drama",)" + ok_loc + "}"), "missing field \"population\"");
  EXPECT_HAS(EncodeError(s, R"({"population":"5","genre":"drama",)" + ok_loc + "}"),
             "field \"population\" must be a number, got a string");
  EXPECT_HAS(EncodeError(s, R"({"population":true,"genre":"drama",)" + ok_loc + "}"),
             "field \"population\" must be a number, got a boolean");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":3,)" + ok_loc + "}"),
             "field \"genre\" must be a string or an array of strings, got a number");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":["drama",{}],)" + ok_loc + "}"),
             "field \"genre\" must be a string or an array of strings, got an object");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":"western",)" + ok_loc + "}"),
             "field \"genre\" has value \"western\", which is not one of its categories: "
             "\"comedy\", \"drama\", \"horror\"");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":["drama","drama"],)" + ok_loc + "}"),
             "field \"genre\" lists \"drama\" more than once");
  EXPECT_HAS(
      EncodeError(s, R"({"population":5,"genre":"drama","location":[1,2]})"),
      "field \"location\" must be an object {\"lat\": number, \"lon\": number}, got an array");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":"drama","location":{"lat":1}})"),
             "field \"location\" has no \"lon\"");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":"drama","location":{"lat":1,"lng":2}})"),
             "field \"location\" has unknown key \"lng\"");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":"drama","location":{"lat":"1","lon":2}})"),
             "field \"location\" .lat must be a number (degrees), got a string");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"genre":"drama","location":{"lat":90.5,"lon":2}})"),
             "field \"location\" has latitude 90.5, outside [-90, 90]");
  EXPECT_HAS(
      EncodeError(s, R"({"population":5,"genre":"drama","location":{"lat":-90.01,"lon":2}})"),
      "latitude -90.01");
  EXPECT_HAS(
      EncodeError(s, R"({"population":5,"genre":"drama","location":{"lat":0,"lon":-180.1}})"),
      "field \"location\" has longitude -180.1, outside [-180, 180]");
  EXPECT_HAS(EncodeError(s, R"({"population":5,"population":6,"genre":"drama",)" + ok_loc + "}"),
             "field \"population\" appears more than once");
  EXPECT_HAS(EncodeError(s, R"({"population":5,)"), "not valid JSON");
  EXPECT_HAS(EncodeError(s, R"([1,2])"), "must be a JSON object, got an array");
  // A value far outside the range the schema was made for cannot become a float.
  EXPECT_HAS(EncodeError(s, R"({"population":1e300,"genre":"drama",)" + ok_loc + "}"),
             "field \"population\" scales to 1e+294, beyond the range of a 32-bit float");
}

// ---- Schema validation ----

TEST(RecordSchemaTest, BadSchemasAreRefusedWithTheFieldAndKey) {
  EXPECT_HAS(SchemaError("{"), "the schema is not valid JSON");
  EXPECT_HAS(SchemaError("[]"), "must be a JSON object");
  EXPECT_HAS(SchemaError(R"({})"), "missing key \"fields\"");
  EXPECT_HAS(SchemaError(R"({"fields":[]})"), "\"fields\" is empty");
  EXPECT_HAS(SchemaError(R"({"fields":[],"metric":"cosine"})"), "unknown key \"metric\"");
  EXPECT_HAS(SchemaError(R"({"fields":[1]})"), "schema field 0: must be an object");
  EXPECT_HAS(SchemaError(R"({"fields":[{"type":"geo"}]})"), "missing key \"name\"");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a"}]})"),
             "schema field \"a\": missing key \"type\"");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"text"}]})"),
             "schema field \"a\": unknown type \"text\"; expected numeric, categorical or geo");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"numeric"}]})"),
             "a numeric field needs \"scaling\"");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"numeric","scaling":"log"}]})"),
             "unknown scaling \"log\"");
  EXPECT_HAS(
      SchemaError(
          R"({"fields":[{"name":"a","type":"numeric","scaling":"minmax","min":3,"max":3}]})"),
      "schema field \"a\": \"max\" (3) must be greater than \"min\" (3)");
  EXPECT_HAS(
      SchemaError(
          R"({"fields":[{"name":"a","type":"numeric","scaling":"minmax","min":4,"max":3}]})"),
      "\"max\" (3) must be greater than \"min\" (4)");
  EXPECT_HAS(
      SchemaError(R"({"fields":[{"name":"a","type":"numeric","scaling":"minmax","min":0}]})"),
      "minmax scaling needs \"max\"");
  EXPECT_HAS(
      SchemaError(
          R"({"fields":[{"name":"a","type":"numeric","scaling":"zscore","mean":1,"std":0}]})"),
      "schema field \"a\": \"std\" must be greater than 0, got 0");
  EXPECT_HAS(
      SchemaError(
          R"({"fields":[{"name":"a","type":"numeric","scaling":"zscore","mean":1,"std":-2}]})"),
      "\"std\" must be greater than 0, got -2");
  EXPECT_HAS(
      SchemaError(R"({"fields":[{"name":"a","type":"numeric","scaling":"zscore","std":2}]})"),
      "zscore scaling needs \"mean\"");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"geo","weight":-1}]})"),
             "schema field \"a\": \"weight\" must be a finite number >= 0, got -1");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"geo","weight":"1"}]})"),
             "\"weight\" must be a number, got a string");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"geo"},{"name":"a","type":"geo"}]})"),
             "schema field \"a\": the name appears more than once");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"geo","type":"geo"}]})"),
             "key \"type\" appears more than once");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"a","type":"geo","wieght":2}]})"),
             "schema field \"a\": unknown key \"wieght\"");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"","type":"geo"}]})"), "empty name");
  // Keys of another type or scaling are mistakes, not ignored.
  EXPECT_HAS(
      SchemaError(R"({"fields":[{"name":"a","type":"categorical","categories":["x"],"min":0}]})"),
      "key \"min\" does not apply to a categorical field");
  EXPECT_HAS(
      SchemaError(
          R"({"fields":[{"name":"a","type":"numeric","scaling":"minmax","min":0,"max":1,"std":1}]})"),
      "key \"std\" does not apply to a numeric field with scaling minmax");
  EXPECT_HAS(
      SchemaError(
          R"({"fields":[{"name":"a","type":"numeric","scaling":"none","categories":["x"]}]})"),
      "key \"categories\" does not apply");
  // Categories.
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"g","type":"categorical"}]})"),
             "schema field \"g\": \"categories\" is empty");
  EXPECT_HAS(
      SchemaError(R"({"fields":[{"name":"g","type":"categorical","categories":["a","b","a"]}]})"),
      "category \"a\" appears more than once");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"g","type":"categorical","categories":["a",1]}]})"),
             "\"categories\" must be an array of strings");
  // Geo field names.
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"p","type":"geo","latField":"lat"}]})"),
             "give both \"latField\" and \"lonField\"");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"p","type":"geo","latField":"x","lonField":"x"}]})"),
             "record field \"x\" is used by more than one schema field");
  EXPECT_HAS(SchemaError(R"({"fields":[{"name":"lat","type":"numeric","scaling":"none"},
                                       {"name":"p","type":"geo","latField":"lat","lonField":"lon"}]})"),
             "record field \"lat\" is used by more than one schema field");
}

TEST(RecordSchemaTest, FieldsBuiltInCodeAreCheckedLikeJson) {
  RecordField f;
  f.name = "x";
  f.type = FieldType::kNumeric;
  f.scaling = Scaling::kZScore;
  f.mean = 0;
  f.stddev = 0;
  EXPECT_HAS(ErrorOf(RecordSchema::FromFields({f}).status()), "\"std\" must be greater than 0");
  f.stddev = 1;
  f.weight = NAN;
  EXPECT_HAS(ErrorOf(RecordSchema::FromFields({f}).status()), "\"weight\" must be a finite number");
  f.weight = 1;
  f.min = 0;  // min belongs to minmax
  EXPECT_HAS(ErrorOf(RecordSchema::FromFields({f}).status()), "do not apply");
  f.min.reset();
  auto s = RecordSchema::FromFields({f});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(MustEncode(*s, R"({"x":-3})"), (std::vector<float>{-3.0f}));
}

// ---- Layout and canonical JSON ----

TEST(RecordSchemaTest, DimensionNamesDescribeTheLayout) {
  auto s = MustParse(R"({"fields":[
      {"name":"location","type":"geo"},
      {"name":"population","type":"numeric","scaling":"none"},
      {"name":"genre","type":"categorical","categories":["comedy","drama"]}]})");
  EXPECT_EQ(s.dimensions(), 6u);
  EXPECT_EQ(s.DimensionNames(),
            (std::vector<std::string>{"location.x", "location.y", "location.z", "population",
                                      "genre=comedy", "genre=drama"}));
  // The layout is the encoding's: population is dimension 3, drama dimension 5.
  EXPECT_EQ(MustEncode(s, R"({"genre":"drama","population":7,"location":{"lat":0,"lon":0}})"),
            (std::vector<float>{1.0f, 0.0f, 0.0f, 7.0f, 0.0f, 1.0f}));
}

TEST(RecordSchemaTest, ToJsonIsCanonicalAndRoundTrips) {
  // Keys out of order, defaults left out, spacing: the canonical form writes every parameter.
  auto s = MustParse(R"({ "fields" : [
      {"weight": 0.5, "type": "numeric", "max": 1000000, "min": 0, "scaling": "minmax", "name": "population"},
      {"type": "categorical", "name": "genre", "categories": ["comedy", "drama", "horror"]},
      {"name": "location", "type": "geo", "optional": true},
      {"name": "where", "type": "geo", "lonField": "lng", "latField": "lat", "weight": 6371.0088},
      {"name": "year", "type": "numeric", "scaling": "zscore", "mean": 2001.5, "std": 0.1, "weight": 0},
      {"name": "raw", "type": "numeric", "scaling": "none"},
      {"name": "tags \"q\"", "type": "categorical", "categories": ["x"], "normalize": false}]})");
  const std::string canonical =
      R"({"fields":[)"
      R"({"name":"population","type":"numeric","weight":0.5,"optional":false,"scaling":"minmax","min":0,"max":1000000},)"
      R"({"name":"genre","type":"categorical","weight":1,"optional":false,"categories":["comedy","drama","horror"],"normalize":true},)"
      R"({"name":"location","type":"geo","weight":1,"optional":true},)"
      R"({"name":"where","type":"geo","weight":6371.0088,"optional":false,"latField":"lat","lonField":"lng"},)"
      R"({"name":"year","type":"numeric","weight":0,"optional":false,"scaling":"zscore","mean":2001.5,"std":0.1},)"
      R"({"name":"raw","type":"numeric","weight":1,"optional":false,"scaling":"none"},)"
      R"({"name":"tags \"q\"","type":"categorical","weight":1,"optional":false,"categories":["x"],"normalize":false}]})";
  EXPECT_EQ(s.ToJson(), canonical);
  auto again = MustParse(s.ToJson());
  EXPECT_EQ(again.ToJson(), canonical);
  const std::string record =
      R"({"population":123456,"genre":["drama","horror"],"location":{"lat":-33.9,"lon":151.2},)"
      R"("lat":10,"lng":20,"year":2003,"raw":-2.25,"tags \"q\"":"x"})";
  EXPECT_EQ(MustEncode(s, record), MustEncode(again, record));

  // Parameters that are not short decimals survive too (shortest round-trip digits).
  auto odd = MustParse(R"({"fields":[{"name":"x","type":"numeric","scaling":"zscore",
                          "mean":0.1,"std":0.30000000000000004,"weight":1e-7}]})");
  auto odd_again = MustParse(odd.ToJson());
  EXPECT_EQ(*odd_again.fields()[0].stddev, 0.30000000000000004);
  EXPECT_EQ(odd_again.fields()[0].weight, 1e-7);
  EXPECT_EQ(odd_again.ToJson(), odd.ToJson());
}

// ---- Fit ----

TEST(RecordSchemaTest, FitLearnsMissingParametersAndKeepsGivenOnes) {
  const std::string draft = R"({"fields":[
      {"name":"a","type":"numeric","scaling":"minmax"},
      {"name":"b","type":"numeric","scaling":"minmax","min":0},
      {"name":"z","type":"numeric","scaling":"zscore"},
      {"name":"g","type":"categorical","optional":true},
      {"name":"k","type":"categorical","categories":["y","x"]},
      {"name":"p","type":"geo"}]})";
  // z takes 2,4,4,4,5,5,7,9: mean 5, population standard deviation 2.
  std::vector<std::string> samples;
  const double zs[] = {2, 4, 4, 4, 5, 5, 7, 9};
  const char* gs[] = {R"("horror")", R"(["drama","comedy"])", "null",       R"([])",
                      R"("comedy")", R"(["horror"])",         R"("drama")", R"("comedy")"};
  for (int i = 0; i < 8; ++i) {
    samples.push_back(R"({"a":)" + std::to_string(10 * i - 30) + R"(,"b":)" +
                      std::to_string(i + 3) + R"(,"z":)" + std::to_string(zs[i]) + R"(,"g":)" +
                      gs[i] + R"(,"k":"x","p":{"lat":1,"lon":2}})");
  }
  auto fit = RecordSchema::Fit(draft, samples);
  ASSERT_TRUE(fit.ok()) << fit.status().ToString();
  const auto& f = fit->fields();
  EXPECT_EQ(*f[0].min, -30);
  EXPECT_EQ(*f[0].max, 40);
  EXPECT_EQ(*f[1].min, 0);  // given, although the samples start at 3
  EXPECT_EQ(*f[1].max, 10);
  EXPECT_DOUBLE_EQ(*f[2].mean, 5);
  EXPECT_DOUBLE_EQ(*f[2].stddev, 2);
  // Learned categories are the distinct values in byte order; given ones keep their order.
  EXPECT_EQ(f[3].categories, (std::vector<std::string>{"comedy", "drama", "horror"}));
  EXPECT_TRUE(f[3].optional);
  EXPECT_EQ(f[4].categories, (std::vector<std::string>{"y", "x"}));
  EXPECT_EQ(fit->dimensions(), 1u + 1 + 1 + 3 + 2 + 3);

  // The fitted z-scores of the samples have mean 0 and standard deviation 1.
  double sum = 0, sum2 = 0;
  for (const std::string& r : samples) {
    const float z = MustEncode(*fit, r)[2];
    sum += z;
    sum2 += z * z;
  }
  EXPECT_NEAR(sum / 8, 0, 1e-6);
  EXPECT_NEAR(std::sqrt(sum2 / 8), 1, 1e-6);

  // The same samples in another order give the same schema.
  std::vector<std::string> reversed(samples.rbegin(), samples.rend());
  auto fit2 = RecordSchema::Fit(draft, reversed);
  ASSERT_TRUE(fit2.ok()) << fit2.status().ToString();
  EXPECT_EQ(fit2->ToJson(), fit->ToJson());
  // And the result is a complete schema.
  EXPECT_EQ(MustParse(fit->ToJson()).ToJson(), fit->ToJson());
}

TEST(RecordSchemaTest, FitErrorsNameTheSampleAndField) {
  const std::string draft = R"({"fields":[{"name":"a","type":"numeric","scaling":"minmax"},
                                          {"name":"k","type":"categorical","categories":["x"]}]})";
  auto err = [&](std::vector<std::string> samples) {
    return ErrorOf(RecordSchema::Fit(draft, samples).status());
  };
  EXPECT_HAS(err({R"({"a":1,"k":"x"})", R"({"a":2,"k":"x","b":3})"}),
             "sample 1: unknown field \"b\"");
  EXPECT_HAS(err({R"({"a":1,"k":"y"})"}), "sample 0: field \"k\" has value \"y\"");
  EXPECT_HAS(err({R"({"a":"1","k":"x"})"}), "sample 0: field \"a\" must be a number");
  // One value cannot give a range.
  EXPECT_HAS(
      err({R"({"a":5,"k":"x"})", R"({"a":5,"k":"x"})"}),
      "fitted to the samples: schema field \"a\": \"max\" (5) must be greater than \"min\" (5)");
  EXPECT_HAS(err({}), "schema field \"a\": no sample has a value to learn minmax parameters");
  EXPECT_HAS(
      ErrorOf(RecordSchema::Fit(R"({"fields":[{"name":"z","type":"numeric","scaling":"zscore",
                                         "optional":true}]})",
                                std::vector<std::string>{R"({"z":3})", R"({"z":3})", "{}"})
                  .status()),
      "\"std\" must be greater than 0, got 0");
  EXPECT_HAS(
      ErrorOf(RecordSchema::Fit(R"({"fields":[{"name":"g","type":"categorical","optional":true}]})",
                                std::vector<std::string>{"{}"})
                  .status()),
      "no sample has a value to learn categories from");
  // A draft is still checked for everything but the parameters to learn.
  EXPECT_HAS(
      ErrorOf(
          RecordSchema::Fit(
              R"({"fields":[{"name":"a","type":"numeric","scaling":"minmax","min":2,"max":1}]})",
              std::vector<std::string>{})
              .status()),
      "must be greater than \"min\"");
}

// ---- Threads ----

TEST(RecordSchemaTest, EncodeFromManyThreadsGivesTheSameVectors) {
  auto s = MustParse(R"({"fields":[{"name":"p","type":"geo"},
                        {"name":"n","type":"numeric","scaling":"minmax","min":0,"max":100}]})");
  std::vector<std::string> records;
  std::vector<std::vector<float>> want;
  for (int i = 0; i < 200; ++i) {
    records.push_back(R"({"n":)" + std::to_string(i) + R"(,"p":{"lat":)" + std::to_string(i % 90) +
                      R"(,"lon":)" + std::to_string(i - 100) + "}}");
    want.push_back(MustEncode(s, records.back()));
  }
  std::vector<std::thread> threads;
  std::atomic<int> mismatches{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 20; ++round) {
        for (size_t i = t; i < records.size(); i += 2) {
          auto v = s.Encode(records[i]);
          if (!v.ok() || *v != want[i]) ++mismatches;
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(mismatches.load(), 0);
}

}  // namespace
}  // namespace semble
