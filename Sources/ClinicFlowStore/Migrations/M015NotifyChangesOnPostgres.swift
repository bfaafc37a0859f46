import FluentKit
import SQLKit

/// On PostgreSQL, inserting events or jobs NOTIFYs the other processes (their live feeds and idle
/// workers, `ChangeListener`) from statement-level triggers. The code sent a `pg_notify` after each
/// insert itself: a round trip per event, about a dozen per lead now that a lead's intake, scoring and
/// answer share one transaction. PostgreSQL delivers notifications at commit, drops them on rollback
/// and merges identical ones within a transaction, so one wake per transaction and channel remains.
/// A statement that inserted nothing (a duplicate ignored) still notifies: a wake that finds nothing
/// new costs a poll, and polling runs underneath anyway. SQLite has one process and no NOTIFY.
struct M015NotifyChangesOnPostgres: AsyncMigration {
    var name: String { "015-notify-changes-on-postgres" }

    static let tables = [("events", ChangeChannels.events), ("jobs", ChangeChannels.jobs)]

    func prepare(on database: any Database) async throws {
        guard database.sql.dialect.name == "postgresql" else { return }
        for (table, channel) in Self.tables {
            try await database.sql.raw(SQLQueryString("""
                CREATE FUNCTION clinicflow_notify_\(unsafeRaw: table)() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN PERFORM pg_notify('\(unsafeRaw: channel)', ''); RETURN NULL; END $$
                """)).run()
            try await database.sql.raw(SQLQueryString("""
                CREATE TRIGGER \(unsafeRaw: table)_notify AFTER INSERT ON \(unsafeRaw: table)
                FOR EACH STATEMENT EXECUTE FUNCTION clinicflow_notify_\(unsafeRaw: table)()
                """)).run()
        }
    }

    func revert(on database: any Database) async throws {
        guard database.sql.dialect.name == "postgresql" else { return }
        for (table, _) in Self.tables {
            try await database.sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_notify ON \(unsafeRaw: table)").run()
            try await database.sql.raw("DROP FUNCTION IF EXISTS clinicflow_notify_\(unsafeRaw: table)()").run()
        }
    }
}
