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
///
/// While nothing is written, it looks less and less often (up to `idleInterval`), so an idle clinic's
/// server does not wake twenty times a second for nothing; the first new frames bring it back to its
/// interval.
final class SQLiteCheckpointer: Sendable {
    /// The writing connection's own checkpoint threshold in pages (SQLite's default is 1,000).
    static let writerFallbackPages = 20_000
    /// The longest wait between looks while the log has not changed.
    static let idleInterval = Duration.seconds(1)

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
                var wait = interval
                while !Task.isCancelled {
                    try? await Task.sleep(for: wait)
                    if Task.isCancelled { break }
                    let before = checkpointer.stats.withLock { $0 }
                    await checkpointer.checkpoint(logger: logger)
                    wait = checkpointer.stats.withLock { Self.nextWait(after: wait, base: interval, before: before, now: $0) }
                }
            }
        }
        return checkpointer
    }

    /// Twice the last wait (up to `idleInterval`) when this look succeeded and found the log all
    /// copied and unchanged since the last one; the base interval otherwise.
    static func nextWait(after wait: Duration, base: Duration, before: Stats, now: Stats) -> Duration {
        let idle = before.runs > 0 && now.runs > before.runs && now.framesInLog == before.framesInLog && now.framesCheckpointed == now.framesInLog
        return idle ? min(max(wait * 2, base), max(idleInterval, base)) : base
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
