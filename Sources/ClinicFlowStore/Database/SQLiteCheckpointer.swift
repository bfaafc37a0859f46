import Foundation
import Logging
import SQLiteNIO
import Synchronization

/// Copies SQLite's write-ahead log back into the database file from a connection of its own, in
/// the background. Left to SQLite, the checkpoint runs inside whichever commit crosses the WAL's
/// size threshold: on the single writing connection, with an fsync, in the middle of a webhook burst.
/// It was the largest part of ingest's p99 and cost about a fifth of its throughput (measured in
/// docs/benchmarks.md). A PASSIVE checkpoint from another connection neither waits for nor blocks the
/// writer; the writer then starts the log over on its next commit.
///
/// The writing connection keeps a high automatic threshold as a safety net, should this fall behind.
final class SQLiteCheckpointer: Sendable {
    /// The writing connection's own checkpoint threshold in pages (SQLite's default is 1,000).
    static let writerFallbackPages = 20_000

    private let connection: SQLiteConnection
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Completed checkpoints and the WAL frames the last one left behind (read by tests).
    let stats = Mutex(Stats())

    struct Stats: Sendable, Equatable {
        var runs = 0
        var framesInLog = 0
        var framesCheckpointed = 0
    }

    private init(connection: SQLiteConnection) {
        self.connection = connection
    }

    static func start(path: String, every interval: Duration, busyTimeout: TimeInterval, logger: Logger) async throws -> SQLiteCheckpointer {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await connection.query("PRAGMA busy_timeout = \(Int(busyTimeout * 1000))")
        let checkpointer = SQLiteCheckpointer(connection: connection)
        checkpointer.task.withLock { running in
            running = Task { [checkpointer] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    await checkpointer.checkpoint(logger: logger)
                }
            }
        }
        return checkpointer
    }

    func checkpoint(logger: Logger) async {
        do {
            let row = try await connection.query("PRAGMA wal_checkpoint(PASSIVE)").first
            let log = row?.column("log")?.integer ?? 0
            let done = row?.column("checkpointed")?.integer ?? 0
            stats.withLock { $0.runs += 1; $0.framesInLog = log; $0.framesCheckpointed = done }
        } catch {
            // A busy database or a checkpoint already running elsewhere: the next tick tries again.
            logger.debug("background WAL checkpoint skipped", metadata: ["error_type": "\(type(of: error))"])
        }
    }

    func stop() async {
        let running = task.withLock { running -> Task<Void, Never>? in
            defer { running = nil }
            return running
        }
        running?.cancel()
        await running?.value
        try? await connection.close()
    }
}
