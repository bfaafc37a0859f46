// A VFS that wraps SQLite's own ("unix") and gathers the writes of each commit to the write-ahead
// log into a few large system calls.
//
// SQLite writes every WAL frame as two `pwrite`s, its 24-byte header and then the page, and a
// commit of the pipeline writes 30 to 150 frames: on the writer's thread those calls were a tenth of
// its time (docs/benchmarks.md, tenth session). Here a WAL file keeps consecutive writes in a buffer
// and hands them to the real file (in writes of up to 124 KiB) when the frame that ends a commit is complete, or
// before anything else touches the file (a read, a sync, a truncate, a size query, a write
// elsewhere, closing). So what another connection can see is unchanged: SQLite publishes a commit to
// other connections only after its last frame is written, and by then the frames are in the file.
// Durability is unchanged too: a sync flushes first, and a crash loses only what was not yet
// committed, as before. Files other than WAL files pass straight through.

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

// SQLite's public VFS objects (sqlite3.h, stable since 3.7): this module does not include SQLite's
// header, which is SQLiteNIO's (see clinicflow_sqlite.h).
typedef int64_t cf_int64;
typedef struct cf_file cf_file;
typedef struct cf_io_methods cf_io_methods;
typedef struct cf_vfs cf_vfs;

struct cf_file { const cf_io_methods *pMethods; };

struct cf_io_methods {
    int iVersion;
    int (*xClose)(cf_file *);
    int (*xRead)(cf_file *, void *, int, cf_int64);
    int (*xWrite)(cf_file *, const void *, int, cf_int64);
    int (*xTruncate)(cf_file *, cf_int64);
    int (*xSync)(cf_file *, int);
    int (*xFileSize)(cf_file *, cf_int64 *);
    int (*xLock)(cf_file *, int);
    int (*xUnlock)(cf_file *, int);
    int (*xCheckReservedLock)(cf_file *, int *);
    int (*xFileControl)(cf_file *, int, void *);
    int (*xSectorSize)(cf_file *);
    int (*xDeviceCharacteristics)(cf_file *);
    int (*xShmMap)(cf_file *, int, int, int, void volatile **);
    int (*xShmLock)(cf_file *, int, int, int);
    void (*xShmBarrier)(cf_file *);
    int (*xShmUnmap)(cf_file *, int);
    int (*xFetch)(cf_file *, cf_int64, int, void **);
    int (*xUnfetch)(cf_file *, cf_int64, void *);
};

typedef void (*cf_syscall_ptr)(void);

struct cf_vfs {
    int iVersion;
    int szOsFile;
    int mxPathname;
    cf_vfs *pNext;
    const char *zName;
    void *pAppData;
    int (*xOpen)(cf_vfs *, const char *, cf_file *, int, int *);
    int (*xDelete)(cf_vfs *, const char *, int);
    int (*xAccess)(cf_vfs *, const char *, int, int *);
    int (*xFullPathname)(cf_vfs *, const char *, int, char *);
    void *(*xDlOpen)(cf_vfs *, const char *);
    void (*xDlError)(cf_vfs *, int, char *);
    void (*(*xDlSym)(cf_vfs *, void *, const char *))(void);
    void (*xDlClose)(cf_vfs *, void *);
    int (*xRandomness)(cf_vfs *, int, char *);
    int (*xSleep)(cf_vfs *, int);
    int (*xCurrentTime)(cf_vfs *, double *);
    int (*xGetLastError)(cf_vfs *, int, char *);
    int (*xCurrentTimeInt64)(cf_vfs *, cf_int64 *);
    int (*xSetSystemCall)(cf_vfs *, const char *, cf_syscall_ptr);
    cf_syscall_ptr (*xGetSystemCall)(cf_vfs *, const char *);
    const char *(*xNextSystemCall)(cf_vfs *, const char *);
};

cf_vfs *sqlite_nio_sqlite3_vfs_find(const char *name);
int sqlite_nio_sqlite3_vfs_register(cf_vfs *vfs, int makeDefault);

#define CF_OK 0
#define CF_ERROR 1
#define CF_NOMEM 7
#define CF_OPEN_WAL 0x00080000
#define CF_WAL_FRAME_HEADER 24
/// Past this a commit's frames go out in more than one write (a commit of the pipeline is about 0.6 MB).
#define CF_WAL_BUFFER_BYTES (2 * 1024 * 1024)
/// The unix VFS writes at most 128 KiB - 1 bytes a call (it masks the length to 17 bits).
#define CF_WRITE_CHUNK_BYTES (124 * 1024)

/// An open file: SQLite's own file object follows it in the same allocation (`real`).
typedef struct {
    cf_file base;
    cf_file *real;
    int isWAL;
    unsigned char *buffer;
    int buffered;
    cf_int64 bufferOffset;
    /// The last write was the header of a frame that ends a commit: its page completes the commit.
    int commitFrameStarted;
} cf_wal_file;

static cf_vfs *cf_real_vfs;
/// WAL writes SQLite made and writes this passed on, on this thread (connections run statements on
/// their caller's thread): for tests.
static _Thread_local int64_t cf_wal_writes_received, cf_wal_writes_issued;
static cf_vfs cf_wal_vfs;
static cf_io_methods cf_wal_methods;

static int cf_write_through(cf_wal_file *file, const unsigned char *data, int amount, cf_int64 offset) {
    for (int done = 0; done < amount; done += CF_WRITE_CHUNK_BYTES) {
        int chunk = amount - done < CF_WRITE_CHUNK_BYTES ? amount - done : CF_WRITE_CHUNK_BYTES;
        int status = file->real->pMethods->xWrite(file->real, data + done, chunk, offset + done);
        cf_wal_writes_issued += 1;
        if (status != CF_OK) return status;
    }
    return CF_OK;
}

static int cf_flush(cf_wal_file *file) {
    if (file->buffered == 0) return CF_OK;
    int status = cf_write_through(file, file->buffer, file->buffered, file->bufferOffset);
    file->buffered = 0;
    return status;
}

static int cf_close(cf_file *f) {
    cf_wal_file *file = (cf_wal_file *)f;
    int flushed = cf_flush(file);
    int closed = file->real->pMethods ? file->real->pMethods->xClose(file->real) : CF_OK;
    free(file->buffer);
    file->buffer = NULL;
    return flushed != CF_OK ? flushed : closed;
}

static int cf_read(cf_file *f, void *data, int amount, cf_int64 offset) {
    cf_wal_file *file = (cf_wal_file *)f;
    int status = cf_flush(file);
    return status != CF_OK ? status : file->real->pMethods->xRead(file->real, data, amount, offset);
}

static int cf_write(cf_file *f, const void *data, int amount, cf_int64 offset) {
    cf_wal_file *file = (cf_wal_file *)f;
    if (!file->isWAL) return file->real->pMethods->xWrite(file->real, data, amount, offset);
    cf_wal_writes_received += 1;
    int endsCommit = file->commitFrameStarted;
    // A frame header holds the page number, then the database size after a commit (0 otherwise).
    file->commitFrameStarted = amount == CF_WAL_FRAME_HEADER && memcmp((const unsigned char *)data + 4, "\0\0\0\0", 4) != 0;
    int contiguous = file->buffered > 0 && offset == file->bufferOffset + file->buffered;
    if (!contiguous || file->buffered + amount > CF_WAL_BUFFER_BYTES) {
        int status = cf_flush(file);
        if (status != CF_OK) return status;
    }
    if (amount > CF_WAL_BUFFER_BYTES) return cf_write_through(file, data, amount, offset);
    if (file->buffer == NULL) {
        file->buffer = malloc(CF_WAL_BUFFER_BYTES);
        if (file->buffer == NULL) return cf_write_through(file, data, amount, offset);
    }
    if (file->buffered == 0) file->bufferOffset = offset;
    memcpy(file->buffer + file->buffered, data, (size_t)amount);
    file->buffered += amount;
    return endsCommit ? cf_flush(file) : CF_OK;
}

static int cf_truncate(cf_file *f, cf_int64 size) {
    cf_wal_file *file = (cf_wal_file *)f;
    int status = cf_flush(file);
    return status != CF_OK ? status : file->real->pMethods->xTruncate(file->real, size);
}

static int cf_sync(cf_file *f, int flags) {
    cf_wal_file *file = (cf_wal_file *)f;
    int status = cf_flush(file);
    return status != CF_OK ? status : file->real->pMethods->xSync(file->real, flags);
}

static int cf_file_size(cf_file *f, cf_int64 *size) {
    cf_wal_file *file = (cf_wal_file *)f;
    int status = cf_flush(file);
    return status != CF_OK ? status : file->real->pMethods->xFileSize(file->real, size);
}

#define CF_REAL(file) (((cf_wal_file *)(file))->real)
static int cf_lock(cf_file *f, int level) { return CF_REAL(f)->pMethods->xLock(CF_REAL(f), level); }
static int cf_unlock(cf_file *f, int level) { return CF_REAL(f)->pMethods->xUnlock(CF_REAL(f), level); }
static int cf_check_reserved_lock(cf_file *f, int *out) { return CF_REAL(f)->pMethods->xCheckReservedLock(CF_REAL(f), out); }
static int cf_file_control(cf_file *f, int op, void *arg) { return CF_REAL(f)->pMethods->xFileControl(CF_REAL(f), op, arg); }
static int cf_sector_size(cf_file *f) { return CF_REAL(f)->pMethods->xSectorSize(CF_REAL(f)); }
static int cf_device_characteristics(cf_file *f) { return CF_REAL(f)->pMethods->xDeviceCharacteristics(CF_REAL(f)); }
static int cf_shm_map(cf_file *f, int page, int size, int extend, void volatile **out) {
    return CF_REAL(f)->pMethods->xShmMap(CF_REAL(f), page, size, extend, out);
}
static int cf_shm_lock(cf_file *f, int offset, int n, int flags) { return CF_REAL(f)->pMethods->xShmLock(CF_REAL(f), offset, n, flags); }
static void cf_shm_barrier(cf_file *f) { CF_REAL(f)->pMethods->xShmBarrier(CF_REAL(f)); }
static int cf_shm_unmap(cf_file *f, int deleteFlag) { return CF_REAL(f)->pMethods->xShmUnmap(CF_REAL(f), deleteFlag); }
static int cf_fetch(cf_file *f, cf_int64 offset, int amount, void **out) { return CF_REAL(f)->pMethods->xFetch(CF_REAL(f), offset, amount, out); }
static int cf_unfetch(cf_file *f, cf_int64 offset, void *p) { return CF_REAL(f)->pMethods->xUnfetch(CF_REAL(f), offset, p); }

static int cf_open(cf_vfs *vfs, const char *name, cf_file *f, int flags, int *outFlags) {
    (void)vfs;
    cf_wal_file *file = (cf_wal_file *)f;
    memset(file, 0, sizeof(*file));
    file->real = (cf_file *)(file + 1);
    file->isWAL = (flags & CF_OPEN_WAL) != 0;
    int status = cf_real_vfs->xOpen(cf_real_vfs, name, file->real, flags, outFlags);
    // SQLite calls xClose even after a failed open when pMethods is set: only then is this file live.
    file->base.pMethods = file->real->pMethods ? &cf_wal_methods : NULL;
    return status;
}

static int cf_register(void) {
    cf_real_vfs = sqlite_nio_sqlite3_vfs_find("unix");
    if (cf_real_vfs == NULL || cf_real_vfs->iVersion < 3) return CF_ERROR;
    cf_wal_vfs = *cf_real_vfs;
    cf_wal_vfs.pNext = NULL;
    cf_wal_vfs.zName = "clinicflow-wal";
    cf_wal_vfs.szOsFile = (int)sizeof(cf_wal_file) + cf_real_vfs->szOsFile;
    cf_wal_vfs.xOpen = cf_open;
    cf_wal_methods = (cf_io_methods){
        3, cf_close, cf_read, cf_write, cf_truncate, cf_sync, cf_file_size, cf_lock, cf_unlock,
        cf_check_reserved_lock, cf_file_control, cf_sector_size, cf_device_characteristics,
        cf_shm_map, cf_shm_lock, cf_shm_barrier, cf_shm_unmap, cf_fetch, cf_unfetch,
    };
    return sqlite_nio_sqlite3_vfs_register(&cf_wal_vfs, 0);
}

#include <pthread.h>
static pthread_once_t cf_once = PTHREAD_ONCE_INIT;
static int cf_registered = CF_ERROR;
static void cf_register_once(void) { cf_registered = cf_register(); }

const char *clinicflow_sqlite_wal_vfs(void) {
    pthread_once(&cf_once, cf_register_once);
    return cf_registered == CF_OK ? "clinicflow-wal" : NULL;
}

void clinicflow_sqlite_wal_vfs_thread_counts(int64_t *received, int64_t *issued) {
    *received = cf_wal_writes_received;
    *issued = cf_wal_writes_issued;
}
