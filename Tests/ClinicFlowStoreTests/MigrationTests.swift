import ClinicFlowStore
import ClinicFlowTestSupport
import SQLKit
import Testing

@Suite struct MigrationTests {
    @Test(arguments: TestDatabase.available)
    func migrationsCreateRevertAndRecreateTheSchema(database: TestDatabase) async throws {
        try await withTestStore(database, migrate: false) { store, _ in
            let all = [
                "001-create-events", "002-create-jobs", "003-create-clinics", "004-create-channels", "005-create-deliveries",
                "006-create-access", "007-create-contacts", "008-create-leads", "009-create-conversations",
                "010-create-scoring-and-assignment", "011-create-assistant-and-outbox", "012-create-scheduling-and-sync",
                "013-enqueue-normalisation-on-sqlite", "014-index-messages-by-contact", "015-notify-changes-on-postgres",
                "016-index-reads-by-contact",
            ]
            #expect(try await store.pendingMigrations() == all)

            try await store.migrate()
            #expect(try await store.pendingMigrations().isEmpty)
            #expect(try await tableExists("events", in: store))
            #expect(try await tableExists("jobs", in: store))
            #expect(try await tableExists("deliveries", in: store))

            // Running migrate again (every `serve` does) changes nothing and does not fail.
            try await store.migrate()

            try await store.revertAll()
            #expect(try await !tableExists("events", in: store))
            #expect(try await !tableExists("jobs", in: store))
            #expect(try await store.pendingMigrations() == all)

            try await store.migrate()
            #expect(try await tableExists("jobs", in: store))
        }
    }

    @Test func sqliteRunsInWALModeInAFileItCreates() async throws {
        try await withTestStore(.sqlite) { store, location in
            let mode = try await store.sql().raw("PRAGMA journal_mode").first(decodingColumn: "journal_mode", as: String.self)
            #expect(mode == "wal")
            guard case .sqlite(let path) = location.location else { Issue.record("not sqlite"); return }
            #expect(FileManager.default.fileExists(atPath: path))
        }
    }

    /// Scoring reads a person's latest texts for every inbound message: an index seek, not a scan
    /// of every message the clinic ever had.
    @Test func aContactsLatestMessagesAreReadThroughAnIndex() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let plan = try await store.sql().raw("""
                EXPLAIN QUERY PLAN SELECT body FROM messages WHERE contact_id = 'c' AND clinic_id = 'k' AND direction = 'inbound'
                AND body IS NOT NULL ORDER BY sent_at DESC LIMIT 5
                """).all().map { try $0.decode(column: "detail", as: String.self) }
            #expect(plan.contains { $0.contains("USING INDEX messages_contact_sent") }, "\(plan)")
            #expect(!plan.contains { $0.contains("TEMP B-TREE") }, "sorted by the index, not afterwards: \(plan)")
        }
    }

    /// What the contact page, timeline, export, merges and recalls read for one person: each a seek,
    /// not a walk through every conversation, contact or appointment of the clinic.
    @Test func oneContactsConversationsMergesAndAppointmentsAreReadThroughIndexes() async throws {
        try await withTestStore(.sqlite) { store, _ in
            func plan(_ query: SQLQueryString) async throws -> [String] {
                try await store.sql().raw("EXPLAIN QUERY PLAN \(query)").all().map { try $0.decode(column: "detail", as: String.self) }
            }
            let conversations = try await plan("""
                SELECT id FROM conversations WHERE clinic_id = 'k' AND contact_id = 'c'
                """)
            #expect(conversations.contains { $0.contains("USING INDEX conversations_contact (contact_id=?)") }, "\(conversations)")
            let merged = try await plan("SELECT id FROM contacts WHERE merged_into = 'c'")
            #expect(merged.contains { $0.contains("USING INDEX contacts_merged_into (merged_into=?)") }, "\(merged)")
            let upcoming = try await plan("""
                SELECT id FROM appointments WHERE contact_id = 'c' AND starts_at > 0 AND status IN ('booked', 'confirmed') ORDER BY starts_at
                """)
            #expect(upcoming.contains { $0.contains("USING INDEX appointments_contact (contact_id=? AND starts_at>?)") }, "\(upcoming)")
        }
    }

    /// Replicas starting together: three processes migrate one fresh database at once; they take
    /// turns, none fails, and the schema is there once.
    @Test(arguments: TestDatabase.available)
    func processesStartingTogetherMigrateInTurn(database: TestDatabase) async throws {
        try await withTestStore(database, migrate: false) { store, location in
            let others = [try await location.openStore(migrate: false), try await location.openStore(migrate: false)]
            let outcomes = await withTaskGroup(of: String?.self) { group in
                for each in [store] + others {
                    group.addTask {
                        do { try await each.migrate(); return nil } catch { return String(reflecting: error) }
                    }
                }
                return await group.reduce(into: [String?]()) { $0.append($1) }
            }
            for other in others { await other.shutdown() }
            #expect(outcomes.compactMap { $0 }.isEmpty, "every process migrates without an error: \(outcomes)")
            #expect(try await store.pendingMigrations().isEmpty)
            let applied = try await store.sql().raw("SELECT COUNT(*) AS n FROM _fluent_migrations").first(decodingColumn: "n", as: Int.self)
            #expect(applied == StoreMigrations.all.count)
        }
    }

    private func tableExists(_ table: String, in store: Store) async throws -> Bool {
        // Selecting from a missing table fails on both databases; that is the portable existence check.
        do {
            _ = try await store.sql().raw("SELECT COUNT(*) AS n FROM \(ident: table)").first()
            return true
        } catch {
            return false
        }
    }
}

import Foundation

@Suite struct TestEnvironmentTests {
    /// CI must exercise PostgreSQL; a CI run without DATABASE_URL would silently test SQLite only.
    @Test func ciRunsTheStoreTestsOnPostgreSQLToo() {
        if ProcessInfo.processInfo.environment["CI"] == "true" {
            #expect(TestDatabase.available == [.sqlite, .postgres], "CI=true but DATABASE_URL is not set")
        } else {
            #expect(TestDatabase.available.first == .sqlite)
        }
    }
}
