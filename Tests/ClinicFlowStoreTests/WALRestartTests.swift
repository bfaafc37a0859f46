@testable import ClinicFlowStore
import Foundation
import SQLiteNIO
import Testing

/// The writing connection checkpoints after a commit only when asked (by the background
/// checkpointer) or past its fallback size (clinicflow_wal_restart.c); a log it has checkpointed is
/// written from its start again by its next transaction, so the log file stops growing.
@Suite struct WALRestartTests {
    /// A writer in WAL mode with the hook, on a database of its own with a `notes` table.
    final class Writer {
        let files: WALWriteBufferingTests.Files
        let restart: WALRestart
        let handle: SQLiteHandle

        init(fallbackFrames: Int) throws {
            files = try WALWriteBufferingTests.Files()
            restart = WALRestart(fallbackFrames: fallbackFrames)
            // No `wal_autocheckpoint` pragma: it would replace the hook.
            handle = try SQLiteHandle(path: files.path("db.sqlite"), busyTimeout: 5, walRestart: restart)
            _ = try handle.run("PRAGMA journal_mode = WAL", [])
            _ = try handle.run("PRAGMA synchronous = NORMAL", [])
            _ = try handle.run("CREATE TABLE notes (n INTEGER PRIMARY KEY, body TEXT NOT NULL)", [])
        }

        deinit { handle.close() }

        /// About 30 frames: 120 rows of 900 bytes, four to a page.
        func writeATransaction(_ number: Int) throws {
            try WALWriteBufferingTests.insertRows(handle, from: number * 1_000, count: 120, bytes: 900)
        }

        func logBytes() throws -> Int {
            try #require(try FileManager.default.attributesOfItem(atPath: files.path("db.sqlite-wal"))[.size] as? Int)
        }
    }

    @Test func askedTheWriterCheckpointsAfterItsNextCommitAndTheLogStartsOver() throws {
        let writer = try Writer(fallbackFrames: 10_000)
        let restart = writer.restart

        try writer.writeATransaction(1)
        let afterFirst = try writer.logBytes()
        #expect(restart.writerCheckpoints == 0, "not asked and far below the fallback")

        restart.request()
        #expect(restart.isRequested)
        try writer.writeATransaction(2)
        #expect(restart.writerCheckpoints == 1)
        #expect(!restart.isRequested, "served")
        let afterSecond = try writer.logBytes()
        #expect(afterSecond > afterFirst, "the second transaction went to the end of the log")

        // Everything was copied, so the third transaction writes from the log's start: no growth.
        try writer.writeATransaction(3)
        #expect(try writer.logBytes() == afterSecond)
        #expect(try WALWriteBufferingTests.rowCount(writer.handle) == 360)
        // The table's creation and three transactions: the checkpointer's cue to look.
        #expect(restart.writerCommits == 4)
    }

    @Test func notAskedTheLogGrowsUntilTheFallbackSize() throws {
        let writer = try Writer(fallbackFrames: 10_000)
        let restart = writer.restart
        var sizes: [Int] = []
        for number in 1...4 {
            try writer.writeATransaction(number)
            sizes.append(try writer.logBytes())
        }
        #expect(sizes == sizes.sorted() && Set(sizes).count == 4, "\(sizes)")
        #expect(restart.writerCheckpoints == 0)
    }

    @Test func pastTheFallbackSizeTheWriterCheckpointsUnasked() throws {
        let writer = try Writer(fallbackFrames: 40)
        let restart = writer.restart
        for number in 1...8 { try writer.writeATransaction(number) }
        #expect(restart.writerCheckpoints >= 2)
        // About 240 frames were committed; the log held at most a fallback's worth and one more commit.
        let frameBytes = 4_096 + 24
        #expect(try writer.logBytes() <= 32 + (40 + 40) * frameBytes)
    }
}
