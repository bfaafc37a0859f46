import Foundation
import ClinicFlowSQLiteC
import NIOCore
import SQLiteNIO

/// One open SQLite database, called synchronously. Not thread-safe: `DirectSQLiteConnection` only
/// touches it from its event loop.
///
/// Prepared statements are kept by their SQL text and reused: the pipeline's jobs run the same few
/// dozen statements over and over, and preparing them anew (what SQLiteNIO does) was a tenth of the
/// server's CPU at saturation.
final class SQLiteHandle {
    private var db: OpaquePointer?
    private var statements: [String: Prepared] = [:]
    /// Kept while `db` is open: its hook points at it.
    private let walRestart: WALRestart?

    /// A prepared statement and its result's column names, read once: naming the columns anew
    /// (a string per column and a table of positions) was 2 % of SQLite's thread at saturation.
    private struct Prepared {
        let statement: OpaquePointer
        var columns: SQLiteColumnNames
        /// SQLite's count of automatic re-preparations when `columns` was read: a schema change
        /// re-prepares the statement, and its columns may differ after one.
        var preparedAgain: Int32
    }
    /// Statements built with a variable number of values (batches) would grow the cache without end.
    static let cachedStatementLimit = 256

    /// `walRestart` takes over the writer's checkpoints (SQLite's automatic one is off then).
    init(path: String, busyTimeout: TimeInterval, walRestart: WALRestart? = nil) throws {
        self.walRestart = walRestart
        var db: OpaquePointer?
        let flags = SQLiteOpenFlag.readWrite | SQLiteOpenFlag.create | SQLiteOpenFlag.fullMutex | SQLiteOpenFlag.uri
        let status = sqlite_nio_sqlite3_open_v2(path, &db, flags, clinicflow_sqlite_wal_vfs())
        guard status == SQLiteResult.ok, let db else {
            let message = db.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open the database"
            if let db { sqlite_nio_sqlite3_close_v2(db) }
            throw SQLiteFailure(code: status, message: message)
        }
        self.db = db
        sqlite_nio_sqlite3_busy_timeout(db, Int32(busyTimeout * 1000))
        // Plans must not depend on bound values. Otherwise SQLite marks a statement to be prepared
        // again whenever such a value is bound anew, and it does so for ordinary reads here (an
        // equality on an indexed column with ORDER BY): every run of the channel list, the pipeline
        // stages, a person's lead history or recent messages cost a full prepare. The partial index
        // on open leads is matched through literals instead (`LeadRepository.isOpen`).
        let planned = clinicflow_sqlite_plan_without_bound_values(db)
        guard planned == SQLiteResult.ok else {
            sqlite_nio_sqlite3_close_v2(db)
            throw SQLiteFailure(code: planned, message: "cannot configure the connection")
        }
        walRestart?.install(on: db)
    }

    deinit { close() }

    var isOpen: Bool { db != nil }

    func close() {
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements = [:]
        if let db { sqlite_nio_sqlite3_close_v2(db) }
        db = nil
    }

    /// How often SQLite had to prepare the cached statements again, each time a full prepare. With
    /// plans that ignore bound values (see `init`) only a schema change should cause one.
    var repreparations: Int {
        statements.values.reduce(0) { $0 + Int(sqlite_nio_sqlite3_stmt_status($1.statement, SQLiteStatementCounter.reprepare, 0)) }
    }

    /// Runs one statement to completion and returns its rows.
    func run(_ sql: String, _ binds: [SQLiteData]) throws -> SQLiteResultRows {
        guard let db else { throw SQLiteFailure(code: SQLiteResult.misuse, message: "the connection is closed") }
        var prepared = try self.prepared(sql, on: db)
        let statement = prepared.statement
        defer {
            sqlite_nio_sqlite3_reset(statement)
            sqlite_nio_sqlite3_clear_bindings(statement)
        }
        try bind(binds, to: statement, on: db)
        var rows: [[SQLiteData]] = []
        var first = true
        while true {
            let status = sqlite_nio_sqlite3_step(statement)
            if first {
                // A schema change since the last run makes the first step prepare the statement
                // again, and its columns may have changed with it.
                first = false
                let preparedAgain = sqlite_nio_sqlite3_stmt_status(statement, SQLiteStatementCounter.reprepare, 0)
                if preparedAgain != prepared.preparedAgain {
                    prepared.columns = Self.columns(of: statement)
                    prepared.preparedAgain = preparedAgain
                    statements[sql] = prepared
                }
            }
            if status == SQLiteResult.done { break }
            guard status == SQLiteResult.row else { throw failure(status, on: db) }
            let count = Int32(prepared.columns.names.count)
            rows.append((0..<count).map { value(of: statement, at: $0) })
        }
        return SQLiteResultRows(
            columns: prepared.columns, rows: rows,
            changes: Int(sqlite_nio_sqlite3_changes64(db)), lastInsertedRowID: sqlite_nio_sqlite3_last_insert_rowid(db)
        )
    }

    /// The statement prepared for `sql`, with its result's columns.
    private func prepared(_ sql: String, on db: OpaquePointer) throws -> Prepared {
        if let cached = statements[sql] { return cached }
        var statement: OpaquePointer?
        let status = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, SQLitePrepareFlag.persistent, &statement, nil)
        guard status == SQLiteResult.ok, let statement else { throw failure(status, on: db) }
        if statements.count >= Self.cachedStatementLimit {
            for old in statements.values { sqlite_nio_sqlite3_finalize(old.statement) }
            statements = [:]
        }
        let prepared = Prepared(
            statement: statement, columns: Self.columns(of: statement),
            preparedAgain: sqlite_nio_sqlite3_stmt_status(statement, SQLiteStatementCounter.reprepare, 0)
        )
        statements[sql] = prepared
        return prepared
    }

    private static func columns(of statement: OpaquePointer) -> SQLiteColumnNames {
        let count = sqlite_nio_sqlite3_column_count(statement)
        return SQLiteColumnNames((0..<count).map { sqlite_nio_sqlite3_column_name(statement, $0).map { String(cString: $0) } ?? "" })
    }

    private func bind(_ binds: [SQLiteData], to statement: OpaquePointer, on db: OpaquePointer) throws {
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let status: Int32 = switch value {
            case .integer(let number): sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
            case .float(let number): sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .text(var text):
                text.withUTF8 { clinicflow_sqlite_bind_text(statement, index, $0.baseAddress, Int64($0.count)) }
            case .blob(let buffer):
                buffer.withUnsafeReadableBytes { clinicflow_sqlite_bind_blob(statement, index, $0.baseAddress, Int64($0.count)) }
            case .null: sqlite_nio_sqlite3_bind_null(statement, index)
            }
            guard status == SQLiteResult.ok else { throw failure(status, on: db) }
        }
    }

    private func value(of statement: OpaquePointer, at column: Int32) -> SQLiteData {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLiteColumnType.integer: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
        case SQLiteColumnType.float: return .float(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLiteColumnType.text:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            let bytes = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: bytes), as: UTF8.self))
        case SQLiteColumnType.blob:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            var buffer = ByteBufferAllocator().buffer(capacity: count)
            if let bytes = sqlite_nio_sqlite3_column_blob(statement, column) {
                buffer.writeBytes(UnsafeRawBufferPointer(start: bytes, count: count))
            }
            return .blob(buffer)
        default: return .null
        }
    }

    private func failure(_ status: Int32, on db: OpaquePointer) -> SQLiteFailure {
        SQLiteFailure(code: sqlite_nio_sqlite3_extended_errcode(db), message: String(cString: sqlite_nio_sqlite3_errmsg(db)))
    }
}

/// The rows of one statement, with their column names once.
struct SQLiteResultRows: Sendable {
    let columns: SQLiteColumnNames
    let rows: [[SQLiteData]]
    /// For an INSERT, UPDATE or DELETE: the rows it changed (not counting a trigger's), and the
    /// connection's last inserted rowid (SQLite's `changes()` and `last_insert_rowid()`).
    var changes = 0
    var lastInsertedRowID: Int64 = 0
}

/// Column name → position, shared by every row of a result.
final class SQLiteColumnNames: Sendable {
    let names: [String]
    private let positions: [String: Int]

    init(_ names: [String]) {
        self.names = names
        // The first of two same-named columns wins, as in SQLiteNIO.
        self.positions = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func position(of name: String) -> Int? { positions[name] }
}

/// An error SQLite returned, with its (extended) result code and message.
public struct SQLiteFailure: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let message: String

    public var description: String { "SQLite error \(code): \(message)" }

    /// The primary result code (the low byte of an extended one).
    var primaryCode: Int32 { code & 0xFF }
}

// SQLite's C constants (stable across versions: they are part of its file and API contract).
enum SQLiteResult {
    static let ok: Int32 = 0
    static let misuse: Int32 = 21
    static let constraint: Int32 = 19
    static let row: Int32 = 100
    static let done: Int32 = 101
}

enum SQLiteColumnType {
    static let integer: Int32 = 1
    static let float: Int32 = 2
    static let text: Int32 = 3
    static let blob: Int32 = 4
}

enum SQLiteOpenFlag {
    static let readWrite: Int32 = 0x0000_0002
    static let create: Int32 = 0x0000_0004
    static let uri: Int32 = 0x0000_0040
    static let fullMutex: Int32 = 0x0001_0000
}

enum SQLiteStatementCounter {
    static let reprepare: Int32 = 5
}

enum SQLitePrepareFlag {
    static let persistent: UInt32 = 0x01
}
