// Copyright 2026 The semble Authors.
//
// The fixture of the CLI tests: runs the real `semble` binary in a fresh data directory with a
// controlled environment and captures stdout, stderr and the exit code.

#ifndef SEMBLE_TESTS_CLI_CLI_FIXTURE_H_
#define SEMBLE_TESTS_CLI_CLI_FIXTURE_H_

#include <fcntl.h>
#include <gtest/gtest.h>
#include <simdjson.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "core/json_parse.h"
#include "util/test_util.h"

extern char** environ;

namespace semble {

struct RunResult {
  int code = -1;
  std::string out;
  std::string err;
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// The binary under test: $SEMBLE_BINARY (set by CTest), else `semble` next to this test binary.
inline std::string BinaryPath() {
  if (const char* b = std::getenv("SEMBLE_BINARY"); b != nullptr && *b != '\0') return b;
  return (std::filesystem::read_symlink("/proc/self/exe").parent_path() / "semble").string();
}

class CliTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(tmp_.path().empty());
    data_ = tmp_.path() + "/data";
    ASSERT_TRUE(std::filesystem::exists(BinaryPath())) << BinaryPath();
  }

  // Runs semble with `args`, stdin from `stdin_text`, and an environment where the data-directory
  // variables are exactly `env` (the others are removed, so the host's settings cannot leak in).
  RunResult RunEnv(const std::vector<std::string>& args,
                   const std::map<std::string, std::string>& env,
                   const std::string& stdin_text = "") {
    const std::string in = tmp_.path() + "/stdin", out = tmp_.path() + "/stdout",
                      err = tmp_.path() + "/stderr";
    WriteFile(in, stdin_text);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, in.c_str(), O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&fa, 2, err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);

    const std::string binary = BinaryPath();
    std::vector<std::string> argv_s = {binary};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : argv_s) argv.push_back(a.data());
    argv.push_back(nullptr);

    std::vector<std::string> env_s;
    for (char** e = environ; *e != nullptr; ++e) {
      std::string kv = *e;
      const std::string key = kv.substr(0, kv.find('='));
      if (key == "SEMBLE_DATA_DIR" || key == "XDG_DATA_HOME" || key == "HOME") continue;
      env_s.push_back(kv);
    }
    for (const auto& [k, v] : env) env_s.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& e : env_s) envp.push_back(e.data());
    envp.push_back(nullptr);

    RunResult r;
    pid_t pid;
    int rc = posix_spawn(&pid, binary.c_str(), &fa, nullptr, argv.data(), envp.data());
    posix_spawn_file_actions_destroy(&fa);
    EXPECT_EQ(rc, 0) << "posix_spawn " << binary;
    if (rc != 0) return r;
    int status = 0;
    waitpid(pid, &status, 0);
    r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    r.out = ReadAll(out);
    r.err = ReadAll(err);
    return r;
  }

  // Runs semble on this test's data directory (passed with --data).
  RunResult Run(std::vector<std::string> args, const std::string& stdin_text = "") {
    args.insert(args.begin(), {"--data", data_});
    return RunEnv(args, {}, stdin_text);
  }

  // Runs a command that must succeed and returns its stdout.
  std::string Ok(const std::vector<std::string>& args, const std::string& stdin_text = "") {
    RunResult r = Run(args, stdin_text);
    EXPECT_EQ(r.code, 0) << Join(args) << "\nstderr: " << r.err;
    EXPECT_EQ(r.err, "") << Join(args);
    return r.out;
  }

  // Runs a command that must fail with `code` and one "semble: error: " line; returns the line.
  std::string Err(const std::vector<std::string>& args, int code,
                  const std::string& stdin_text = "") {
    RunResult r = Run(args, stdin_text);
    EXPECT_EQ(r.code, code) << Join(args) << "\nstdout: " << r.out << "\nstderr: " << r.err;
    EXPECT_EQ(r.out, "") << Join(args);
    EXPECT_EQ(r.err.rfind("semble: error: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << "not one line: " << r.err;
    return r.err;
  }

  // Parses stdout of a --json command; the document must be JSON and end with one newline.
  simdjson::dom::element Json(const std::string& out) {
    EXPECT_TRUE(!out.empty() && out.back() == '\n' && std::count(out.begin(), out.end(), '\n') == 1)
        << "not one JSON line: " << out;
    // A parser per document: an element stays valid only while its parser is not reused.
    parsers_.push_back(std::make_unique<simdjson::dom::parser>());
    simdjson::dom::element e;
    auto err = core::ParseJson(*parsers_.back(), out, &e);  // numbers of any size
    EXPECT_EQ(err, simdjson::SUCCESS) << out;
    return e;
  }

  std::string File(const std::string& name, const std::string& text) {
    const std::string path = tmp_.path() + "/" + name;
    WriteFile(path, text);
    return path;
  }

  static std::string Join(const std::vector<std::string>& v) {
    std::string s;
    for (const auto& a : v) s += a + " ";
    return s;
  }

  test::TempDir tmp_;
  std::string data_;
  std::vector<std::unique_ptr<simdjson::dom::parser>> parsers_;
};

}  // namespace semble

#endif  // SEMBLE_TESTS_CLI_CLI_FIXTURE_H_
