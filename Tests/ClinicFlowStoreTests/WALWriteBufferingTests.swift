@testable import ClinicFlowStore
import ClinicFlowSQLiteC
import Foundation
import SQLiteNIO
import Testing

/// The connection's VFS (clinicflow_wal_vfs.c) hands each commit's WAL frames to the file in a few
/// large writes instead of two per frame; what other connections see and what survives a crash stay
/// as SQLite's own VFS leaves them. The handles here run on the test's thread, where the VFS's
/// write counts are kept.
@Suite struct WALWriteBufferingTests {
    final class Files {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-wal-\(UUID().uuidString)")
        init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: directory) }
        func path(_ name: String) -> String { directory.appendingPathComponent(name).path }

        /// A writer in WAL mode that leaves checkpoints to the test (as the server's checkpointer does).
        func writer(_ name: String = "db.sqlite") throws -> SQLiteHandle {
            let handle = try SQLiteHandle(path: path(name), busyTimeout: 5)
            _ = try handle.run("PRAGMA journal_mode = WAL", [])
            _ = try handle.run("PRAGMA synchronous = NORMAL", [])
            _ = try handle.run("PRAGMA wal_autocheckpoint = 0", [])
            return handle
        }
    }

    static func counts() -> (received: Int64, issued: Int64) {
        var received: Int64 = 0
        var issued: Int64 = 0
        clinicflow_sqlite_wal_vfs_thread_counts(&received, &issued)
        return (received, issued)
    }

    static func insertRows(_ handle: SQLiteHandle, from first: Int, count: Int, bytes: Int) throws {
        _ = try handle.run("BEGIN", [])
        for n in first..<(first + count) {
            _ = try handle.run("INSERT INTO notes (n, body) VALUES (?1, ?2)", [.integer(n), .text(String(repeating: "é\(n % 10)", count: bytes / 3))])
        }
        _ = try handle.run("COMMIT", [])
    }

    static func rowCount(_ handle: SQLiteHandle) throws -> Int {
        guard case .integer(let count) = try handle.run("SELECT COUNT(*) FROM notes", []).rows.first?.first else { return -1 }
        return count
    }

    @Test func theConnectionUsesTheBufferingVFS() {
        #expect(clinicflow_sqlite_wal_vfs().map { String(cString: $0) } == "clinicflow-wal")
    }

    @Test func aCommitsFramesReachTheFileInAFewWritesAndAnotherConnectionSeesThem() throws {
        let files = try Files()
        let writer = try files.writer()
        _ = try writer.run("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)", [])
        let reader = try SQLiteHandle(path: files.path("db.sqlite"), busyTimeout: 5)
        #expect(try Self.rowCount(reader) == 0)

        let before = Self.counts()
        try Self.insertRows(writer, from: 0, count: 240, bytes: 900)  // about 60 pages
        let after = Self.counts()
        let received = after.received - before.received
        let issued = after.issued - before.issued
        // SQLite writes each frame as a header and a page: 2 writes a frame, about 120 here.
        #expect(received >= 110, "\(received) writes asked for")
        // About 250 KB of frames: writes of at most 124 KiB.
        #expect(issued >= 1 && issued <= 3, "\(issued) writes made for \(received) asked")

        // Committed means in the file: a second connection, with a buffer of its own, reads it all.
        #expect(try Self.rowCount(reader) == 240)
        let sample = try reader.run("SELECT body FROM notes WHERE n = 137", []).rows.first?.first
        #expect(sample == .text(String(repeating: "é7", count: 300)))
    }

    @Test func aTransactionBiggerThanTheBufferAndSpilledPagesReadBackIntact() throws {
        let files = try Files()
        let writer = try files.writer()
        // A small page cache makes SQLite spill pages into the log mid-transaction and read them back.
        _ = try writer.run("PRAGMA cache_size = 20", [])
        _ = try writer.run("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)", [])
        _ = try writer.run("CREATE INDEX notes_body ON notes (body)", [])
        try Self.insertRows(writer, from: 0, count: 3000, bytes: 1500)  // over 4 MB of frames, twice the buffer
        // An update that revisits spilled pages in the same transaction, then its rollback.
        _ = try writer.run("BEGIN", [])
        _ = try writer.run("UPDATE notes SET body = 'rewritten' || n", [])
        #expect(try Self.rowCount(writer) == 3000)
        _ = try writer.run("ROLLBACK", [])

        let reader = try SQLiteHandle(path: files.path("db.sqlite"), busyTimeout: 5)
        #expect(try Self.rowCount(reader) == 3000)
        #expect(try reader.run("SELECT COUNT(*) FROM notes WHERE body LIKE 'rewritten%'", []).rows.first?.first == .integer(0))
        #expect(try reader.run("PRAGMA integrity_check", []).rows.first?.first == .text("ok"))
        #expect(try writer.run("PRAGMA integrity_check", []).rows.first?.first == .text("ok"))
    }

    @Test func whatACrashLeavesHoldsEveryCommitAndNothingElse() throws {
        let files = try Files()
        let writer = try files.writer()
        _ = try writer.run("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)", [])
        try Self.insertRows(writer, from: 0, count: 300, bytes: 700)
        try Self.insertRows(writer, from: 300, count: 5, bytes: 100)
        // A transaction in progress, big enough to spill: its frames may be in the log, uncommitted.
        _ = try writer.run("PRAGMA cache_size = 10", [])
        _ = try writer.run("BEGIN", [])
        for n in 1000..<1400 { _ = try writer.run("INSERT INTO notes (n, body) VALUES (?1, 'uncommitted')", [.integer(n)]) }

        // The files as a `kill -9` at this moment would leave them: copied while the writer is open.
        for suffix in ["", "-wal"] {
            try FileManager.default.copyItem(atPath: files.path("db.sqlite") + suffix, toPath: files.path("crashed.sqlite") + suffix)
        }
        _ = try writer.run("ROLLBACK", [])
        let recovered = try SQLiteHandle(path: files.path("crashed.sqlite"), busyTimeout: 5)
        #expect(try Self.rowCount(recovered) == 305)
        #expect(try recovered.run("SELECT COUNT(*) FROM notes WHERE body = 'uncommitted'", []).rows.first?.first == .integer(0))
        #expect(try recovered.run("PRAGMA integrity_check", []).rows.first?.first == .text("ok"))
    }
}
