import ClinicFlowStore
import Foundation
import Logging

/// The real databases tests run on: SQLite always, PostgreSQL when `DATABASE_URL` is set (CI sets it).
///
/// Every test gets its own database: a fresh SQLite file, or a fresh PostgreSQL schema
/// (`search_path`), so tests run in parallel without seeing each other's rows.
public enum TestDatabase: String, Sendable, CaseIterable, CustomStringConvertible {
    case sqlite
    case postgres

    public static var postgresURL: String? {
        ProcessInfo.processInfo.environment["DATABASE_URL"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The databases available here; parameterised tests run once per entry.
    public static var available: [TestDatabase] {
        postgresURL == nil ? [.sqlite] : [.sqlite, .postgres]
    }

    public var description: String { rawValue }

    /// Creates an empty database and returns where it is.
    public func makeLocation() async throws -> TestLocation {
        switch self {
        case .sqlite:
            let directory = FileManager.default.temporaryDirectory.appendingPathComponent("clinicflow-tests-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
            return TestLocation(
                location: .sqlite(path: directory.appendingPathComponent("test.sqlite").path),
                cleanup: { try? FileManager.default.removeItem(at: directory) }
            )
        case .postgres:
            guard let url = Self.postgresURL else { throw TestSupportError.noPostgres }
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            let admin = try await Store.open(.init(location: .postgres(url: url)), logger: .quiet)
            try await admin.sql().raw("CREATE SCHEMA \(ident: String(schema))").run()
            await admin.shutdown()
            return TestLocation(
                location: .postgres(url: url, searchPath: [String(schema)]),
                cleanup: {
                    guard let admin = try? await Store.open(.init(location: .postgres(url: url)), logger: .quiet) else { return }
                    try? await admin.sql().raw("DROP SCHEMA \(ident: String(schema)) CASCADE").run()
                    await admin.shutdown()
                }
            )
        }
    }
}

/// One test's database; open as many `Store`s on it as the test needs (one per simulated process).
public struct TestLocation: Sendable {
    public let location: DatabaseLocation
    public let cleanup: @Sendable () async -> Void

    /// `configure` changes the store's settings from the tests' defaults.
    public func openStore(migrate: Bool = true, configure: (inout StoreConfiguration) -> Void = { _ in }) async throws -> Store {
        var configuration = StoreConfiguration(location: location, postgresConnectionsPerLoop: 4)
        configure(&configuration)
        let store = try await Store.open(configuration, logger: .quiet)
        if migrate { try await store.migrate() }
        return store
    }
}

public enum TestSupportError: Error {
    case noPostgres
}

/// Runs `body` with a migrated store on a fresh database of `kind`, and removes the database afterwards.
public func withTestStore<T>(
    _ kind: TestDatabase,
    migrate: Bool = true,
    configure: (inout StoreConfiguration) -> Void = { _ in },
    _ body: (Store, TestLocation) async throws -> T
) async throws -> T {
    let location = try await kind.makeLocation()
    let store: Store
    do {
        store = try await location.openStore(migrate: migrate, configure: configure)
    } catch {
        await location.cleanup()
        throw error
    }
    do {
        let result = try await body(store, location)
        await store.shutdown()
        await location.cleanup()
        return result
    } catch {
        await store.shutdown()
        await location.cleanup()
        throw error
    }
}

/// Runs `body` with a migrated store on a PostgreSQL database of its own (not a schema of the shared
/// test database), for tests that must not hear other tests: NOTIFY channels are per database.
public func withOwnPostgresDatabase<T>(_ body: (Store) async throws -> T) async throws -> T {
    guard let url = TestDatabase.postgresURL, var components = URLComponents(string: url) else { throw TestSupportError.noPostgres }
    let name = "cf_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
    let admin = try await Store.open(.init(location: .postgres(url: url)), logger: .quiet)
    try await admin.sql().raw("CREATE DATABASE \(ident: String(name))").run()
    components.path = "/" + name
    func drop() async {
        try? await admin.sql().raw("DROP DATABASE IF EXISTS \(ident: String(name)) WITH (FORCE)").run()
        await admin.shutdown()
    }
    let store: Store
    do {
        store = try await Store.open(.init(location: .postgres(url: components.string ?? url)), logger: .quiet)
        try await store.migrate()
    } catch {
        await drop()
        throw error
    }
    do {
        let result = try await body(store)
        await store.shutdown()
        await drop()
        return result
    } catch {
        await store.shutdown()
        await drop()
        throw error
    }
}

extension Logger {
    /// Tests log only errors, so a failing run's output is readable.
    public static var quiet: Logger {
        var logger = Logger(label: "clinicflow.test")
        logger.logLevel = .error
        return logger
    }
}
