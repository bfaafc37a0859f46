@testable import ClinicFlowStore
import ClinicFlowTestSupport
import FluentKit
import Foundation
import NIOCore
import SQLKit
import SQLiteKit
import Synchronization
import Testing

/// ClinicFlow's own SQLite connection (statements run on its event loop, prepared once): values
/// survive the statement cache, errors are clear, transactions are atomic and have the connection
/// to themselves, and a job's transaction runs on the connection's loop.
@Suite struct DirectSQLiteTests {
    @Test func valuesRoundTripExactlyThroughReusedStatements() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            let sql = store.sql()
            try await sql.raw("CREATE TABLE sample (id INTEGER PRIMARY KEY, t TEXT, b BLOB, i INTEGER, r REAL)").run()
            let rows: [(String?, [UInt8]?, Int?, Double?)] = [
                ("", [], 0, 0), ("héllo ✓ \"quoted\" 'x'", [0, 1, 2, 255], -42, 1.5), (nil, nil, nil, nil), ("second", [9], Int.max, -0.25),
            ]
            for (index, row) in rows.enumerated() {
                // The same statement text each time: the second and later runs reuse the prepared statement.
                try await sql.insert(into: "sample").columns("id", "t", "b", "i", "r")
                    .values(SQLBind(index), SQLBind(row.0), SQLBind(row.1.map { Data($0) }), SQLBind(row.2), SQLBind(row.3)).run()
            }
            for (index, row) in rows.enumerated() {
                let read = try #require(try await sql.select().columns("t", "b", "i", "r").from("sample").where("id", .equal, SQLBind(index)).first())
                #expect(try read.decodeNil(column: "t") == (row.0 == nil), "an empty string is text, not NULL")
                #expect(try read.decode(column: "t", as: String?.self) == row.0)
                #expect(try read.decode(column: "b", as: Data?.self).map { [UInt8]($0) } == row.1)
                #expect(try read.decode(column: "i", as: Int?.self) == row.2)
                #expect(try read.decode(column: "r", as: Double?.self) == row.3)
            }
        }
    }

    @Test func aFailingStatementIsAClearErrorAndItsTransactionLeavesNothing() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            try await store.sql().raw("CREATE TABLE unique_names (name TEXT UNIQUE NOT NULL)").run()
            try await store.sql().raw("INSERT INTO unique_names (name) VALUES ('taken')").run()
            do {
                try await store.db.withTransaction { transaction in
                    try await transaction.sql.raw("INSERT INTO unique_names (name) VALUES ('fresh')").run()
                    try await transaction.sql.raw("INSERT INTO unique_names (name) VALUES ('taken')").run()
                }
                Issue.record("a duplicate was accepted")
            } catch let error as SQLiteFailure {
                #expect(error.isConstraintFailure)
                #expect(error.description.contains("UNIQUE constraint failed: unique_names.name"), "\(error)")
            }
            let names = try await store.sql().raw("SELECT name FROM unique_names").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(names == ["taken"], "the transaction's first insert was rolled back too")

            await #expect(throws: SQLiteFailure.self) { try await store.sql().raw("SELEKT 1").run() }
            #expect(try await store.sql().raw("SELECT 1 AS one").first()?.decode(column: "one", as: Int.self) == 1, "the connection still works")
        }
    }

    @Test func aTransactionHasTheConnectionToItselfUntilItEnds() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            try await store.sql().raw("CREATE TABLE arrivals (n INTEGER PRIMARY KEY AUTOINCREMENT, who TEXT NOT NULL)").run()
            let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)
            async let transaction: Void = store.db.withTransaction { transaction in
                try await transaction.sql.raw("INSERT INTO arrivals (who) VALUES ('first')").run()
                startedSignal.yield()
                try await Task.sleep(for: .milliseconds(200))
                try await transaction.sql.raw("INSERT INTO arrivals (who) VALUES ('second')").run()
            }
            for await _ in started { break }
            // Issued while the transaction is open: it waits, rather than slipping into it.
            try await store.sql().raw("INSERT INTO arrivals (who) VALUES ('outsider')").run()
            try await transaction
            let order = try await store.sql().raw("SELECT who FROM arrivals ORDER BY n").all().map { try $0.decode(column: "who", as: String.self) }
            #expect(order == ["first", "second", "outsider"])
        }
    }

    @Test func waitingTooLongForTheConnectionFailsWithTheReason() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("cf-direct-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: directory) }
        let store = try await Store.open(
            StoreConfiguration(location: .sqlite(path: directory.appendingPathComponent("wait.sqlite").path), connectionWait: 0.2), logger: .quiet
        )
        let (started, startedSignal) = AsyncStream.makeStream(of: Void.self)
        let (finish, finishSignal) = AsyncStream.makeStream(of: Void.self)
        async let holder: Void = store.db.withTransaction { transaction in
            try await transaction.sql.raw("SELECT 1").run()
            startedSignal.yield()
            for await _ in finish { break }
        }
        for await _ in started { break }
        await #expect(throws: StoreError.connectionWaitTimedOut(seconds: 0.2)) { try await store.sql().raw("SELECT 1").run() }
        finishSignal.yield()
        try await holder
        #expect(try await store.sql().raw("SELECT 2 AS two").first()?.decode(column: "two", as: Int.self) == 2)
        let connection = try #require((store.db as? DirectSQLiteDatabase)?.connection)
        await store.shutdown()
        await #expect(throws: StoreError.closed) { try await connection.exclusively { try $0.run("SELECT 1", []) }.get() }
        await #expect(throws: StoreError.closed) { try await connection.acquire().get() }
    }

    @Test func aJobsTransactionRunsOnTheConnectionsLoop() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            let connection = try #require((store.db as? DirectSQLiteDatabase)?.connection)
            let executor = try #require(store.preferredExecutor)
            // As JobWorker runs jobs: preferring the connection's loop. Fluent's own `transaction`
            // would run the body in a new task on Swift's global pool, a thread switch per statement.
            let onLoop = try await Task(executorPreference: executor) {
                try await store.db.withTransaction { transaction in
                    var everyTime = connection.loop.inEventLoop
                    for _ in 0..<3 {
                        try await transaction.sql.raw("SELECT 1").run()
                        everyTime = everyTime && connection.loop.inEventLoop
                    }
                    return everyTime
                }
            }.value
            #expect(onLoop)
        }
    }

    @Test func hotStatementsArePreparedOnce() async throws {
        try await withTestStore(.sqlite) { store, _ in
            let connection = try #require((store.db as? DirectSQLiteDatabase)?.connection)
            let leads = LeadRepository(store: store)
            // (Statements cached while migrating were prepared again after the schema changed.)
            let before = try await connection.repreparations().get()
            let queue = JobQueue(store: store)
            let (channels, conversations) = (ChannelRepository(store: store, secretBox: SecretBox(key: [UInt8](repeating: 7, count: 32))), ConversationRepository(store: store))
            for round in 0..<3 {
                let (contactID, clinicID) = (UUID(), UUID())
                _ = try await leads.openLead(contactID: contactID)
                _ = try await leads.openCounts(owners: [UUID()])
                _ = try await queue.lease(limit: 3 + round, for: 30, workerID: "prepared-once")
                // Equalities on indexed columns with ORDER BY, run once per lead by the pipeline.
                _ = try await leads.leads(contactID: contactID, clinicID: clinicID)
                _ = try await conversations.recentInboundTexts(contactID: contactID, clinicID: clinicID)
                _ = try await channels.list(clinicID: clinicID)
                _ = try await PipelineRepository(store: store).pipeline(clinicID: clinicID)
            }
            // SQLite plans with some bound values (a status a partial index depends on, a LIMIT, an
            // equality before ORDER BY) and then prepares the statement again whenever they are bound
            // anew, unless the connection asks for plans that do not depend on them.
            #expect(try await connection.repreparations().get() == before)
        }
    }

    @Test func aStatementsColumnsAreReadAgainAfterASchemaChange() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            let sql = store.sql()
            try await sql.raw("CREATE TABLE grows (a TEXT)").run()
            try await sql.raw("INSERT INTO grows (a) VALUES ('first')").run()
            // The same text twice, prepared once: its column names are kept with the statement.
            for _ in 0..<2 {
                let row = try #require(try await sql.raw("SELECT * FROM grows").first())
                #expect(row.allColumns == ["a"])
            }
            try await sql.raw("ALTER TABLE grows ADD COLUMN b TEXT").run()
            try await sql.raw("UPDATE grows SET b = 'second'").run()
            // SQLite prepares the kept statement again at its first step; the columns follow.
            let row = try #require(try await sql.raw("SELECT * FROM grows").first())
            #expect(row.allColumns == ["a", "b"])
            #expect(try row.decode(column: "b", as: String.self) == "second")
        }
    }

    @Test func fluentsOwnTransactionAndConnectionCallsWorkToo() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            try await store.sql().raw("CREATE TABLE notes (text TEXT NOT NULL)").run()
            // Fluent's `transaction` (its migrator uses it) and `withConnection`, not ClinicFlow's `withTransaction`.
            try await store.db.transaction { try await $0.sql.raw("INSERT INTO notes (text) VALUES ('kept')").run() }
            struct Undo: Error {}
            await #expect(throws: Undo.self) {
                try await store.db.transaction { database in
                    try await database.sql.raw("INSERT INTO notes (text) VALUES ('undone')").run()
                    throw Undo()
                }
            }
            let texts = try await store.db.withConnection { database in
                try await database.sql.raw("SELECT text FROM notes").all().map { try $0.decode(column: "text", as: String.self) }
            }
            #expect(texts == ["kept"])
        }
    }
}

/// Ids bound and read by the connection's own fast path are what SQLiteKit's coders would make of them.
@Suite struct DirectSQLiteUUIDTests {
    @Test func idsAreBoundAndReadAsSQLiteKitsCodersDo() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            let sql = store.sql()
            try await sql.create(table: "ids").column("id", type: .text).column("other", type: .text).run()
            let id = UUID()
            let none: UUID? = nil
            try await sql.insert(into: "ids").columns("id", "other").values(SQLBind(id), SQLBind(none)).run()
            try await sql.insert(into: "ids").columns("id", "other").values(SQLBind(UUID?.some(id)), SQLBind(id.uuidString.lowercased())).run()
            let rows = try await sql.select().columns("id", "other").from("ids").all()
            // Stored as SQLiteKit's encoder stores an id: its upper-case text.
            #expect(try SQLiteDataEncoder().encode(id) == .text(id.uuidString))
            #expect(try rows.map { try $0.decode(column: "id", as: String.self) } == [id.uuidString, id.uuidString])
            #expect(try rows.map { try $0.decode(column: "id", as: UUID.self) } == [id, id])
            #expect(try rows.map { try $0.decode(column: "other", as: UUID?.self) } == [nil, id])
            #expect(try rows[1].decode(column: "other", as: UUID.self) == id)
            #expect(throws: (any Error).self) { try rows[0].decode(column: "other", as: UUID.self) }
        }
    }

    /// The types read most skip SQLiteKit's decoder; what they read is what it reads, and what it
    /// refuses is refused.
    @Test func valuesAreReadAsSQLiteKitsDecoderReadsThem() {
        let id = UUID()
        var values: [SQLiteData] = [
            .text(""), .text("x"), .text(id.uuidString), .text(id.uuidString.lowercased()), .text("12"), .text("1.5"), .text("2026-01-01T00:00:00Z"),
            .integer(0), .integer(1), .integer(2), .integer(-5), .integer(Int.max), .float(0), .float(-0.25), .float(1_764_000_000.123_456_7), .null,
            .blob(ByteBuffer(bytes: [1, 2])),
        ]
        var random = SystemRandomNumberGenerator()
        values += (0..<500).map { _ in .float(Double.random(in: -4e9...4e9, using: &random)) }
        for value in values {
            expectSameRead(String.self, value)
            expectSameRead(String?.self, value)
            expectSameRead(UUID.self, value)
            expectSameRead(UUID?.self, value)
            expectSameRead(Int.self, value)
            expectSameRead(Int?.self, value)
            expectSameRead(Bool.self, value)
            expectSameRead(Bool?.self, value)
            expectSameRead(Date.self, value)
            expectSameRead(Date?.self, value)
            expectSameRead(Double.self, value)
            expectSameRead(Double?.self, value)
            expectSameRead(Int64.self, value)
        }
    }

    private func expectSameRead<T: Decodable & Equatable>(_ type: T.Type, _ value: SQLiteData) {
        let ours = Result { try DirectSQLiteValues.decode(T.self, from: value) }
        let theirs = Result { try SQLiteDataDecoder().decode(T.self, from: value) }
        switch (ours, theirs) {
        case (.success(let ours), .success(let theirs)): #expect(ours == theirs, "\(T.self) from \(value)")
        case (.failure, .failure): break
        default: Issue.record("\(T.self) from \(value): ours \(ours), SQLiteKit's \(theirs)")
        }
    }

    /// The types bound most skip SQLiteKit's encoder; what they bind is what it gives.
    @Test func valuesAreBoundAsSQLiteKitsEncoderBindsThem() throws {
        let now = Date(), id = UUID()
        let values: [any Encodable & Sendable] = [
            id, "", "héllo \"x\"", 0, Int.min, Int.max, now, Date(timeIntervalSince1970: -1.25), true, false, Int64(-7), 0.85, -0.0,
            UUID?.some(id), UUID?.none, String?.some("x"), String?.none, Int?.some(3), Int?.none, Date?.some(now), Date?.none,
            Int32(5), Bool?.some(true), Data([1, 2]), ["a", "b"],
        ]
        for value in values {
            #expect(try DirectSQLiteValues.bindable(value) == DirectSQLiteValues.encoder.encode(value), "\(type(of: value))")
        }
    }
}
