import FluentKit

extension Database {
    /// Runs `body` in a transaction, committed if it returns and rolled back if it throws.
    ///
    /// Use this rather than Fluent's `transaction`: that one runs `body` in a new unstructured task,
    /// which loses the calling task's executor preference. On SQLite, jobs prefer the connection's
    /// own loop (`Store.preferredExecutor`) so their statements run with no thread switch; in a new
    /// task every statement of the transaction went through Swift's global pool and back.
    public func withTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        if let sqlite = self as? DirectSQLiteDatabase {
            return try await sqlite.transactionInPlace(body)
        }
        return try await transaction(body)
    }
}
