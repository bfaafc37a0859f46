import FluentKit
import SQLKit

extension Result where Failure == any Error {
    /// The outcome of `body`, for batch handlers that collect one per job.
    static func of(_ body: () async throws -> Success) async -> Self {
        do {
            return .success(try await body())
        } catch {
            return .failure(error)
        }
    }
}

extension Database {
    /// Runs `body` for each item inside this transaction, each in a savepoint of its own: an item
    /// that throws is rolled back alone and returned with its error; the others stay. An error of
    /// the savepoint statements themselves (SQLite ended the whole transaction) is thrown.
    func eachInSavepoint<Item>(_ items: [Item], _ body: (Item) async throws -> Void) async throws -> [(item: Item, error: any Error)] {
        var failures: [(item: Item, error: any Error)] = []
        for item in items {
            try await sql.raw("SAVEPOINT batch_item").run()
            do {
                try await body(item)
                try await sql.raw("RELEASE SAVEPOINT batch_item").run()
            } catch {
                try await sql.raw("ROLLBACK TO SAVEPOINT batch_item").run()
                try await sql.raw("RELEASE SAVEPOINT batch_item").run()
                failures.append((item, error))
            }
        }
        return failures
    }
}
