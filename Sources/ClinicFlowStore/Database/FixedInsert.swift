import FluentKit
import SQLKit
import Synchronization

/// An insert of several rows in one statement, its text written once per dialect and row count
/// (as `FixedStatement`'s): the rows a transaction holds back (`DeferredInserts`) go in together.
final class FixedInsert: Sendable {
    /// Values per row.
    let columns: Int
    /// Rows per statement at most; more go in several. Keeps the texts few and the binds well
    /// below either database's limit.
    let maxRows: Int
    private let template: @Sendable (any SQLDatabase, [[any SQLExpression]]) -> any SQLExpression
    private let texts = Mutex<[TextKey: String]>([:])

    private struct TextKey: Hashable {
        var dialect: String
        var rows: Int
    }

    /// `template` builds the statement for the rows given, each of `columns` placeholders.
    init(
        columns: Int, maxRows: Int = 64,
        _ template: @escaping @Sendable (_ sql: any SQLDatabase, _ rows: [[any SQLExpression]]) -> any SQLExpression
    ) {
        self.columns = columns
        self.maxRows = maxRows
        self.template = template
    }

    /// The statements writing `rows`, in order, `maxRows` at a time.
    func bind(rows: [[any Encodable & Sendable]], on database: any SQLDatabase) -> [FixedQuery] {
        stride(from: 0, to: rows.count, by: maxRows).map { start in
            let chunk = rows[start..<min(start + maxRows, rows.count)]
            var values: [any Encodable & Sendable] = []
            values.reserveCapacity(chunk.count * columns)
            for row in chunk {
                precondition(row.count == columns, "a row of this insert has \(columns) values, not \(row.count)")
                values.append(contentsOf: row)
            }
            return FixedQuery(database: database, query: FixedStatement.Bound(text: text(rows: chunk.count, on: database), values: values))
        }
    }

    /// Writes `rows`: in one statement when they fit, else in several in one transaction (all or none).
    func run(rows: [[any Encodable & Sendable]], on database: any Database) async throws {
        guard !rows.isEmpty else { return }
        guard rows.count > maxRows else { return try await bind(rows: rows, on: database.sql)[0].run() }
        try await database.withTransaction { transaction in
            for query in self.bind(rows: rows, on: transaction.sql) { try await query.run() }
        }
    }

    /// The text for `rows` rows on `database`'s dialect, written by SQLKit the first time.
    func text(rows: Int, on database: any SQLDatabase) -> String {
        let key = TextKey(dialect: database.dialect.name, rows: rows)
        if let text = texts.withLock({ $0[key] }) { return text }
        let columns = self.columns
        let text = FixedStatement.write(arity: rows * columns, on: database) { placeholders in
            template(database, (0..<rows).map { Array(placeholders[($0 * columns)..<(($0 + 1) * columns)]) })
        }
        texts.withLock { $0[key] = text }
        return text
    }
}
