// Copyright 2026 The semble Authors.
//
// semble completion bash|zsh: prints a shell completion script built from the command tree
// itself, so it never lags behind the verbs and flags.
//   source <(semble completion bash)        # or save it under /etc/bash_completion.d/semble
//   source <(semble completion zsh)         # zsh, through bashcompinit

#include <CLI/CLI.hpp>
#include <cstdio>
#include <map>

#include "cli.h"

namespace semble::cli {
namespace {

// "path words" -> completions: subcommands and flags of each command.
void Collect(const CLI::App* app, const std::string& path,
             std::map<std::string, std::string>* out) {
  std::string words;
  for (const CLI::App* sub : app->get_subcommands({})) {
    words += sub->get_name() + " ";
    Collect(sub, path.empty() ? sub->get_name() : path + " " + sub->get_name(), out);
  }
  for (const CLI::Option* opt : app->get_options()) {
    for (const std::string& name : opt->get_lnames()) words += "--" + name + " ";
  }
  (*out)[path] = words;
}

int Run(const CLI::App* root, const std::string& shell) {
  std::map<std::string, std::string> table;
  Collect(root, "", &table);
  std::string script;
  if (shell == "zsh") script += "autoload -U +X bashcompinit && bashcompinit\n";
  script += "_semble() {\n  local cur path w\n  cur=\"${COMP_WORDS[COMP_CWORD]}\"\n  path=\"\"\n";
  // The command path is the leading words that name commands.
  script +=
      "  for ((i = 1; i < COMP_CWORD; i++)); do\n    w=\"${COMP_WORDS[i]}\"\n"
      "    [[ $w == -* ]] && continue\n"
      "    case \"${path:+$path }$w\" in\n";
  for (const auto& [path, words] : table) {
    if (!path.empty()) script += "      \"" + path + "\") path=\"" + path + "\" ;;\n";
  }
  script += "    esac\n  done\n  case \"$path\" in\n";
  for (const auto& [path, words] : table) {
    script += "    \"" + path + "\") COMPREPLY=($(compgen -W \"" + words + "\" -- \"$cur\")) ;;\n";
  }
  script += "  esac\n}\ncomplete -o default -F _semble semble\n";
  std::fputs(script.c_str(), stdout);
  return kExitOk;
}

}  // namespace

CLI::App* AddCompletionCommand(CLI::App* app, Context* ctx) {
  auto shell = std::make_shared<std::string>("bash");
  CLI::App* verb = app->add_subcommand(
      "completion", "Print a shell completion script: source <(semble completion bash)");
  verb->add_option("shell", *shell, "bash or zsh")->check(CLI::IsMember({"bash", "zsh"}));
  verb->callback([app, ctx, shell] { ctx->action = [app, shell] { return Run(app, *shell); }; });
  return verb;
}

}  // namespace semble::cli
