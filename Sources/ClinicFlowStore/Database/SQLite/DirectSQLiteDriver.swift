import FluentKit
import NIOCore

/// Registers a `DirectSQLiteConnection` with Fluent's `Databases`, so migrations and every
/// repository use it.
struct DirectSQLiteConfiguration: DatabaseConfiguration {
    let connection: DirectSQLiteConnection
    var middleware: [any AnyModelMiddleware] = []

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        DirectSQLiteDriver(connection: connection)
    }
}

struct DirectSQLiteDriver: DatabaseDriver {
    let connection: DirectSQLiteConnection

    func makeDatabase(with context: DatabaseContext) -> any Database {
        DirectSQLiteDatabase(connection: connection, context: context, holdsConnection: false, inTransaction: false)
    }

    func shutdown() {
        _ = connection.close()
    }

    func shutdownAsync() async {
        try? await connection.close().get()
    }
}
