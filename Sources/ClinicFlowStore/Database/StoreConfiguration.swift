import Foundation

/// Where the data lives. SQLite is the embedded default; PostgreSQL is for several processes.
public enum DatabaseLocation: Sendable, Equatable {
    case sqlite(path: String)
    case postgres(url: String, searchPath: [String]? = nil)

    public var kind: DatabaseKind {
        switch self {
        case .sqlite: .sqlite
        case .postgres: .postgres
        }
    }
}

public enum DatabaseKind: String, Sendable, CaseIterable, Codable {
    case sqlite
    case postgres
}

public struct StoreConfiguration: Sendable, Equatable {
    public var location: DatabaseLocation
    /// PostgreSQL connections per event loop; SQLite always uses one connection (see `Store`).
    public var postgresConnectionsPerLoop: Int
    /// How long a query waits for a free connection before failing.
    public var connectionWait: TimeInterval
    /// How long SQLite waits on a lock held by another process (a separate `worker`).
    public var sqliteBusyTimeout: TimeInterval
    /// How often SQLite's write-ahead log is checkpointed in the background (see `SQLiteCheckpointer`).
    public var sqliteCheckpointInterval: TimeInterval
    /// Frames in the write-ahead log (4 KiB each) past which the log is started over (see
    /// `SQLiteCheckpointer`): the log file stays about this large.
    public var sqliteWALRestartFrames: Int

    public init(
        location: DatabaseLocation,
        postgresConnectionsPerLoop: Int = 8,
        connectionWait: TimeInterval = 30,
        sqliteBusyTimeout: TimeInterval = 10,
        sqliteCheckpointInterval: TimeInterval = 0.05,
        sqliteWALRestartFrames: Int = 8_192
    ) {
        self.location = location
        self.postgresConnectionsPerLoop = max(1, postgresConnectionsPerLoop)
        self.connectionWait = connectionWait
        self.sqliteBusyTimeout = sqliteBusyTimeout
        self.sqliteCheckpointInterval = max(0.01, sqliteCheckpointInterval)
        self.sqliteWALRestartFrames = min(max(16, sqliteWALRestartFrames), SQLiteCheckpointer.writerFallbackPages)
    }
}

public enum StoreError: Error, CustomStringConvertible, Equatable {
    /// The URL is deliberately not echoed: it usually carries a password.
    case invalidDatabaseURL(reason: String)
    case cannotCreateDirectory(path: String)
    case cannotLockForMigration(path: String)
    case unexpectedResult(String)
    case closed
    /// Waited this long for the (SQLite) connection, held by someone else all that time.
    case connectionWaitTimedOut(seconds: Double)

    public var description: String {
        switch self {
        case .invalidDatabaseURL(let reason): "DATABASE_URL is not a usable PostgreSQL URL: \(reason)"
        case .cannotCreateDirectory(let path): "cannot create the SQLite directory \(path)"
        case .cannotLockForMigration(let path): "cannot open or lock \(path), which migrations hold so that processes take turns"
        case .unexpectedResult(let what): "unexpected database result: \(what)"
        case .closed: "the database connection is closed"
        case .connectionWaitTimedOut(let seconds): "waited \(seconds) s for the database connection; it stayed in use"
        }
    }
}
