@testable import ClinicFlowStore
import Foundation
import SQLiteNIO
import Testing

/// The writing connection checkpoints after a commit only when asked (by the background
/// checkpointer) or past its fallback size (clinicflow_wal_restart.c); a log it has checkpointed is
/// written from its start again by its next transaction, so the log file stops growing.
@Suite struct WALRestartTests {
    static func writer(_ files: WALWriteBufferingTests.Files, restart: WALRestart) throws -> SQLiteHandle {
        // No `wal_autocheckpoint` pragma: it would replace the hook.
        let handle = try SQLiteHandle(path: files.path("db.sqlite"), busyTimeout: 5, walRestart: restart)
        _ = try handle.run("PRAGMA journal_mode = WAL", [])
        _ = try handle.run("PRAGMA synchronous = NORMAL", [])
        _ = try handle.run("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)", [])
        return handle
    }

    /// About 30 frames: 120 rows of 900 bytes, four to a page.
    static func writeATransaction(_ handle: SQLiteHandle, _ number: Int) throws {
        try WALWriteBufferingTests.insertRows(handle, from: number * 1_000, count: 120, bytes: 900)
    }

    static func logBytes(_ files: WALWriteBufferingTests.Files) throws -> Int {
        try #require(try FileManager.default.attributesOfItem(atPath: files.path("db.sqlite-wal"))[.size] as? Int)
    }

    @Test func askedTheWriterCheckpointsAfterItsNextCommitAndTheLogStartsOver() throws {
        let files = try WALWriteBufferingTests.Files()
        let restart = WALRestart(fallbackFrames: 10_000)
        let handle = try Self.writer(files, restart: restart)
        defer { handle.close() }

        try Self.writeATransaction(handle, 1)
        let afterFirst = try Self.logBytes(files)
        #expect(restart.writerCheckpoints == 0, "not asked and far below the fallback")

        restart.request()
        #expect(restart.isRequested)
        try Self.writeATransaction(handle, 2)
        #expect(restart.writerCheckpoints == 1)
        #expect(!restart.isRequested, "served")
        let afterSecond = try Self.logBytes(files)
        #expect(afterSecond > afterFirst, "the second transaction went to the end of the log")

        // Everything was copied, so the third transaction writes from the log's start: no growth.
        try Self.writeATransaction(handle, 3)
        #expect(try Self.logBytes(files) == afterSecond)
        #expect(try WALWriteBufferingTests.rowCount(handle) == 360)
        // The table's creation and three transactions: the checkpointer's cue to look.
        #expect(restart.writerCommits == 4)
    }

    @Test func notAskedTheLogGrowsUntilTheFallbackSize() throws {
        let files = try WALWriteBufferingTests.Files()
        let restart = WALRestart(fallbackFrames: 10_000)
        let handle = try Self.writer(files, restart: restart)
        defer { handle.close() }
        var sizes: [Int] = []
        for number in 1...4 {
            try Self.writeATransaction(handle, number)
            sizes.append(try Self.logBytes(files))
        }
        #expect(sizes == sizes.sorted() && Set(sizes).count == 4, "\(sizes)")
        #expect(restart.writerCheckpoints == 0)
    }

    @Test func pastTheFallbackSizeTheWriterCheckpointsUnasked() throws {
        let files = try WALWriteBufferingTests.Files()
        let restart = WALRestart(fallbackFrames: 40)
        let handle = try Self.writer(files, restart: restart)
        defer { handle.close() }
        for number in 1...8 { try Self.writeATransaction(handle, number) }
        #expect(restart.writerCheckpoints >= 2)
        // About 240 frames were committed; the log held at most a fallback's worth and one more commit.
        let frameBytes = 4_096 + 24
        #expect(try Self.logBytes(files) <= 32 + (40 + 40) * frameBytes)
    }
}
