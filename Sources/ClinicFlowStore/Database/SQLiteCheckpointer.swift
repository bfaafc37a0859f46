import Foundation
import Logging
import SQLiteNIO
import Synchronization

/// Copies SQLite's write-ahead log back into the database file from a connection of its own, in
/// the background. Left to SQLite, the checkpoint runs inside whichever commit crosses the WAL's
/// size threshold: on the single writing connection, with an fsync, in the middle of a webhook burst.
/// It was the largest part of ingest's p99 and cost about a fifth of its throughput (measured in
/// docs/benchmarks.md). A PASSIVE checkpoint from another connection neither waits for nor blocks the
/// writer.
///
/// Starting the log over is the writer's part: SQLite does it only when a write transaction begins
/// on a log that is all copied, which under a steady load never happens while the writer keeps
/// committing. So once the log is past `restartFrames`, and a round has just copied and synced
/// nearly all of it, the writer is asked (`WALRestart`) to checkpoint after its next commit: it
/// copies only what it committed since, and its next transaction writes the log from the start.
/// Rounds wait while the request is open, so the writer finds the checkpoint lock free. The writer
/// also checkpoints on its own past `writerFallbackPages`, should this fall behind.
///
/// While nothing is written, it looks less and less often (up to `idleInterval`), so an idle clinic's
/// server does not wake twenty times a second for nothing; the first new frames bring it back to its
/// interval.
final class SQLiteCheckpointer: Sendable {
    /// The writing connection's own checkpoint threshold in pages (SQLite's default is 1,000).
    static let writerFallbackPages = 20_000
    /// The longest wait between looks while the log has not changed.
    static let idleInterval = Duration.seconds(1)
    /// A round that copied at most this many frames took little time, so the writer committed
    /// little during it: what it has left to copy before a restart.
    static let restartLag = 512
    /// Rounds run back to back for a restart, each copying what came during the one before.
    static let restartRounds = 3
    /// Ticks a request may stay unserved (the writer has not committed since) before it is taken back.
    static let requestPatience = 20

    private let connection: SQLiteConnection
    /// The writer's side of restarts (read by tests).
    let restart: WALRestart?
    private let restartFrames: Int
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)
    /// Completed checkpoints and the WAL frames the last one left behind (read by tests).
    let stats = Mutex(Stats())

    struct Stats: Sendable, Equatable {
        var runs = 0
        var framesInLog = 0
        var framesCheckpointed = 0
        /// Times the writer was asked to start the log over.
        var restartsRequested = 0
    }

    private init(connection: SQLiteConnection, restart: WALRestart?, restartFrames: Int) {
        self.connection = connection
        self.restart = restart
        self.restartFrames = restartFrames
    }

    static func start(
        path: String, every interval: Duration, restart: WALRestart?, restartFrames: Int,
        busyTimeout: TimeInterval, logger: Logger
    ) async throws -> SQLiteCheckpointer {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await connection.query("PRAGMA busy_timeout = \(Int(busyTimeout * 1000))")
        let checkpointer = SQLiteCheckpointer(connection: connection, restart: restart, restartFrames: restartFrames)
        checkpointer.task.withLock { running in
            running = Task { [checkpointer] in
                var wait = interval
                var unserved = 0
                while !Task.isCancelled {
                    try? await Task.sleep(for: wait)
                    if Task.isCancelled { break }
                    if let restart, restart.isRequested {
                        // The writer has not committed since it was asked; an idle one has no log to restart.
                        unserved += 1
                        if unserved < requestPatience { continue }
                        restart.withdraw()
                    }
                    unserved = 0
                    let before = checkpointer.stats.withLock { $0 }
                    await checkpointer.checkpoint(logger: logger)
                    await checkpointer.askForRestartIfDue(logger: logger)
                    wait = checkpointer.stats.withLock { Self.nextWait(after: wait, base: interval, before: before, now: $0) }
                }
            }
        }
        return checkpointer
    }

    /// After a round: with the log past `restartFrames`, rounds back to back until one copied all it
    /// saw and little of it, then the writer is asked to checkpoint the rest.
    private func askForRestartIfDue(logger: Logger) async {
        guard let restart else { return }
        var previous = stats.withLock { $0 }
        var copied = Int.max
        for round in 0...Self.restartRounds {
            guard previous.framesInLog >= restartFrames else { return }
            if previous.framesCheckpointed == previous.framesInLog, copied <= Self.restartLag || round == Self.restartRounds {
                stats.withLock { $0.restartsRequested += 1 }
                restart.request()
                return
            }
            if round == Self.restartRounds { return }
            await checkpoint(logger: logger)
            let now = stats.withLock { $0 }
            // A smaller log is a new one: the writer started over on its own.
            guard now.framesInLog >= previous.framesInLog else { return }
            copied = now.framesCheckpointed - previous.framesCheckpointed
            previous = now
        }
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
