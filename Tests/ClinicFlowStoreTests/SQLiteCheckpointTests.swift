@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// The write-ahead log is copied back by the background checkpointer, not inside the writer's commits.
@Suite struct SQLiteCheckpointTests {
    @Test func theBackgroundCheckpointerCopiesTheLogAndTheWriterDoesNot() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let checkpointer = try #require(store.checkpointer.withLock { $0 })
            let restart = checkpointer.restart

            try await store.sql().raw("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run()
            for batch in 0..<20 {
                let values = (0..<50).map { "(\(batch * 50 + $0), '\(String(repeating: "x", count: 400))')" }.joined(separator: ", ")
                try await store.sql().raw("INSERT INTO filler (id, text) VALUES \(unsafeRaw: values)").run()
            }
            // Within a few of its ticks the checkpointer has run and copied every frame in the log.
            var caughtUp = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !caughtUp, ContinuousClock.now < deadline {
                let stats = checkpointer.stats.withLock { $0 }
                caughtUp = stats.runs > 0 && stats.framesInLog > 0 && stats.framesCheckpointed == stats.framesInLog
                if !caughtUp { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(caughtUp, "\(checkpointer.stats.withLock { $0 })")
            // A log far below the restart size: the writer was neither asked nor past its fallback.
            #expect(restart.writerCheckpoints == 0)
            #expect(checkpointer.stats.withLock { $0.restartsRequested } == 0)
        }
    }

    /// Past the restart size the writer is asked, after a round that copied nearly all of the log,
    /// to checkpoint after its next commit, and the log file is written from its start again. Each
    /// transaction here is past the (smallest) restart size on its own, so whatever the machine's
    /// speed the checkpointer finds a log to restart.
    @Test func pastTheRestartSizeTheWriterIsAskedToStartTheLogOver() async throws {
        try await withTestStore(.sqlite, migrate: false, configure: { $0.sqliteWALRestartFrames = 16 }) { store, location in
            try await Self.writeUntilTheWriterHasServedThreeRequests(store, location: location)
        }
    }

    private static func writeUntilTheWriterHasServedThreeRequests(_ store: Store, location: TestLocation) async throws {
        let checkpointer = try #require(store.checkpointer.withLock { $0 })
        let restart = checkpointer.restart
        try await store.sql().raw("CREATE TABLE filler (id INTEGER PRIMARY KEY, text TEXT NOT NULL)").run()
        // About 30 frames a commit (four rows a page), committed back to back: at least 200 commits
        // (about 24 MB of log written), so that a log that kept growing would show in the file's size.
        var id = 0
        let deadline = ContinuousClock.now + .seconds(60)
        while restart.writerCheckpoints < 3 || id < 200 * 120, ContinuousClock.now < deadline {
            let first = id
            try await store.db.withTransaction { transaction in
                for row in first..<(first + 120) {
                    try await transaction.sql.raw("INSERT INTO filler (id, text) VALUES (\(bind: row), \(bind: String(repeating: "x", count: 1_000)))").run()
                }
            }
            id += 120
        }
        let stats = checkpointer.stats.withLock { $0 }
        #expect(restart.writerCheckpoints >= 3, "\(stats)")
        #expect(stats.restartsRequested >= restart.writerCheckpoints)
        // Four rows a page: the log file holds far fewer frames than were committed.
        guard case .sqlite(let path) = location.location else { return }
        let logBytes = try #require(try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int)
        #expect(logBytes < id / 4 * 4_096 / 2, "\(logBytes) bytes of log for \(id) rows")
    }
}

extension SQLiteCheckpointTests {
    @Test func anIdleCheckpointerLooksLessOftenAndCatchesUpOnNewWrites() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let checkpointer = try #require(store.checkpointer.withLock { $0 })
            try await store.sql().raw("CREATE TABLE notes (text TEXT NOT NULL)").run()
            // Let it copy the migrations' frames and notice that nothing changes any more.
            try await Task.sleep(for: .seconds(3))
            let idleStart = checkpointer.stats.withLock { $0.runs }
            try await Task.sleep(for: .seconds(2))
            // Looking every 50 ms would be about forty; with no commits to copy, one a second.
            let idleLooks = checkpointer.stats.withLock { $0.runs } - idleStart
            #expect(idleLooks <= 4, "looked \(idleLooks) times in 2 s with nothing written")

            let before = checkpointer.stats.withLock { $0 }
            try await store.sql().raw("INSERT INTO notes (text) VALUES ('written after a quiet spell')").run()
            let written = ContinuousClock.now
            var caughtUp = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !caughtUp, ContinuousClock.now < deadline {
                let stats = checkpointer.stats.withLock { $0 }
                caughtUp = stats.runs > before.runs && stats.framesInLog != before.framesInLog && stats.framesCheckpointed == stats.framesInLog
                if !caughtUp { try await Task.sleep(for: .milliseconds(5)) }
            }
            #expect(caughtUp, "\(checkpointer.stats.withLock { $0 })")
            // The commit is its cue (`shouldLook`): typically copied within an interval (50 ms); the
            // bound leaves room for a loaded machine.
            let took = ContinuousClock.now - written
            #expect(took < SQLiteCheckpointer.idleInterval * 2, "copied \(took) after the write")
        }
    }

    @Test func itLooksOnNewCommitsOnFramesLeftBehindAndOtherwiseOncePerIdleInterval() {
        let soon = Duration.milliseconds(50)
        #expect(SQLiteCheckpointer.shouldLook(newCommits: true, leftFramesBehind: false, sinceLastLook: soon))
        #expect(SQLiteCheckpointer.shouldLook(newCommits: false, leftFramesBehind: true, sinceLastLook: soon))
        #expect(!SQLiteCheckpointer.shouldLook(newCommits: false, leftFramesBehind: false, sinceLastLook: soon))
        #expect(SQLiteCheckpointer.shouldLook(newCommits: false, leftFramesBehind: false, sinceLastLook: SQLiteCheckpointer.idleInterval))
    }
}
