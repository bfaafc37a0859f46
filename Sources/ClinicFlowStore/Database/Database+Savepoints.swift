import FluentKit
import SQLKit

extension Database {
    /// Runs `body` for each item in one transaction, so that an item that throws is rolled back
    /// alone (returned with its error) and the others commit. An error of the transaction itself
    /// is thrown.
    ///
    /// First all items run together without savepoints: in a savepoint SQLite copies every page an
    /// item changes into the savepoint's journal (5 % of its thread at saturation), a cost paid for
    /// nothing when, as almost always, every item goes through. Only when one throws is that
    /// transaction rolled back and the items run again, each in a savepoint of its own
    /// (`eachInSavepoint`); their work is all in the database, so running it again is safe.
    public func eachInOneTransaction<Item: Sendable>(
        _ items: [Item], _ body: @escaping @Sendable (Item, any Database) async throws -> Void
    ) async throws -> [(item: Item, error: any Error)] {
        do {
            try await withTransaction { transaction in
                for item in items { try await body(item, transaction) }
            }
            return []
        } catch {
            logger.debug("an item of a batch failed; the batch runs again with a savepoint per item", metadata: ["error_type": "\(type(of: error))"])
            return try await withTransaction { transaction in
                try await transaction.eachInSavepoint(items) { try await body($0, transaction) }
            }
        }
    }

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
