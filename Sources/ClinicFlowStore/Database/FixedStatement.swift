import SQLKit
import Synchronization

/// A statement whose text never changes: SQLKit writes it once per dialect, and each run after that
/// only binds its values.
///
/// SQLKit writes every statement anew from its builder's expression tree, and at saturation that
/// was 13 % of SQLite's thread (`docs/benchmarks.md`), most of it a few statements every lead runs
/// many times (an event append about eleven times). The text still comes from SQLKit's builders,
/// written with placeholders in place of the values, so it is the text those builders write.
///
/// Values are bound in the order the template's placeholders appear; `bind` checks their count.
/// A value that may be nil is bound as an optional (NULL), never as a literal, so the text stays one.
final class FixedStatement: Sendable {
    let arity: Int
    private let template: @Sendable (any SQLDatabase, [any SQLExpression]) -> any SQLExpression
    /// Text per dialect name: a process may use SQLite and PostgreSQL (tests do).
    private let texts = Mutex<[String: String]>([:])

    /// `template` builds the statement from `arity` placeholders, in the order values will be bound.
    init(arity: Int, _ template: @escaping @Sendable (_ sql: any SQLDatabase, _ values: [any SQLExpression]) -> any SQLExpression) {
        self.arity = arity
        self.template = template
    }

    /// The statement with `values`, ready to run on `database` (`run`, `all`, `first` as with a builder).
    func bind(_ values: [any Encodable & Sendable], on database: any SQLDatabase) -> FixedQuery {
        precondition(values.count == arity, "a fixed statement has \(arity) values, not \(values.count)")
        return FixedQuery(database: database, query: Bound(text: text(for: database), values: values))
    }

    /// The statement's text on `database`'s dialect, written by SQLKit the first time.
    func text(for database: any SQLDatabase) -> String {
        let dialect = database.dialect.name
        if let text = texts.withLock({ $0[dialect] }) { return text }
        let text = Self.write(arity: arity, on: database) { template(database, $0) }
        texts.withLock { $0[dialect] = text }
        return text
    }

    /// The text `build` writes with `arity` placeholders, checked to bind exactly those.
    static func write(arity: Int, on database: any SQLDatabase, _ build: ([any SQLExpression]) -> any SQLExpression) -> String {
        let placeholders: [any SQLExpression] = (0..<arity).map { _ in SQLBind(0) }
        var serializer = SQLSerializer(database: database)
        build(placeholders).serialize(to: &serializer)
        precondition(serializer.binds.count == arity, "the template binds \(serializer.binds.count) values, not \(arity)")
        return serializer.sql
    }

    /// The text and values of one run: a whole statement, never part of another.
    struct Bound: SQLExpression {
        let text: String
        let values: [any Encodable & Sendable]

        func serialize(to serializer: inout SQLSerializer) {
            precondition(serializer.sql.isEmpty && serializer.binds.isEmpty, "a fixed statement is a whole statement")
            serializer.write(text)
            serializer.binds = values
        }
    }
}

/// What an INSERT, UPDATE or DELETE changed.
struct RowChanges: Sendable, Equatable {
    var count: Int
    /// The rowid of the last row inserted (SQLite), or the `rowIDColumn` of the last row returned.
    var lastInsertedRowID: Int64?
}

extension SQLReturningBuilder {
    /// The statement, with `RETURNING columns` on PostgreSQL only: run it with `FixedQuery.changes`.
    ///
    /// Inside a transaction SQLite gives a statement with `RETURNING` that could fail half-way a
    /// statement journal, a copy of every page it touches; for the inserts and updates every lead
    /// runs (a message, its reply, a job, its completion) that was 2–3 % of SQLite's thread. Where
    /// the returned row only says whether a row was written, SQLite's connection can say so itself.
    func queryReturningOnPostgres(_ columns: String...) -> any SQLExpression {
        queryReturningOnPostgres(columns)
    }

    func queryReturningOnPostgres(_ columns: [String]) -> any SQLExpression {
        database.dialect.name == "postgresql" ? returning(columns.map { SQLColumn($0) as any SQLExpression }).query : query
    }
}

/// A fixed statement with its values, run like a builder's query.
final class FixedQuery: SQLQueryFetcher {
    let database: any SQLDatabase
    let query: any SQLExpression

    init(database: any SQLDatabase, query: any SQLExpression) {
        self.database = database
        self.query = query
    }

    /// Runs a statement written with `queryReturningOnPostgres` and reports the rows it changed: on
    /// SQLite from the connection, on PostgreSQL by the rows it returned (`rowIDColumn` of the last
    /// one as the inserted row's id, when given).
    func changes(rowIDColumn: String? = nil) async throws -> RowChanges {
        if let direct = database as? DirectSQLiteDatabase { return try await direct.changes(of: query) }
        let rows = try await all()
        let rowID = try rowIDColumn.flatMap { column in try rows.last?.decode(column: column, as: Int64.self) }
        return RowChanges(count: rows.count, lastInsertedRowID: rowID)
    }
}
