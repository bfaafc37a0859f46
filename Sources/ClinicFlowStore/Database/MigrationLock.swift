import FluentKit
import Foundation
import PostgresNIO

#if canImport(Glibc)
import Glibc
#endif

/// Two processes starting at once against one database (two `serve` replicas, or `serve` beside
/// `worker`) would both find the same migrations pending and the second would fail half-way on a
/// table the first just created. `migrate` therefore holds a lock across processes: a PostgreSQL
/// session advisory lock (one per schema, so separate schemas migrate side by side), or on SQLite
/// an exclusive `flock` on a file next to the database.
enum MigrationLock: Sendable {
    case file(String)
    case advisory(Int64)

    /// A stable key for the schema set being migrated (FNV-1a; Swift's `Hasher` is seeded per process).
    static func key(searchPath: [String]?) -> Int64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in "clinicflow.migrate:\((searchPath ?? ["public"]).joined(separator: ","))".utf8 {
            hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3
        }
        return Int64(bitPattern: hash)
    }

    static func openFile(_ path: String) throws -> Int32 {
        let descriptor = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw StoreError.cannotLockForMigration(path: path) }
        return descriptor
    }

    /// True once this process holds the lock; false while another process does.
    static func tryLock(_ descriptor: Int32, path: String) throws -> Bool {
        if flock(descriptor, LOCK_EX | LOCK_NB) == 0 { return true }
        guard errno == EWOULDBLOCK || errno == EINTR else { throw StoreError.cannotLockForMigration(path: path) }
        return false
    }

    static func unlockFile(_ descriptor: Int32) {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}

extension Store {
    func withMigrationLock<T: Sendable>(_ body: () async throws -> T) async throws -> T {
        switch migrationLock {
        case .advisory(let key):
            guard let configuration = postgresConnection else { return try await body() }
            // Session-level, on a connection of its own: the pool's connections come and go between statements.
            let connection = try await PostgresConnection.connect(configuration: configuration, id: 2, logger: logger)
            do {
                try await connection.query("SELECT pg_advisory_lock(\(key))", logger: logger)
                let result = try await body()
                try? await connection.query("SELECT pg_advisory_unlock(\(key))", logger: logger)
                try? await connection.close()
                return result
            } catch {
                // Closing the session releases its lock.
                try? await connection.close()
                throw error
            }
        case .file(let path):
            // Polled rather than blocking: a blocked thread of NIO's pool is one SQLite (the lock holder's
            // included) cannot use, and a blocked concurrency thread is worse.
            let descriptor = try MigrationLock.openFile(path)
            defer { MigrationLock.unlockFile(descriptor) }
            while try !MigrationLock.tryLock(descriptor, path: path) {
                try await Task.sleep(for: .milliseconds(50))
            }
            return try await body()
        }
    }
}
