#include "clinicflow_sqlite.h"

int sqlite_nio_sqlite3_bind_text64(sqlite3_stmt *, int, const char *, uint64_t, void (*)(void *), unsigned char);
int sqlite_nio_sqlite3_bind_blob64(sqlite3_stmt *, int, const void *, uint64_t, void (*)(void *));
int sqlite_nio_sqlite3_db_config(sqlite3 *, int, ...);

#define CLINICFLOW_SQLITE_TRANSIENT ((void (*)(void *))-1)
#define CLINICFLOW_SQLITE_UTF8 1
#define CLINICFLOW_SQLITE_DBCONFIG_ENABLE_QPSG 1007

int clinicflow_sqlite_bind_text(sqlite3_stmt *statement, int index, const char *text, int64_t bytes) {
    // A NULL pointer would bind SQL NULL; Swift hands out none for an empty string.
    return sqlite_nio_sqlite3_bind_text64(statement, index, text ? text : "", (uint64_t)bytes, CLINICFLOW_SQLITE_TRANSIENT, CLINICFLOW_SQLITE_UTF8);
}

int clinicflow_sqlite_bind_blob(sqlite3_stmt *statement, int index, const void *bytes, int64_t count) {
    return sqlite_nio_sqlite3_bind_blob64(statement, index, bytes ? bytes : "", (uint64_t)count, CLINICFLOW_SQLITE_TRANSIENT);
}

int clinicflow_sqlite_plan_without_bound_values(sqlite3 *db) {
    return sqlite_nio_sqlite3_db_config(db, CLINICFLOW_SQLITE_DBCONFIG_ENABLE_QPSG, 1, (int *)0);
}

static _Thread_local int64_t clinicflow_identifier_start = -1;

int64_t clinicflow_identifier_start_exchange(int64_t start) {
    int64_t previous = clinicflow_identifier_start;
    clinicflow_identifier_start = start;
    return previous;
}
