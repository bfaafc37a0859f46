// The part of SQLite's C API ClinicFlow calls directly, for its SQLite connection that runs
// statements on the calling thread (ClinicFlowStore/Database/SQLite).
//
// These are not a second SQLite: they are declarations of the functions of the one copy that
// SQLiteNIO (Fluent's SQLite driver) links in, which exports them with an `sqlite_nio_` prefix.
// One copy matters: SQLite's POSIX file locks are per process, and two copies of the library in one
// process would release each other's locks on close (https://sqlite.org/howtocorrupt.html, 2.2.1).
// The prototypes follow sqlite_nio_sqlite3.h of the pinned sqlite-nio (SQLite 3.53).
#ifndef CLINICFLOW_SQLITE_H
#define CLINICFLOW_SQLITE_H

#include <stdint.h>

typedef struct sqlite3 sqlite3;
typedef struct sqlite3_stmt sqlite3_stmt;

int sqlite_nio_sqlite3_open_v2(const char *filename, sqlite3 **db, int flags, const char *vfs);
int sqlite_nio_sqlite3_close_v2(sqlite3 *db);
const char *sqlite_nio_sqlite3_errmsg(sqlite3 *db);
int sqlite_nio_sqlite3_extended_errcode(sqlite3 *db);
int sqlite_nio_sqlite3_busy_timeout(sqlite3 *db, int ms);
int sqlite_nio_sqlite3_libversion_number(void);

int sqlite_nio_sqlite3_prepare_v3(sqlite3 *db, const char *sql, int bytes, unsigned int flags,
                                  sqlite3_stmt **statement, const char **tail);
int sqlite_nio_sqlite3_step(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_reset(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_clear_bindings(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_finalize(sqlite3_stmt *statement);
int sqlite_nio_sqlite3_stmt_status(sqlite3_stmt *statement, int counter, int reset);
int64_t sqlite_nio_sqlite3_changes64(sqlite3 *db);
int64_t sqlite_nio_sqlite3_last_insert_rowid(sqlite3 *db);

int sqlite_nio_sqlite3_bind_double(sqlite3_stmt *statement, int index, double value);
int sqlite_nio_sqlite3_bind_int64(sqlite3_stmt *statement, int index, int64_t value);
int sqlite_nio_sqlite3_bind_null(sqlite3_stmt *statement, int index);

int sqlite_nio_sqlite3_column_count(sqlite3_stmt *statement);
const char *sqlite_nio_sqlite3_column_name(sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_column_type(sqlite3_stmt *statement, int column);
int64_t sqlite_nio_sqlite3_column_int64(sqlite3_stmt *statement, int column);
double sqlite_nio_sqlite3_column_double(sqlite3_stmt *statement, int column);
const unsigned char *sqlite_nio_sqlite3_column_text(sqlite3_stmt *statement, int column);
const void *sqlite_nio_sqlite3_column_blob(sqlite3_stmt *statement, int column);
int sqlite_nio_sqlite3_column_bytes(sqlite3_stmt *statement, int column);

/// Binds a copy of the text (SQLITE_TRANSIENT), which Swift cannot spell: it is a cast of -1.
int clinicflow_sqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int64_t bytes);
/// Binds a copy of the bytes (SQLITE_TRANSIENT).
int clinicflow_sqlite_bind_blob(sqlite3_stmt *statement, int index, const void *bytes, int64_t count);
/// Turns on the query planner stability guarantee (SQLITE_DBCONFIG_ENABLE_QPSG; the call is
/// variadic, which Swift cannot make): statements are planned without looking at bound values.
int clinicflow_sqlite_plan_without_bound_values(sqlite3 *db);

/// The name of a VFS that wraps SQLite's own and writes each commit's WAL frames in a few large
/// writes (clinicflow_wal_vfs.c), registered on first use; NULL if it could not be (SQLite's own is
/// used then).
const char *clinicflow_sqlite_wal_vfs(void);
/// The WAL writes SQLite asked that VFS for on the calling thread, and the writes it made (for tests).
void clinicflow_sqlite_wal_vfs_thread_counts(int64_t *received, int64_t *issued);

/// Checkpoints by the writing connection itself, after a commit (clinicflow_wal_restart.c): when the
/// background checkpointer asks, so the log starts over at little cost, and past `fallback_frames`
/// frames in the log, as SQLite's automatic checkpoint would (whose hook this replaces).
typedef struct clinicflow_wal_restart clinicflow_wal_restart;
clinicflow_wal_restart *clinicflow_wal_restart_create(int fallback_frames);
/// Only after every connection it was installed on is closed.
void clinicflow_wal_restart_free(clinicflow_wal_restart *restart);
void clinicflow_wal_restart_install(sqlite3 *db, clinicflow_wal_restart *restart);
/// Asks for a checkpoint after the connection's next commit (from any thread).
void clinicflow_wal_restart_request(clinicflow_wal_restart *restart);
/// Takes back a request not yet served; returns whether there was one.
int clinicflow_wal_restart_withdraw(clinicflow_wal_restart *restart);
int clinicflow_wal_restart_is_requested(clinicflow_wal_restart *restart);
/// The checkpoints the writing connection has made, asked for or past the fallback.
int64_t clinicflow_wal_restart_checkpoints(clinicflow_wal_restart *restart);
/// The commits the connection has made (each written to the WAL): the checkpointer's cue to look.
int64_t clinicflow_wal_restart_commits(clinicflow_wal_restart *restart);

/// Where the SQL identifier being written began (UTF-8 offset in the statement's text), kept per
/// thread for DirectSQLiteDialect's quote, which SQLKit calls before and after the name: -1
/// between identifiers. Stores `start` and returns the value it replaces.
int64_t clinicflow_identifier_start_exchange(int64_t start);

#endif
