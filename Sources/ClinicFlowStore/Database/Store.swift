import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Logging
import NIOCore
import NIOPosix
import SQLKit
import Synchronization

/// The database connection of one process: Fluent on SQLite or PostgreSQL, same models and migrations.
///
/// It is independent of Vapor so `worker` and `migrate` run without an HTTP server.
/// On SQLite there is exactly one connection (`DirectSQLiteConnection`), whose statements run on one
/// event loop: SQLite allows one writer at a time anyway, and a single connection means in-process
/// writers queue for it instead of failing with SQLITE_BUSY. It also keeps per-connection pragmas
/// (busy_timeout, synchronous) in force, since that connection is never closed while the store is open.
public final class Store: Sendable {
    public let kind: DatabaseKind
    public let logger: Logger
    private let databases: Databases
    private let eventLoopGroup: any EventLoopGroup
    /// PostgreSQL: how to open a connection of its own (LISTEN needs one outside the pool).
    public let postgresConnection: PostgresConnection.Configuration?
    /// What `migrate` holds so that processes starting together migrate one after another.
    let migrationLock: MigrationLock
    /// SQLite: checkpoints the WAL in the background (set once, right after opening).
    let checkpointer = Mutex<SQLiteCheckpointer?>(nil)
    /// SQLite: where database-heavy tasks (jobs) should run: the connection's own event loop.
    /// PostgreSQL has a connection per loop, so there is no single loop to prefer.
    public let preferredExecutor: EventLoopTaskExecutor?

    private init(
        kind: DatabaseKind, databases: Databases, eventLoopGroup: any EventLoopGroup, logger: Logger, migrationLock: MigrationLock,
        postgresConnection: PostgresConnection.Configuration? = nil
    ) {
        self.kind = kind
        self.databases = databases
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.migrationLock = migrationLock
        self.postgresConnection = postgresConnection
        self.preferredExecutor = kind == .sqlite ? EventLoopTaskExecutor.shared(for: eventLoopGroup.next()) : nil
    }

    /// Opens (and for SQLite creates) the database and applies connection settings. Does not migrate.
    public static func open(_ configuration: StoreConfiguration, logger: Logger) async throws -> Store {
        let group = MultiThreadedEventLoopGroup.singleton
        let wait = TimeAmount.milliseconds(Int64(configuration.connectionWait * 1000))
        switch configuration.location {
        case .sqlite(let path):
            try createParentDirectory(of: path)
            let loop = DirectSQLiteConnection.loops.next()
            let walRestart = WALRestart(fallbackFrames: SQLiteCheckpointer.writerFallbackPages)
            let connection = try await DirectSQLiteConnection.open(
                path: path, busyTimeout: configuration.sqliteBusyTimeout, walRestart: walRestart, waitLimit: wait, on: loop
            ).get()
            let databases = Databases(threadPool: .singleton, on: loop)
            databases.use(DirectSQLiteConfiguration(connection: connection), as: .sqlite)
            let store = Store(kind: .sqlite, databases: databases, eventLoopGroup: loop, logger: logger, migrationLock: .file(path + ".migrate-lock"))
            do {
                try await store.applySQLitePragmas(busyTimeout: configuration.sqliteBusyTimeout)
                let checkpointer = try await SQLiteCheckpointer.start(
                    path: path, every: .milliseconds(Int64(configuration.sqliteCheckpointInterval * 1000)),
                    restart: walRestart, restartFrames: configuration.sqliteWALRestartFrames,
                    busyTimeout: configuration.sqliteBusyTimeout, logger: logger
                )
                store.checkpointer.withLock { $0 = checkpointer }
            } catch {
                await store.shutdown()
                throw error
            }
            return store
        case .postgres(let url, let searchPath):
            var postgres: SQLPostgresConfiguration
            do {
                postgres = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.invalidDatabaseURL(reason: "expected postgres://user:password@host:port/database[?sslmode=disable]")
            }
            postgres.searchPath = searchPath
            let databases = Databases(threadPool: .singleton, on: group)
            databases.use(
                .postgres(
                    configuration: postgres,
                    maxConnectionsPerEventLoop: configuration.postgresConnectionsPerLoop,
                    connectionPoolTimeout: wait,
                    encodingContext: .default,
                    decodingContext: .default,
                    sqlLogLevel: .trace
                ),
                as: .psql
            )
            return Store(
                kind: .postgres, databases: databases, eventLoopGroup: group, logger: logger,
                migrationLock: .advisory(MigrationLock.key(searchPath: searchPath)), postgresConnection: postgres.coreConfiguration
            )
        }
    }

    /// A Fluent database handle. Pass the logger of the request or job so its correlation id follows.
    public func database(logger: Logger? = nil) -> any Database {
        // Force-unwrap is safe: the configuration is registered in `open` and `database` only
        // returns nil after `shutdown`, which callers must not outlive.
        databases.database(logger: logger ?? self.logger, on: eventLoopGroup.any())!
    }

    public var db: any Database { database() }

    /// SQLKit access for the queries Fluent cannot express (leases, insert-or-ignore).
    public func sql(logger: Logger? = nil) -> any SQLDatabase {
        database(logger: logger).sql
    }

    /// Runs every pending migration; safe to call on each start, also from several processes at once
    /// (they take turns; the later ones find nothing pending). `afterwards` runs under the same lock,
    /// for start-up writes that would race each other too (clinicflow.yml's clinics).
    public func migrate(andThen afterwards: () async throws -> Void = {}) async throws {
        try await withMigrationLock {
            let migrator = makeMigrator()
            try await migrator.setupIfNeeded().get()
            try await migrator.prepareBatch().get()
            try await afterwards()
        }
    }

    /// Reverts every migration batch: for `clinicflow migrate --revert` and tests.
    public func revertAll() async throws {
        let migrator = makeMigrator()
        try await migrator.setupIfNeeded().get()
        try await migrator.revertAllBatches().get()
    }

    /// Names of migrations not yet applied.
    public func pendingMigrations() async throws -> [String] {
        let migrator = makeMigrator()
        try await migrator.setupIfNeeded().get()
        return try await migrator.previewPrepareBatch().get().map { $0.0.name }
    }

    /// A round trip to the database, for `/ready`.
    public func ping() async throws {
        guard let database = databases.database(logger: logger, on: eventLoopGroup.any()) else { throw StoreError.closed }
        _ = try await database.sql.raw("SELECT 1 AS ok").first()
    }

    public func shutdown() async {
        if let checkpointer = checkpointer.withLock({ $0 }) { await checkpointer.stop() }
        await databases.shutdownAsync()
    }

    private func makeMigrator() -> Migrator {
        let migrations = Migrations()
        migrations.add(StoreMigrations.all)
        return Migrator(databases: databases, migrations: migrations, logger: logger, on: eventLoopGroup.any())
    }

    private func applySQLitePragmas(busyTimeout: TimeInterval) async throws {
        let sql = self.sql()
        // WAL lets readers proceed during a write and survives restarts (it is stored in the file).
        _ = try await sql.raw("PRAGMA journal_mode = WAL").all()
        // NORMAL is durable across application crashes in WAL mode; only an OS crash can lose the last commit.
        try await sql.raw("PRAGMA synchronous = NORMAL").run()
        try await sql.raw("PRAGMA foreign_keys = ON").run()
        try await sql.raw("PRAGMA busy_timeout = \(unsafeRaw: String(Int(busyTimeout * 1000)))").run()
        // Savepoints' journals (a batch of deliveries takes a savepoint each) stay in memory; SQLite
        // spills them to a temporary file past 64 KiB otherwise, writes that are thrown away.
        try await sql.raw("PRAGMA temp_store = MEMORY").run()
        // No `wal_autocheckpoint`: checkpoints belong to SQLiteCheckpointer, and the pragma would
        // replace the writer's hook (`WALRestart`), which also keeps a fallback size.
    }

    private static func createParentDirectory(of path: String) throws {
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.cannotCreateDirectory(path: directory)
        }
    }
}
