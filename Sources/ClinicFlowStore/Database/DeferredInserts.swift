import FluentKit
import SQLKit
import Synchronization

/// Rows a SQLite transaction holds back and writes together: before it commits, or sooner when
/// something must see them (`flush`). Only for rows whose caller does not wait on the outcome
/// (conflicts are ignored), so writing them later changes nothing but the number of statements.
///
/// Rows go in in the order they came, each run of consecutive rows of one insert as one statement
/// (`FixedInsert`), so positions (`events.id`) follow that order as if written one by one.
final class DeferredInserts: Sendable {
    private let rows = Mutex<[Row]>([])

    struct Row: Sendable {
        var insert: FixedInsert
        var values: [any Encodable & Sendable]
    }

    /// What was held back at a savepoint: `restore` it when the savepoint is rolled back.
    struct Mark: Sendable {
        fileprivate var rows: [Row]
    }

    func add(_ values: [any Encodable & Sendable], with insert: FixedInsert) {
        rows.withLock { $0.append(Row(insert: insert, values: values)) }
    }

    var isEmpty: Bool { rows.withLock { $0.isEmpty } }

    /// Writes every row held back, on `database` (the transaction holding them).
    func flush(on database: any SQLDatabase) async throws {
        let pending = rows.withLock { rows in
            defer { rows.removeAll(keepingCapacity: true) }
            return rows
        }
        var start = pending.startIndex
        while start < pending.endIndex {
            let insert = pending[start].insert
            var end = start + 1
            while end < pending.endIndex, pending[end].insert === insert { end += 1 }
            for query in insert.bind(rows: pending[start..<end].map(\.values), on: database) { try await query.run() }
            start = end
        }
    }

    func mark() -> Mark { Mark(rows: rows.withLock { $0 }) }

    /// After a rollback to the savepoint `mark` was taken at: what was held back then is held back
    /// again (a flush inside the savepoint wrote it, and the rollback undid that), the rest is gone.
    func restore(_ mark: Mark) { rows.withLock { $0 = mark.rows } }
}

extension Database {
    /// The rows this SQLite transaction holds back; nil anywhere else (rows are written at once there).
    var deferredInserts: DeferredInserts? { (self as? DirectSQLiteDatabase)?.deferred }

    /// Writes the rows this transaction holds back, if any: before reading what they change.
    func flushDeferredInserts() async throws {
        guard let deferred = deferredInserts, !deferred.isEmpty else { return }
        try await deferred.flush(on: sql)
    }
}
