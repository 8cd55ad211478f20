// Copyright 2026 The semble Authors.
//
// The CLI verbs that need the embedding model or a server: import (formats, chunks, resume),
// query --text, recommend, record schemas from examples/, completion, and every verb against a
// running `semble serve` with --url (the README's tour, step by step); and that `vectorize
// create` and POST /indexes resolve every create request alike.

#include <signal.h>

#include <chrono>
#include <thread>

#include "cli/cli_fixture.h"
#include "cli/http_send.h"

namespace semble {
namespace {

// The installed default model's directory, as scripts/setup installs it (never skipped: CI has it).
std::string ModelsDir() {
  if (const char* m = std::getenv("SEMBLE_MODELS_DIR"); m != nullptr && *m != '\0') return m;
  std::string data;
  if (const char* d = std::getenv("SEMBLE_DATA_DIR"); d != nullptr && *d != '\0') {
    data = d;
  } else if (const char* x = std::getenv("XDG_DATA_HOME"); x != nullptr && *x != '\0') {
    data = std::string(x) + "/semble";
  } else if (const char* h = std::getenv("HOME"); h != nullptr) {
    data = std::string(h) + "/.local/share/semble";
  }
  return data + "/models";
}

// A JSON string's value; "" for anything else.
std::string Str(simdjson::dom::element e) {
  std::string_view s;
  return e.get(s) == simdjson::SUCCESS ? std::string(s) : std::string();
}

class ProductTest : public CliTest {
 protected:
  void SetUp() override {
    CliTest::SetUp();
    models_ = ModelsDir();
    ASSERT_TRUE(std::filesystem::exists(models_ + "/all-MiniLM-L6-v2-q4"))
        << "the default model is not installed in " << models_ << " (run scripts/setup)";
  }
  void TearDown() override { StopServer(); }

  // semble on the local data directory, with the models directory set.
  RunResult Local(std::vector<std::string> args) {
    args.insert(args.begin(), {"--data", data_});
    return RunEnv(args, {{"SEMBLE_MODELS_DIR", models_}});
  }
  std::string LocalOk(const std::vector<std::string>& args) {
    RunResult r = Local(args);
    EXPECT_EQ(r.code, 0) << Join(args) << "\nstderr: " << r.err;
    return r.out;
  }
  // semble against the running server.
  RunResult Remote(std::vector<std::string> args, const std::string& token = "") {
    args.insert(args.begin(), {"--url", url_});
    std::map<std::string, std::string> env = {{"SEMBLE_MODELS_DIR", "/nonexistent"}};
    if (!token.empty()) env["SEMBLE_TOKEN"] = token;
    return RunEnv(args, env);
  }
  std::string RemoteOk(const std::vector<std::string>& args, const std::string& token = "") {
    RunResult r = Remote(args, token);
    EXPECT_EQ(r.code, 0) << Join(args) << "\nstderr: " << r.err;
    return r.out;
  }

  void StartServer(const std::vector<std::string>& extra = {}) {
    const std::string log = tmp_.path() + "/server.log";
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 2, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> args = {BinaryPath(), "serve", "--data", tmp_.path() + "/server-data",
                                     "--models", models_, "--port", "0", "--access-log", "off"};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    ASSERT_EQ(posix_spawn(&server_pid_, argv[0], &fa, nullptr, argv.data(), environ), 0);
    posix_spawn_file_actions_destroy(&fa);
    const std::string marker = "listening on ";
    for (int i = 0; i < 600 && url_.empty(); ++i) {
      const std::string text = ReadAll(log);
      if (size_t at = text.find(marker); at != std::string::npos) {
        url_ = text.substr(at + marker.size(), text.find('\n', at) - at - marker.size());
      }
      if (url_.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ASSERT_FALSE(url_.empty()) << "server did not start: " << ReadAll(log);
  }
  void StopServer() {
    if (server_pid_ <= 0) return;
    kill(server_pid_, SIGTERM);
    int status = 0;
    waitpid(server_pid_, &status, 0);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "server exit status " << status;
    server_pid_ = -1;
  }

  // A folder of three topics in the four formats import reads.
  std::string MakeCorpus() {
    const std::string dir = tmp_.path() + "/corpus";
    std::filesystem::create_directories(dir + "/notes");
    WriteFile(dir + "/notes/dogs.md",
              "# Dogs\n\nDogs are loyal companions. A dog loves to chase a ball in the park.\n\n"
              "Puppies need patient training, short walks and plenty of sleep.\n");
    WriteFile(dir + "/notes/markets.txt",
              "The stock market fell sharply today as interest rates rose. Investors sold shares "
              "of banks and bought government bonds.\n");
    WriteFile(dir + "/recipes.jsonl",
              "{\"id\":\"pasta\",\"content\":\"Boil the pasta and stir in a fresh tomato sauce with "
              "basil.\",\"cuisine\":\"italian\"}\n"
              "{\"id\":\"bread\",\"content\":\"Knead the dough, let it rise, and bake the bread for "
              "forty minutes.\",\"cuisine\":\"french\"}\n");
    WriteFile(dir + "/space.csv",
              "id,text,kind\nmars,\"Rovers drive across the red dust of Mars, looking for ancient "
              "water.\",planet\nmoon,\"Astronauts walked on the Moon in 1969.\",moon\n");
    return dir;
  }

  std::string TopId(const std::string& json_out) {
    simdjson::dom::element e = Json(json_out);
    std::string_view id;
    EXPECT_EQ(e["matches"].at(0)["id"].get(id), simdjson::SUCCESS) << json_out;
    return std::string(id);
  }

  std::string models_;
  std::string url_;
  pid_t server_pid_ = -1;
};

TEST_F(ProductTest, CacheVerbsCreateStoreLookUpAndInvalidate) {
  LocalOk({"cache", "create", "faq", "--scope-field", "tenant", "--threshold", "0.8"});
  const std::string key =
      LocalOk({"cache", "store", "faq", "How do I reset my password?", "Use the link.", "--scope",
               "tenant=a"});
  EXPECT_EQ(key.size(), 33u) << key;  // 32 hex digits and a newline
  auto hit = Json(LocalOk({"cache", "lookup", "faq", "How can I reset my password?", "--scope",
                           "tenant=a", "--json"}));
  EXPECT_TRUE(hit["hit"].get_bool().value());
  EXPECT_EQ(std::string(hit["response"].get_string().value()), "Use the link.");
  auto other = Json(LocalOk({"cache", "lookup", "faq", "How can I reset my password?", "--scope",
                             "tenant=b", "--json"}));
  EXPECT_FALSE(other["hit"].get_bool().value());
  auto list = Json(LocalOk({"cache", "list", "--json"}));
  ASSERT_EQ(list.get_array().size(), 1u);
  EXPECT_EQ(std::string(list.at(0)["name"].get_string().value()), "faq");
  // Bad input: an unknown scope field, no --key nor --filter, an unknown cache, a plain index.
  EXPECT_EQ(Local({"cache", "lookup", "faq", "x", "--scope", "user=u"}).code, 4);
  EXPECT_EQ(Local({"cache", "invalidate", "faq"}).code, 2);
  EXPECT_EQ(Local({"cache", "lookup", "nothing", "x"}).code, 3);
  LocalOk({"vectorize", "create", "plain", "--dimensions", "2", "--metric", "cosine"});
  EXPECT_EQ(Local({"cache", "delete", "plain"}).code, 4);
  auto gone = Json(LocalOk({"cache", "invalidate", "faq", "--filter", "{\"scope.tenant\":\"a\"}",
                            "--json"}));
  EXPECT_EQ(gone["count"].get_uint64().value(), 1u);
  EXPECT_FALSE(Json(LocalOk({"cache", "lookup", "faq", "How do I reset my password?", "--scope",
                             "tenant=a", "--json"}))["hit"]
                   .get_bool()
                   .value());
  LocalOk({"cache", "delete", "faq"});
  EXPECT_EQ(Json(LocalOk({"cache", "list", "--json"})).get_array().size(), 0u);
}

TEST_F(ProductTest, ImportFolderQueryByTextAndResume) {
  LocalOk({"vectorize", "create", "docs", "--model", "all-MiniLM-L6-v2-q4"});
  const std::string corpus = MakeCorpus();
  simdjson::dom::element first = Json(LocalOk({"import", "docs", corpus, "--json"}));
  EXPECT_EQ(first["files"].get_uint64().value(), 4u);
  EXPECT_EQ(first["records"].get_uint64().value(), 6u);
  EXPECT_EQ(first["imported"].get_uint64().value(), 6u);
  // Each topic is found by a paraphrase, whatever file format it came from.
  const std::map<std::string, std::string> probes = {
      {"my puppy wants to play fetch", corpus + "/notes/dogs.md#0"},
      {"bond yields and falling share prices", corpus + "/notes/markets.txt#0"},
      {"how to cook spaghetti", "pasta"},
      {"exploring the red planet", "mars"},
  };
  for (const auto& [text, want] : probes) {
    EXPECT_EQ(TopId(LocalOk({"vectorize", "query", "docs", "--text", text, "--json"})), want) << text;
  }
  // Metadata keeps the source, the text and the other fields.
  simdjson::dom::element got = Json(LocalOk({"vectorize", "get-vectors", "docs", "--ids", "mars", "--json"}));
  std::string_view kind;
  ASSERT_EQ(got.at(0)["metadata"]["kind"].get(kind), simdjson::SUCCESS);
  EXPECT_EQ(kind, "planet");
  // A second run re-embeds nothing; a changed file re-embeds only its records.
  simdjson::dom::element again = Json(LocalOk({"import", "docs", corpus, "--json"}));
  EXPECT_EQ(again["imported"].get_uint64().value(), 0u);
  EXPECT_EQ(again["skipped"].get_uint64().value(), 6u);
  WriteFile(corpus + "/notes/markets.txt", "Central banks raised interest rates again this week.\n");
  simdjson::dom::element changed = Json(LocalOk({"import", "docs", corpus, "--json"}));
  EXPECT_EQ(changed["imported"].get_uint64().value(), 1u);
  EXPECT_EQ(changed["skipped"].get_uint64().value(), 5u);
  simdjson::dom::element info = Json(LocalOk({"vectorize", "info", "docs", "--json"}));
  EXPECT_EQ(info["vectorCount"].get_uint64().value(), 6u);
}

TEST_F(ProductTest, LongTextsAreChunkedWithOverlap) {
  LocalOk({"vectorize", "create", "docs", "--model", "all-MiniLM-L6-v2-q4"});
  std::string text;
  for (int i = 0; i < 40; ++i) text += "Sentence number " + std::to_string(i) + " talks about topic " + std::to_string(i % 5) + ". ";
  WriteFile(tmp_.path() + "/long.txt", text);
  Json(LocalOk({"import", "docs", tmp_.path() + "/long.txt", "--chunk-size", "300",
                "--chunk-overlap", "60", "--json"}));
  simdjson::dom::element list = Json(LocalOk({"vectorize", "list-vectors", "docs", "--json"}));
  const uint64_t chunks = list["count"].get_uint64().value();
  // ~1700 characters in chunks of <= 300 that overlap: more than 1700/300, fewer than 1700/100.
  EXPECT_GE(chunks, 6u);
  EXPECT_LE(chunks, 17u);
  simdjson::dom::element two = Json(LocalOk({"vectorize", "get-vectors", "docs", "--ids",
                                             tmp_.path() + "/long.txt#0", tmp_.path() + "/long.txt#1",
                                             "--json"}));
  std::string_view a, b;
  ASSERT_EQ(two.at(0)["metadata"]["text"].get(a), simdjson::SUCCESS);
  ASSERT_EQ(two.at(1)["metadata"]["text"].get(b), simdjson::SUCCESS);
  EXPECT_LE(a.size(), 300u);
  // The second chunk starts inside the first (the overlap).
  EXPECT_NE(a.find(b.substr(0, 20)), std::string_view::npos) << a << "\n---\n" << b;
}

TEST_F(ProductTest, SchemaExamplesAndRecommend) {
  const std::string ex = std::string(SEMBLE_SOURCE_DIR) + "/examples";
  LocalOk({"vectorize", "create", "near", "--schema", ex + "/cities/schema_location.json"});
  LocalOk({"vectorize", "insert", "near", "--file", ex + "/cities/cities.jsonl"});
  simdjson::dom::element near = Json(LocalOk({"vectorize", "query", "near", "--vector-id", "vancouver", "--top-k", "2", "--json"}));
  std::string_view id;
  ASSERT_EQ(near["matches"].at(1)["id"].get(id), simdjson::SUCCESS);
  EXPECT_EQ(id, "burnaby");
  LocalOk({"vectorize", "create", "alike", "--schema", ex + "/cities/schema_location_population.json"});
  LocalOk({"vectorize", "insert", "alike", "--file", ex + "/cities/cities.jsonl"});
  simdjson::dom::element alike = Json(LocalOk({"vectorize", "query", "alike", "--vector-id", "vancouver", "--top-k", "2", "--json"}));
  ASSERT_EQ(alike["matches"].at(1)["id"].get(id), simdjson::SUCCESS);
  EXPECT_EQ(id, "seattle");

  LocalOk({"vectorize", "create", "shows", "--schema", ex + "/shows/schema.json"});
  LocalOk({"vectorize", "insert", "shows", "--file", ex + "/shows/shows.jsonl"});
  EXPECT_EQ(TopId(LocalOk({"recommend", "shows", "--positive", "seinfeld", "--json"})), "cheers");
  // Liking Wednesday and disliking Cheers leaves Seinfeld's old-sitcom traits behind.
  EXPECT_EQ(TopId(LocalOk({"recommend", "shows", "--positive", "wednesday", "--negative", "cheers", "--json"})), "seinfeld");
  RunResult bad = Local({"recommend", "shows", "--positive", "friends"});
  EXPECT_EQ(bad.code, 3) << bad.err;  // not found
  // A record that breaks the schema is refused with the field named, and nothing is written.
  WriteFile(tmp_.path() + "/bad.jsonl", "{\"id\":\"x\",\"fields\":{\"location\":{\"lat\":95,\"lon\":0},\"population\":1}}\n");
  RunResult refused = Local({"vectorize", "insert", "near", "--file", tmp_.path() + "/bad.jsonl"});
  EXPECT_EQ(refused.code, 4) << refused.err;
  EXPECT_NE(refused.err.find("lat"), std::string::npos) << refused.err;
  simdjson::dom::element info = Json(LocalOk({"vectorize", "info", "near", "--json"}));
  EXPECT_EQ(info["vectorCount"].get_uint64().value(), 3u);
}

TEST_F(ProductTest, EveryVerbWorksAgainstAServer) {
  const std::string token = "cli-test-token-0123456789abcdef";
  WriteFile(tmp_.path() + "/tokens", "write " + token + "\n");
  StartServer({"--tokens-file", tmp_.path() + "/tokens"});
  // Without the token: refused, with a hint.
  RunResult denied = Remote({"vectorize", "list"});
  EXPECT_NE(denied.code, 0);
  EXPECT_NE(denied.err.find("--token"), std::string::npos) << denied.err;

  RemoteOk({"vectorize", "create", "docs", "--model", "all-MiniLM-L6-v2-q4"}, token);
  simdjson::dom::element imported = Json(RemoteOk({"import", "docs", MakeCorpus(), "--json"}, token));
  EXPECT_EQ(imported["imported"].get_uint64().value(), 6u);
  EXPECT_EQ(TopId(RemoteOk({"vectorize", "query", "docs", "--text", "exploring the red planet", "--json"}, token)), "mars");
  EXPECT_EQ(TopId(RemoteOk({"recommend", "docs", "--positive", "pasta", "--json"}, token)), "bread");
  simdjson::dom::element info = Json(RemoteOk({"vectorize", "info", "docs", "--json"}, token));
  EXPECT_EQ(info["vectorCount"].get_uint64().value(), 6u);

  // The vector verbs, as on a local directory.
  RemoteOk({"vectorize", "create", "v", "--dimensions", "3", "--metric", "euclidean"}, token);
  WriteFile(tmp_.path() + "/v.ndjson", "{\"id\":\"a\",\"values\":[0,0,0]}\n{\"id\":\"b\",\"values\":[1,0,0]}\n{\"id\":\"c\",\"values\":[5,5,5]}\n");
  RemoteOk({"vectorize", "insert", "v", "--file", tmp_.path() + "/v.ndjson"}, token);
  EXPECT_EQ(TopId(RemoteOk({"vectorize", "query", "v", "--vector", "0.9,0,0", "--json"}, token)), "b");
  RemoteOk({"vectorize", "delete-vectors", "v", "--ids", "b"}, token);
  EXPECT_EQ(TopId(RemoteOk({"vectorize", "query", "v", "--vector", "0.9,0,0", "--json"}, token)), "a");
  RunResult missing = Remote({"vectorize", "get", "nope"}, token);
  EXPECT_EQ(missing.code, 3) << missing.err;
  RemoteOk({"vectorize", "delete", "v"}, token);
  simdjson::dom::element list = Json(RemoteOk({"vectorize", "list", "--json"}, token));
  EXPECT_EQ(list.get_array().size(), 1u);
  StopServer();
  // A server that is not there is a clear error, not a hang.
  RunResult gone = Remote({"vectorize", "list"}, token);
  EXPECT_NE(gone.code, 0);
  EXPECT_NE(gone.err.find("cannot reach"), std::string::npos) << gone.err;
}

// One create request, as CLI flags and as the HTTP body's config (with "@S" standing for the
// schema file's path in the flags and its JSON in the body).
struct CreateCase {
  std::vector<std::string> flags;
  std::string config;
  // With --url the CLI cannot send a preset (the client's wire form has no field for it): it sends
  // the preset's dimensions and metric, so a preset the server would bind to a model makes a plain
  // index (or, with --pooling, is refused).
  bool remote_differs = false;
};

// `semble vectorize create` on a local directory and POST /indexes on a served instance go through
// one resolver (db/index_config.h): the same index (config compared field for field) or the same
// error (the server's message, in the CLI's error line; 400 ~ exit 2 or 4, 404 ~ exit 3). The CLI
// with --url resolves without models and the server does the rest: the same answers too.
TEST_F(ProductTest, CreateResolvesTheSameLocallyAndOnTheServer) {
  StartServer();
  const int port = std::stoi(url_.substr(url_.rfind(':') + 1));
  const std::string schema =
      R"({"fields":[{"name":"a","type":"numeric","scaling":"none"},{"name":"b","type":"numeric","scaling":"none","weight":2}]})";
  const std::string schema_file = File("schema.json", schema);
  const std::string bad_schema_file = File("bad-schema.json", R"({"fields":[]})");
  const std::string model = "all-MiniLM-L6-v2-q4", alias = "@cf/baai/bge-small-en-v1.5";
  const std::vector<CreateCase> cases = {
      {{"--dimensions", "3", "--metric", "cosine"}, R"({"dimensions":3,"metric":"cosine"})"},
      {{"--dimensions", "3", "--metric", "euclidean", "--index-type", "flat"},
       R"({"dimensions":3,"metric":"euclidean","indexType":"flat"})"},
      {{"--dimensions", "0", "--metric", "cosine"}, R"({"dimensions":0,"metric":"cosine"})"},
      {{"--dimensions", "3"}, R"({"dimensions":3})"},
      {{"--metric", "cosine"}, R"({"metric":"cosine"})"},
      {{}, "{}"},
      {{"--dimensions", "3", "--metric", "cosine", "--pooling", "cls"},
       R"({"dimensions":3,"metric":"cosine","pooling":"cls"})"},
      {{"--preset", alias}, R"({"preset":")" + alias + R"("})", true},  // binds the default model
      {{"--preset", alias, "--pooling", "cls"}, R"({"preset":")" + alias + R"(","pooling":"cls"})", true},
      {{"--preset", "openai/text-embedding-ada-002"}, R"({"preset":"openai/text-embedding-ada-002"})"},
      {{"--preset", "@cf/unknown/model"}, R"({"preset":"@cf/unknown/model"})"},
      {{"--preset", "openai/text-embedding-ada-002", "--pooling", "cls"},
       R"({"preset":"openai/text-embedding-ada-002","pooling":"cls"})"},
      {{"--preset", alias, "--model", model}, R"({"preset":")" + alias + R"(","model":")" + model + R"("})"},
      {{"--model", model}, R"({"model":")" + model + R"("})"},
      {{"--model", alias, "--pooling", "cls", "--metric", "dot-product"},
       R"({"model":")" + alias + R"(","pooling":"cls","metric":"dot-product"})"},
      {{"--model", model, "--dimensions", "384"}, R"({"model":")" + model + R"(","dimensions":384})"},
      {{"--model", model, "--dimensions", "3"}, R"({"model":")" + model + R"(","dimensions":3})"},
      {{"--model", "no-such-model"}, R"({"model":"no-such-model"})"},
      {{"--schema", "@S"}, R"({"schema":@S})"},
      {{"--schema", "@S", "--metric", "cosine", "--dimensions", "2"},
       R"({"schema":@S,"metric":"cosine","dimensions":2})"},
      {{"--schema", "@S", "--dimensions", "3"}, R"({"schema":@S,"dimensions":3})"},
      {{"--schema", "@S", "--model", model}, R"({"schema":@S,"model":")" + model + R"("})"},
      {{"--schema", "@S", "--preset", alias}, R"({"schema":@S,"preset":")" + alias + R"("})"},
      {{"--schema", "@B"}, R"({"schema":{"fields":[]}})"},
      {{"--dimensions", "3", "--metric", "cosine", "--text-index"},
       R"({"dimensions":3,"metric":"cosine","textIndex":true})"},
      {{"--model", model, "--text-index", "--text-fields", "title,source.name", "--text-language",
        "none"},
       R"({"model":")" + model +
           R"(","textIndex":{"fields":["title","source.name"],"language":"none"}})"},
      {{"--dimensions", "3", "--metric", "cosine", "--text-index", "--text-fields",
        "a,b,c,d,e,f,g,h,i"},
       R"({"dimensions":3,"metric":"cosine","textIndex":{"fields":["a","b","c","d","e","f","g","h","i"]}})"},
  };
  auto minify = [](simdjson::dom::element e) { return simdjson::minify(e); };
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string name = "c" + std::to_string(i);
    std::vector<std::string> args = {"vectorize", "create", name, "--json"};
    for (const std::string& f : cases[i].flags) {
      args.push_back(f == "@S" ? schema_file : f == "@B" ? bad_schema_file : f);
    }
    std::string config = cases[i].config;
    if (size_t at = config.find("@S"); at != std::string::npos) config.replace(at, 2, schema);
    const std::string what = Join(args) + "| " + config;

    const RunResult cli = Local(args);
    std::vector<std::string> remote_args = args;
    remote_args[2] = "r" + std::to_string(i);
    const RunResult remote = Remote(remote_args);
    const Reply http = Send(port, "POST", "/client/v4/accounts/local/vectorize/v2/indexes",
                            R"({"name":")" + name + R"(","config":)" + config + "}");
    ASSERT_NE(http.status, 0) << what;
    simdjson::dom::element answer = Json(http.body + "\n");
    std::vector<std::pair<std::string, const RunResult*>> runs = {{"cli", &cli}};
    if (!cases[i].remote_differs) runs.push_back({"cli --url", &remote});
    for (const auto& [how, run] : runs) {
      const std::string ctx = how + ": " + what + "\nserver: " + http.body + "\n" + how + ": " +
                              run->out + run->err;
      if (http.status == 201) {  // Created, as Cloudflare documents
        ASSERT_EQ(run->code, 0) << ctx;
        simdjson::dom::element made = Json(run->out);
        EXPECT_EQ(minify(made["config"]), minify(answer["result"]["config"])) << ctx;
        continue;
      }
      std::string_view message;
      ASSERT_EQ(answer["errors"].at(0)["message"].get(message), simdjson::SUCCESS) << http.body;
      EXPECT_NE(run->err.find(message), std::string::npos) << ctx;
      if (http.status == 404) {
        EXPECT_EQ(run->code, 3) << ctx;
      } else {
        EXPECT_EQ(http.status, 400) << ctx;
        EXPECT_TRUE(run->code == 2 || run->code == 4) << ctx;
      }
    }
  }
}

// Keyword and hybrid queries, groups, stored text and the text-index verb, the same on a local
// directory and against a server (issue 17). Caller vectors with text: the text is stored and
// indexed, not embedded, so no model runs.
TEST_F(ProductTest, KeywordAndHybridQueriesLocallyAndAgainstAServer) {
  StartServer();
  WriteFile(tmp_.path() + "/kw.ndjson",
            "{\"id\":\"a\",\"values\":[1,0,0],\"text\":\"The quick brown fox jumps\","
            "\"metadata\":{\"doc\":\"d1\",\"title\":\"Foxes\"}}\n"
            "{\"id\":\"b\",\"values\":[0,1,0],\"text\":\"A lazy dog sleeps all day\","
            "\"metadata\":{\"doc\":\"d1\"}}\n"
            "{\"id\":\"c\",\"values\":[0,0,1],\"text\":\"Zymurgy is the chemistry of "
            "brewing\",\"metadata\":{\"doc\":\"d2\"}}\n"
            "{\"id\":\"d\",\"values\":[0.9,0.1,0],\"text\":\"Dogs chase the fox\","
            "\"metadata\":{\"doc\":\"d2\"}}\n");
  auto ids_of = [](simdjson::dom::element matches) {
    std::vector<std::string> ids;
    for (simdjson::dom::element m : matches.get_array()) {
      ids.emplace_back(m["id"].get_string().value());
    }
    return ids;
  };
  auto contains = [](const std::vector<std::string>& ids, const std::string& id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  for (bool remote : {false, true}) {
    SCOPED_TRACE(remote ? "against a server" : "on a local directory");
    auto run = [&](const std::vector<std::string>& args) {
      return remote ? Remote(args) : Local(args);
    };
    auto ok = [&](const std::vector<std::string>& args) {
      return remote ? RemoteOk(args) : LocalOk(args);
    };
    ok({"vectorize", "create", "kw", "--dimensions", "3", "--metric", "cosine", "--text-index",
        "--text-fields", "title", "--text-language", "english"});
    simdjson::dom::element got = Json(ok({"vectorize", "get", "kw", "--json"}));
    simdjson::dom::element text_index;
    ASSERT_EQ(got["config"]["textIndex"].get(text_index), simdjson::SUCCESS)
        << simdjson::minify(got);
    EXPECT_EQ(Str(text_index["fields"].at(0)), "title");
    EXPECT_EQ(Str(text_index["language"]), "english");
    EXPECT_NE(ok({"vectorize", "get", "kw"}).find("fields title; language english"),
              std::string::npos);
    ok({"vectorize", "insert", "kw", "--file", tmp_.path() + "/kw.ndjson"});

    // The rare word ranks its record first; the title field is searched too.
    EXPECT_EQ(TopId(ok({"vectorize", "query", "kw", "--mode", "keyword", "--text", "zymurgy",
                        "--json"})),
              "c");
    EXPECT_EQ(TopId(ok({"vectorize", "query", "kw", "--mode", "keyword", "--text", "foxes",
                        "--filter", R"({"doc":"d1"})", "--json"})),
              "a");
    // Hybrid: the keyword side's hit and the vector side's both come back, by both fusions.
    for (const std::vector<std::string>& fusion :
         {std::vector<std::string>{}, {"--fusion", "rrf"}, {"--alpha", "0.5"},
          {"--fusion", "weighted", "--alpha", "0.9"}}) {
      std::vector<std::string> args = {"vectorize", "query", "kw",       "--mode", "hybrid",
                                       "--text",    "zymurgy", "--vector", "1,0,0",  "--json"};
      args.insert(args.end(), fusion.begin(), fusion.end());
      const std::vector<std::string> ids = ids_of(Json(ok(args))["matches"]);
      EXPECT_TRUE(contains(ids, "c") && contains(ids, "a")) << Join(args);
    }
    // Groups: at most --group-size per value of the property, the key as its JSON value.
    simdjson::dom::element grouped =
        Json(ok({"vectorize", "query", "kw", "--vector", "1,0,0", "--top-k", "4", "--group-by",
                 "doc", "--group-size", "1", "--return-metadata", "all", "--json"}));
    simdjson::dom::array groups;
    ASSERT_EQ(grouped["groups"].get(groups), simdjson::SUCCESS) << simdjson::minify(grouped);
    ASSERT_EQ(groups.size(), 2u) << simdjson::minify(grouped);
    EXPECT_EQ(Str(groups.at(0)["key"]), "d1");  // a, the closest, is in d1
    for (simdjson::dom::element g : groups) EXPECT_EQ(g["matches"].get_array().size(), 1u);
    const std::string table = ok({"vectorize", "query", "kw", "--vector", "1,0,0", "--group-by",
                                  "doc", "--group-size", "1"});
    EXPECT_NE(table.find("GROUP"), std::string::npos) << table;
    EXPECT_NE(table.find("\"d2\""), std::string::npos) << table;

    // The stored text reads back.
    simdjson::dom::element records =
        Json(ok({"vectorize", "get-vectors", "kw", "--ids", "c", "--json"}));
    EXPECT_EQ(Str(records.at(0)["text"]), "Zymurgy is the chemistry of brewing");
    EXPECT_NE(ok({"vectorize", "get-vectors", "kw", "--ids", "c"}).find("Zymurgy"),
              std::string::npos);

    // Usage errors before anything runs.
    for (const std::vector<std::string>& bad : std::vector<std::vector<std::string>>{
             {"vectorize", "query", "kw", "--mode", "keyword"},
             {"vectorize", "query", "kw", "--mode", "keyword", "--text", "x", "--vector", "1,0,0"},
             {"vectorize", "query", "kw", "--mode", "semantic", "--text", "x"},
             {"vectorize", "query", "kw", "--mode", "hybrid", "--text", "x", "--alpha", "2"},
             {"vectorize", "query", "kw", "--mode", "hybrid", "--text", "x", "--fusion", "rrf",
              "--alpha", "0.5"},
             {"vectorize", "query", "kw", "--text", "x", "--alpha", "0.5"},
             {"vectorize", "query", "kw", "--vector", "1,0,0", "--group-size", "2"},
             {"vectorize", "create", "x", "--dimensions", "3", "--metric", "cosine",
              "--text-fields", "a"},
         }) {
      EXPECT_EQ(run(bad).code, 2) << Join(bad);
    }

    // An index without a text index: keyword queries fail until the text-index verb indexes the
    // records already stored.
    ok({"vectorize", "create", "plain", "--dimensions", "3", "--metric", "cosine"});
    ok({"vectorize", "insert", "plain", "--file", tmp_.path() + "/kw.ndjson"});
    const std::vector<std::string> keyword = {"vectorize", "query", "plain", "--mode", "keyword",
                                              "--text", "zymurgy", "--json"};
    RunResult refused = run(keyword);
    EXPECT_EQ(refused.code, 1) << refused.err;
    EXPECT_NE(refused.err.find("text index"), std::string::npos) << refused.err;
    simdjson::dom::element m = Json(ok({"vectorize", "text-index", "plain", "--json"}));
    EXPECT_EQ(Str(m["mutationId"]).size(), 36u);
    EXPECT_EQ(TopId(ok(keyword)), "c");
    ok({"vectorize", "text-index", "plain", "--disable"});
    EXPECT_EQ(run(keyword).code, 1);
    EXPECT_NE(ok({"vectorize", "get", "plain"}).find("textIndex"), std::string::npos);
    ok({"vectorize", "delete", "kw", "--force"});
    ok({"vectorize", "delete", "plain", "--force"});
  }
}

// --embed-cache sizes the server's embedding cache; 0 sends every text through the encoder.
TEST_F(ProductTest, EmbedCacheFlagSizesTheServersCache) {
  // The counters the server exports for the cache after the same text is embedded twice.
  auto embed_twice = [&](const std::vector<std::string>& flags, uint64_t* hits, uint64_t* misses) {
    StartServer(flags);
    const int port = std::stoi(url_.substr(url_.rfind(':') + 1));
    for (int i = 0; i < 2; ++i) {
      const Reply r = Send(port, "POST", "/v1/embeddings",
                           R"({"model":"all-MiniLM-L6-v2-q4","input":"the same text twice"})");
      ASSERT_EQ(r.status, 200) << r.body;
      // The usage is counted whether the vector was encoded or came from the cache:
      // [CLS] the same text twice [SEP].
      EXPECT_NE(r.body.find(R"("usage":{"prompt_tokens":6,"total_tokens":6})"), std::string::npos)
          << r.body;
    }
    const Reply metrics = Send(port, "GET", "/metrics", "");
    ASSERT_EQ(metrics.status, 200);
    auto counter = [&](const std::string& name) {
      const size_t at = metrics.body.find("\n" + name + " ");
      EXPECT_NE(at, std::string::npos) << name << " in " << metrics.body;
      return at == std::string::npos ? ~uint64_t{0}
                                     : std::stoull(metrics.body.substr(at + name.size() + 2));
    };
    *hits = counter("semble_embedding_cache_hits_total");
    *misses = counter("semble_embedding_cache_misses_total");
    StopServer();
    url_.clear();
  };
  uint64_t hits = 0, misses = 0;
  embed_twice({}, &hits, &misses);
  EXPECT_EQ(hits, 1u);
  EXPECT_EQ(misses, 1u);
  // No cache: nothing is looked up, so neither counter moves.
  embed_twice({"--embed-cache", "0"}, &hits, &misses);
  EXPECT_EQ(hits, 0u);
  EXPECT_EQ(misses, 0u);
  // A bad size is refused before anything starts.
  const RunResult bad = Local({"serve", "--embed-cache", "-1"});
  EXPECT_NE(bad.code, 0);
}

TEST_F(ProductTest, CompletionScriptKnowsTheVerbs) {
  const std::string script = LocalOk({"completion", "bash"});
  for (const char* word : {"vectorize", "import", "recommend", "serve", "--top-k", "--chunk-size", "complete -o default -F _semble semble"}) {
    EXPECT_NE(script.find(word), std::string::npos) << word;
  }
}

}  // namespace
}  // namespace semble
