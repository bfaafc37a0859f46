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
/// It looks when the writer has committed since its last look (the writer's count of commits, an
/// atomic read, is checked each interval), when that look left frames behind, and otherwise once per
/// `idleInterval` (for another process's writes): an idle clinic's server runs no checkpoint twenty
/// times a second, and the first commit after a quiet spell is copied within an interval. Before,
/// the wait doubled while idle, and a burst after a quiet spell wrote up to a second of log before
/// the first look; copying all of it stalled the writer for over 100 ms in the benchmark's first
/// second.
final class SQLiteCheckpointer: Sendable {
    /// The writing connection's own checkpoint threshold in pages (SQLite's default is 1,000).
    static let writerFallbackPages = 20_000
    /// The longest time between looks while the writer commits nothing.
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
    let restart: WALRestart
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

    private init(connection: SQLiteConnection, restart: WALRestart, restartFrames: Int) {
        self.connection = connection
        self.restart = restart
        self.restartFrames = restartFrames
    }

    static func start(
        path: String, every interval: Duration, restart: WALRestart, restartFrames: Int,
        busyTimeout: TimeInterval, logger: Logger
    ) async throws -> SQLiteCheckpointer {
        let connection = try await SQLiteConnection.open(storage: .file(path: path), logger: logger)
        _ = try await connection.query("PRAGMA busy_timeout = \(Int(busyTimeout * 1000))")
        let checkpointer = SQLiteCheckpointer(connection: connection, restart: restart, restartFrames: restartFrames)
        checkpointer.task.withLock { running in
            running = Task { [checkpointer] in
                var unserved = 0
                var lastLook = (commits: -1, at: ContinuousClock.now)
                while !Task.isCancelled {
                    try? await Task.sleep(for: interval)
                    if Task.isCancelled { break }
                    if restart.isRequested {
                        // The writer has not committed since it was asked; an idle one has no log to restart.
                        unserved += 1
                        if unserved < requestPatience { continue }
                        restart.withdraw()
                    }
                    unserved = 0
                    let commits = restart.writerCommits
                    let now = ContinuousClock.now
                    let last = checkpointer.stats.withLock { $0 }
                    guard Self.shouldLook(
                        newCommits: commits != lastLook.commits,
                        leftFramesBehind: last.framesCheckpointed < last.framesInLog,
                        sinceLastLook: now - lastLook.at
                    ) else { continue }
                    lastLook = (commits, now)
                    await checkpointer.checkpoint(logger: logger)
                    await checkpointer.askForRestartIfDue(logger: logger)
                }
            }
        }
        return checkpointer
    }

    /// After a round: with the log past `restartFrames`, rounds back to back until one copied all it
    /// saw and little of it, then the writer is asked to checkpoint the rest.
    private func askForRestartIfDue(logger: Logger) async {
        var last = stats.withLock { $0 }
        var copied = Int.max
        for _ in 0..<Self.restartRounds {
            guard last.framesInLog >= restartFrames else { return }
            if last.framesCheckpointed == last.framesInLog, copied <= Self.restartLag { break }
            await checkpoint(logger: logger)
            let now = stats.withLock { $0 }
            // A smaller log is a new one: the writer started over on its own.
            guard now.framesInLog >= last.framesInLog else { return }
            copied = now.framesCheckpointed - last.framesCheckpointed
            last = now
        }
        guard last.framesInLog >= restartFrames, last.framesCheckpointed == last.framesInLog else { return }
        stats.withLock { $0.restartsRequested += 1 }
        restart.request()
    }

    /// Whether an interval's tick runs a checkpoint: when the writer committed since the last one,
    /// when that one could not copy everything (a reader held frames back), or after `idleInterval`.
    static func shouldLook(newCommits: Bool, leftFramesBehind: Bool, sinceLastLook: Duration) -> Bool {
        newCommits || leftFramesBehind || sinceLastLook >= idleInterval
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
