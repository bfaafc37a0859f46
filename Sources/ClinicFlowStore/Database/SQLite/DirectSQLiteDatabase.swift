import ClinicFlowDomain
import FluentKit
import Foundation
import FluentSQL
import Logging
import NIOCore
import SQLKit
import SQLiteKit

/// Fluent and SQLKit on a `DirectSQLiteConnection`. Values are encoded and decoded by SQLiteKit's
/// coders, as Fluent's SQLite driver does, so rows written by either read the same.
struct DirectSQLiteDatabase: Database, SQLDatabase {
    let connection: DirectSQLiteConnection
    let context: DatabaseContext
    /// Inside `withConnection`, `withSession` or `transaction`: statements run without taking the connection.
    let holdsConnection: Bool
    let inTransaction: Bool
    /// In a transaction: rows written together before it commits (`DeferredInserts`).
    var deferred: DeferredInserts? = nil

    // MARK: SQLDatabase

    var dialect: any SQLDialect { DirectSQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        let sql: String, binds: [SQLiteData]
        do {
            (sql, binds) = try statement(query)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return throughLoop(sql, binds).map { Self.deliver($0, to: onRow) }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        Self.deliver(try await result(of: query), to: onRow)
    }

    /// Runs an INSERT, UPDATE or DELETE and reports what it changed (`FixedQuery.changes`).
    func changes(of query: any SQLExpression) async throws -> RowChanges {
        let result = try await result(of: query)
        return RowChanges(count: result.changes, lastInsertedRowID: result.lastInsertedRowID)
    }

    /// Jobs run on the connection's loop (`Store.preferredExecutor`), so their statements usually
    /// run here and now with no future in between; others go through the loop as futures.
    private func result(of query: any SQLExpression) async throws -> SQLiteResultRows {
        let (sql, binds) = try statement(query)
        if let result = try connection.runNow(sql, binds, holding: holdsConnection) { return result }
        return try await throughLoop(sql, binds).get()
    }

    /// The statement run on the connection's loop: by this holder, or after whoever holds it now.
    private func throughLoop(_ sql: String, _ binds: [SQLiteData]) -> EventLoopFuture<SQLiteResultRows> {
        holdsConnection ? connection.run(sql, binds) : connection.exclusively { try $0.run(sql, binds) }
    }

    /// The statement's text and values for SQLite.
    private func statement(_ query: any SQLExpression) throws -> (String, [SQLiteData]) {
        let (sql, values) = serialize(query)
        // The statement only: bound values are patient data.
        logger.trace("Executing query", metadata: ["sql": .string(sql)])
        return (sql, try values.map(DirectSQLiteValues.bindable))
    }

    private static func deliver(_ result: SQLiteResultRows, to onRow: @Sendable (any SQLRow) -> Void) {
        for values in result.rows {
            onRow(DirectSQLiteRow(columns: result.columns, values: values))
        }
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await holding { try await closure($0) }
    }

    // MARK: Database

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> Void) -> EventLoopFuture<Void> {
        var converted = SQLQueryConverter(delegate: DirectSQLiteSchemaTypes()).convert(query)
        // Fluent reads the new row's id back from a create (as its SQLite driver does).
        if case .create = query.action, query.customIDKey != .some(.string("")) {
            converted = SQLList([converted, SQLReturning(.init((query.customIDKey ?? .id).description))], separator: SQLRaw(" "))
        }
        return execute(sql: converted) { onOutput(SQLRowOutput(row: $0)) }
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        var schema = schema
        if schema.action == .update {
            // SQLite has no enum types (they are TEXT) and can only add and drop columns.
            schema.updateFields = schema.updateFields.filter {
                if case .dataType(_, .enum) = $0 { return false }
                return true
            }
            guard schema.createConstraints.isEmpty, schema.updateFields.isEmpty, schema.deleteConstraints.isEmpty else {
                return eventLoop.makeFailedFuture(StoreError.unexpectedResult("SQLite cannot change a column's type or constraints"))
            }
            if schema.createFields.isEmpty, schema.deleteFields.isEmpty { return eventLoop.makeSucceededVoidFuture() }
        }
        return execute(sql: SQLSchemaConverter(delegate: DirectSQLiteSchemaTypes()).convert(schema)) { _ in }
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        eventLoop.makeSucceededVoidFuture()
    }

    func withConnection<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        eventLoop.makeFutureWithTask { try await holding { try await closure($0).get() } }
    }

    /// Fluent's entry point (its migrator and its async `transaction` come here). ClinicFlow's own
    /// code uses `withTransaction`, which runs the body without starting a task.
    func transaction<T: Sendable>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        guard !inTransaction else { return closure(self) }
        return eventLoop.makeFutureWithTask { try await transactionInPlace { try await closure($0).get() } }
    }

    /// A transaction run by the calling task, not a new one (see `Database.withTransaction`).
    func transactionInPlace<T>(_ body: (any Database) async throws -> T) async throws -> T {
        guard !inTransaction else { return try await body(self) }
        return try await holding { _ in
            let transaction = DirectSQLiteDatabase(
                connection: connection, context: context, holdsConnection: true, inTransaction: true, deferred: DeferredInserts()
            )
            try await transaction.raw("BEGIN TRANSACTION").run()
            do {
                let result = try await body(transaction)
                try await transaction.flushDeferredInserts()
                try await transaction.raw("COMMIT TRANSACTION").run()
                return result
            } catch {
                // SQLite may have rolled back already (then this fails, harmlessly).
                try? await transaction.raw("ROLLBACK TRANSACTION").run()
                throw error
            }
        }
    }

    /// Runs `body` with a database that holds the connection throughout.
    private func holding<T>(_ body: (DirectSQLiteDatabase) async throws -> T) async throws -> T {
        guard !holdsConnection else { return try await body(self) }
        if !connection.acquireNow() { try await connection.acquire().get() }
        defer { connection.release() }
        return try await body(DirectSQLiteDatabase(connection: connection, context: context, holdsConnection: true, inTransaction: inTransaction, deferred: deferred))
    }
}

/// Column types for Fluent's schema builder on SQLite (migrations): dates as REAL seconds, text as TEXT.
private struct DirectSQLiteSchemaTypes: SQLConverterDelegate {
    func customDataType(_ dataType: DatabaseSchema.DataType) -> (any SQLExpression)? {
        switch dataType {
        case .string, .enum: SQLRaw("TEXT")
        case .datetime: SQLRaw("REAL")
        case .int64: SQLRaw("INTEGER")
        default: nil
        }
    }
}
