// Copyright 2026 The semble Authors.
//
// semble backup INDEX URL            back up one index into an object store (incremental)
// semble backups URL [INDEX]         list the backups there
// semble restore URL BACKUP [--as NAME]
// BACKUP is a backup id from `semble backups`, or an index name for its newest backup. The URL is
// s3://bucket/prefix (credentials from the AWS_* variables) or file:///path (semble/backup.h).

#include <CLI/CLI.hpp>
#include <cinttypes>
#include <cstdio>

#include "cli.h"
#include "core/json_writer.h"
#include "core/time_format.h"
#include "semble/backup.h"
#include "semble/object_store.h"

namespace semble::cli {
namespace {

struct BackupArgs {
  std::string index;
  std::string url;
  std::string backup;
  std::string as;
};

Result<std::unique_ptr<ObjectStore>> OpenTarget(const std::string& url) {
  return OpenObjectStore(url, ObjectStoreOptions::FromEnvironment());
}

void WriteInfo(core::JsonWriter* w, const BackupInfo& b, bool upload) {
  w->BeginObject();
  w->Key("id").String(b.id);
  w->Key("index").String(b.index);
  w->Key("mutation").Uint(b.mutation);
  w->Key("created").String(core::FormatIso8601Millis(b.created_ms));
  w->Key("bytes").Uint(b.bytes);
  w->Key("chunks").Uint(b.chunks);
  if (upload) {
    w->Key("chunksUploaded").Uint(b.chunks_uploaded);
    w->Key("bytesUploaded").Uint(b.bytes_uploaded);
  }
  w->EndObject();
}

// With --url, Database::Backup and Restore say that they are not offered over HTTP.
int RunBackup(const Context& ctx, const BackupArgs& a) {
  auto target = OpenTarget(a.url);
  if (!target.ok()) return Fail(target.status());
  // Reading is enough: with --store this does not take the store over from a running server.
  auto db = OpenDatabase(ctx, /*create=*/false, /*repair=*/false, Access::kRead);
  if (!db.ok()) return Fail(db.status());
  auto info = (*db)->Backup(a.index, target->get());
  if (!info.ok()) return Fail(info.status());
  if (ctx.json) {
    core::JsonWriter w;
    WriteInfo(&w, *info, true);
    PrintJson(w.str());
  } else {
    std::printf("backed up \"%s\" up to mutation %" PRIu64 " as %s: %" PRIu64 " bytes in %" PRIu64
                " chunks, %" PRIu64 " new (%" PRIu64 " bytes uploaded)\n",
                info->index.c_str(), info->mutation, info->id.c_str(), info->bytes, info->chunks,
                info->chunks_uploaded, info->bytes_uploaded);
  }
  return kExitOk;
}

int RunList(const Context& ctx, const BackupArgs& a) {
  auto target = OpenTarget(a.url);
  if (!target.ok()) return Fail(target.status());
  auto list = ListBackups(target->get(), a.index);
  if (!list.ok()) return Fail(list.status());
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginArray();
    for (const BackupInfo& b : *list) WriteInfo(&w, b, false);
    w.EndArray();
    PrintJson(w.str());
  } else {
    for (const BackupInfo& b : *list) {
      std::printf("%s  %s  mutation %" PRIu64 "  %" PRIu64 " bytes\n", b.id.c_str(),
                  core::FormatIso8601Millis(b.created_ms).c_str(), b.mutation, b.bytes);
    }
  }
  return kExitOk;
}

int RunRestore(const Context& ctx, const BackupArgs& a) {
  auto source = OpenTarget(a.url);
  if (!source.ok()) return Fail(source.status());
  std::string id = a.backup;
  if (id.find('/') == std::string::npos) {
    // An index name: its newest backup.
    auto list = ListBackups(source->get(), id);
    if (!list.ok()) return Fail(list.status());
    if (list->empty()) {
      return Fail(Status::NotFound("no backup of index \"" + id + "\" in " + a.url));
    }
    id = list->back().id;
  }
  auto db = OpenDatabase(ctx, /*create=*/true);
  if (!db.ok()) return Fail(db.status());
  auto index = (*db)->Restore(source->get(), id, a.as);
  if (!index.ok()) return Fail(index.status());
  auto info = (*index)->Info();
  if (!info.ok()) return Fail(info.status());
  if (ctx.json) {
    core::JsonWriter w;
    w.BeginObject().Key("index").String((*index)->Describe().name).Key("backup").String(id);
    w.Key("vectorCount").Uint(info->vector_count).EndObject();
    PrintJson(w.str());
  } else {
    std::printf("restored \"%s\" from %s (%" PRIu64 " vectors)\n",
                (*index)->Describe().name.c_str(), id.c_str(),
                static_cast<uint64_t>(info->vector_count));
  }
  return kExitOk;
}

}  // namespace

void AddBackupCommands(CLI::App* app, Context* ctx) {
  auto a = std::make_shared<BackupArgs>();
  CLI::App* backup = app->add_subcommand(
      "backup", "Back up an index into an object store (only new chunks are uploaded)");
  backup->add_option("index", a->index, "Name of the index")->required();
  backup->add_option("url", a->url, "Where: s3://bucket/prefix or file:///path")->required();
  AddJsonFlag(backup, ctx);
  backup->callback([a, ctx] { ctx->action = [a, ctx] { return RunBackup(*ctx, *a); }; });

  auto l = std::make_shared<BackupArgs>();
  CLI::App* list = app->add_subcommand("backups", "List the backups in an object store");
  list->add_option("url", l->url, "s3://bucket/prefix or file:///path")->required();
  list->add_option("index", l->index, "Only this index's backups");
  AddJsonFlag(list, ctx);
  list->callback([l, ctx] { ctx->action = [l, ctx] { return RunList(*ctx, *l); }; });

  auto r = std::make_shared<BackupArgs>();
  CLI::App* restore = app->add_subcommand(
      "restore", "Create an index from a backup (a backup id, or an index name for its newest)");
  restore->add_option("url", r->url, "s3://bucket/prefix or file:///path")->required();
  restore->add_option("backup", r->backup, "Backup id or index name")->required();
  restore->add_option("--as", r->as, "Name of the restored index (default: the original name)");
  AddJsonFlag(restore, ctx);
  restore->callback([r, ctx] { ctx->action = [r, ctx] { return RunRestore(*ctx, *r); }; });
}

}  // namespace semble::cli
