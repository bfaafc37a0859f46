@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// The write-ahead log is copied back by the background checkpointer, not inside the writer's commits.
@Suite struct SQLiteCheckpointTests {
    @Test func theBackgroundCheckpointerCopiesTheLogAndTheWriterDoesNot() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let threshold = try await store.sql().raw("PRAGMA wal_autocheckpoint").first(decodingColumn: "wal_autocheckpoint", as: Int.self)
            #expect(threshold == SQLiteCheckpointer.writerFallbackPages, "the writer only checkpoints as a fallback")
            let checkpointer = try #require(store.checkpointer.withLock { $0 })

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
        }
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
            // At the 50 ms interval this would be about forty looks; backed off, a few.
            let idleLooks = checkpointer.stats.withLock { $0.runs } - idleStart
            #expect(idleLooks <= 4, "looked \(idleLooks) times in 2 s with nothing written")

            let before = checkpointer.stats.withLock { $0 }
            try await store.sql().raw("INSERT INTO notes (text) VALUES ('written after a quiet spell')").run()
            var caughtUp = false
            let deadline = ContinuousClock.now + .seconds(10)
            while !caughtUp, ContinuousClock.now < deadline {
                let stats = checkpointer.stats.withLock { $0 }
                caughtUp = stats.runs > before.runs && stats.framesInLog != before.framesInLog && stats.framesCheckpointed == stats.framesInLog
                if !caughtUp { try await Task.sleep(for: .milliseconds(20)) }
            }
            #expect(caughtUp, "\(checkpointer.stats.withLock { $0 })")
        }
    }

    @Test func theWaitDoublesOnlyWhileTheLogStaysTheSame() {
        let base = Duration.milliseconds(50)
        let copied = SQLiteCheckpointer.Stats(runs: 3, framesInLog: 12, framesCheckpointed: 12)
        let same = SQLiteCheckpointer.Stats(runs: 4, framesInLog: 12, framesCheckpointed: 12)
        #expect(SQLiteCheckpointer.nextWait(after: base, base: base, before: copied, now: same) == .milliseconds(100))
        #expect(SQLiteCheckpointer.nextWait(after: .milliseconds(800), base: base, before: copied, now: same) == SQLiteCheckpointer.idleInterval)
        // New frames, or frames left uncopied (a reader held them back), bring it back at once.
        let grown = SQLiteCheckpointer.Stats(runs: 4, framesInLog: 20, framesCheckpointed: 20)
        let behind = SQLiteCheckpointer.Stats(runs: 4, framesInLog: 12, framesCheckpointed: 8)
        #expect(SQLiteCheckpointer.nextWait(after: .seconds(1), base: base, before: copied, now: grown) == base)
        #expect(SQLiteCheckpointer.nextWait(after: .seconds(1), base: base, before: copied, now: behind) == base)
    }
}
