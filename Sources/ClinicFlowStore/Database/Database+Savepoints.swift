import FluentKit
import SQLKit

extension Database {
    /// Runs `body` for each item inside this transaction, each in a savepoint of its own: an item
    /// that throws is rolled back alone and returned with its error; the others stay. An error of
    /// the savepoint statements themselves (SQLite ended the whole transaction) is thrown.
    ///
    /// Rows the transaction holds back (`DeferredInserts`) are written once for all items, at the
    /// commit; an item rolled back takes its own with it and leaves the others' held back.
    public func eachInSavepoint<Item>(_ items: [Item], _ body: (Item) async throws -> Void) async throws -> [(item: Item, error: any Error)] {
        var failures: [(item: Item, error: any Error)] = []
        for item in items {
            let mark = deferredInserts?.mark()
            try await sql.raw("SAVEPOINT batch_item").run()
            do {
                try await body(item)
                try await sql.raw("RELEASE SAVEPOINT batch_item").run()
            } catch {
                try await sql.raw("ROLLBACK TO SAVEPOINT batch_item").run()
                try await sql.raw("RELEASE SAVEPOINT batch_item").run()
                if let mark { deferredInserts?.restore(mark) }
                failures.append((item, error))
            }
        }
        return failures
    }
}
