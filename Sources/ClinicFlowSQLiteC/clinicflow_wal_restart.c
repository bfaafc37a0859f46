// The writing connection's checkpoint after a commit, asked for by the background checkpointer
// (ClinicFlowStore/Database/SQLiteCheckpointer.swift): a WAL restart that costs the writer a few
// milliseconds instead of tens.
//
// SQLite writes a WAL from its beginning again only when a write transaction starts on a log that
// is entirely copied into the database. Under a steady load the background checkpointer never
// gets there (the writer always commits again while it copies), so the log used to grow to the
// fallback size and the writer's own checkpoint then copied thousands of frames and fsynced
// everything since the last restart, stalling it for 25-50 ms every second or so. Asked right
// after a background round that copied and synced nearly everything, the writer copies only what
// it committed since, and its next transaction restarts the log.
#include "clinicflow_sqlite.h"
#include <stdatomic.h>
#include <stdlib.h>

void *sqlite_nio_sqlite3_wal_hook(sqlite3 *, int (*)(void *, sqlite3 *, const char *, int), void *);
int sqlite_nio_sqlite3_wal_checkpoint_v2(sqlite3 *, const char *, int, int *, int *);

#define CLINICFLOW_SQLITE_CHECKPOINT_PASSIVE 0

struct clinicflow_wal_restart {
    atomic_int requested;
    int fallback_frames;
    atomic_llong checkpoints;
    atomic_llong commits;
};

clinicflow_wal_restart *clinicflow_wal_restart_create(int fallback_frames) {
    clinicflow_wal_restart *restart = calloc(1, sizeof *restart);
    if (restart) restart->fallback_frames = fallback_frames;
    return restart;
}

void clinicflow_wal_restart_free(clinicflow_wal_restart *restart) { free(restart); }

// SQLite calls this after each commit, on the committing thread, outside any transaction (its own
// automatic checkpoint is such a hook, which this one replaces).
static int clinicflow_wal_committed(void *argument, sqlite3 *db, const char *name, int frames) {
    clinicflow_wal_restart *restart = argument;
    atomic_fetch_add(&restart->commits, 1);
    int asked = atomic_exchange(&restart->requested, 0);
    if (asked || frames >= restart->fallback_frames) {
        // PASSIVE waits for nobody: if another connection is checkpointing, the next ask comes later.
        if (sqlite_nio_sqlite3_wal_checkpoint_v2(db, name, CLINICFLOW_SQLITE_CHECKPOINT_PASSIVE, 0, 0) == 0) {
            atomic_fetch_add(&restart->checkpoints, 1);
        }
    }
    return 0;
}

void clinicflow_wal_restart_install(sqlite3 *db, clinicflow_wal_restart *restart) {
    sqlite_nio_sqlite3_wal_hook(db, clinicflow_wal_committed, restart);
}

void clinicflow_wal_restart_request(clinicflow_wal_restart *restart) { atomic_store(&restart->requested, 1); }

int clinicflow_wal_restart_withdraw(clinicflow_wal_restart *restart) { return atomic_exchange(&restart->requested, 0); }

int clinicflow_wal_restart_is_requested(clinicflow_wal_restart *restart) { return atomic_load(&restart->requested); }

int64_t clinicflow_wal_restart_checkpoints(clinicflow_wal_restart *restart) { return atomic_load(&restart->checkpoints); }

int64_t clinicflow_wal_restart_commits(clinicflow_wal_restart *restart) { return atomic_load(&restart->commits); }
