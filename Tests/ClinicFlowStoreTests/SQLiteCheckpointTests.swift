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
