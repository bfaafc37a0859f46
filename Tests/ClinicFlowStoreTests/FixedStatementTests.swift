@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import Testing

/// A statement written once runs exactly as the builder it was written from, on each database.
@Suite struct FixedStatementTests {
    private static let upsert = FixedStatement(arity: 3) { sql, values in
        sql.insert(into: "fixed_things").columns("key", "note", "at").values(values).ignoringConflicts(with: ["key"]).returning("id").query
    }

    /// The table both tests write: each runs on a database of its own.
    private static func createThings(on sql: any SQLDatabase) async throws {
        try await sql.create(table: "fixed_things")
            .column("id", type: .bigint, .primaryKey(autoIncrement: true))
            .column("key", type: .text, .notNull, .unique)
            .column("note", type: .text)
            .column("at", type: .bigint, .notNull)
            .run()
    }

    @Test(arguments: TestDatabase.available)
    func itsTextIsTheBuildersAndItsValuesAreBoundInOrder(_ database: TestDatabase) async throws {
        try await withTestStore(database, migrate: false) { store, _ in
            let sql = store.sql()
            try await Self.createThings(on: sql)

            // The text SQLKit's builder writes for the same statement with those values.
            let built = sql.serialize(
                sql.insert(into: "fixed_things").columns("key", "note", "at").values(SQLBind("a"), SQLBind("n"), SQLBind(15))
                    .ignoringConflicts(with: ["key"]).returning("id").query
            )
            let bound = sql.serialize(Self.upsert.bind(["a", "n", 15], on: sql).query)
            #expect(bound.sql == built.sql)
            #expect(bound.binds.count == 3)

            // Runs: a row, a nil bound as NULL, a conflict ignored (no row returned), values in their columns.
            let first = try await Self.upsert.bind(["a", String?.some("first"), 15], on: sql).first(decodingColumn: "id", as: Int64.self)
            let second = try await Self.upsert.bind(["b", String?.none, 25], on: sql).first(decodingColumn: "id", as: Int64.self)
            let again = try await Self.upsert.bind(["a", "ignored", 90], on: sql).first(decodingColumn: "id", as: Int64.self)
            #expect(first != nil && second != nil && first != second)
            #expect(again == nil)
            let rows = try await sql.select().columns("key", "note", "at").from("fixed_things").orderBy("key").all()
            #expect(try rows.map { try $0.decode(column: "key", as: String.self) } == ["a", "b"])
            #expect(try rows.map { try $0.decode(column: "note", as: String?.self) } == ["first", nil])
            #expect(try rows.map { try $0.decode(column: "at", as: Int.self) } == [15, 25])
        }
    }

    private static let insertReporting = FixedStatement(arity: 3) { sql, values in
        sql.insert(into: "fixed_things").columns("key", "note", "at").values(values).ignoringConflicts(with: ["key"]).queryReturningOnPostgres("id")
    }
    private static let updateReporting = FixedStatement(arity: 2) { sql, values in
        sql.update("fixed_things").set("note", to: values[0]).where("key", .equal, values[1]).queryReturningOnPostgres("id")
    }

    /// Inserts and updates whose only question is "did it write a row?" ask SQLite's connection, not a
    /// RETURNING row (which inside a transaction costs SQLite a statement journal); PostgreSQL keeps it.
    @Test(arguments: TestDatabase.available)
    func whatAStatementChangedIsReportedWithReturningOnlyOnPostgres(_ database: TestDatabase) async throws {
        try await withTestStore(database, migrate: false) { store, _ in
            let sql = store.sql()
            try await Self.createThings(on: sql)
            let text = Self.insertReporting.text(for: sql)
            #expect(text.contains("RETURNING") == (database == .postgres), "\(text)")

            try await store.db.withTransaction { transaction in
                let tsql = transaction.sql
                let first = try await Self.insertReporting.bind(["a", "one", 1], on: tsql).changes(rowIDColumn: "id")
                let second = try await Self.insertReporting.bind(["b", "two", 2], on: tsql).changes(rowIDColumn: "id")
                let conflict = try await Self.insertReporting.bind(["a", "ignored", 3], on: tsql).changes(rowIDColumn: "id")
                #expect(first.count == 1 && second.count == 1)
                #expect(conflict.count == 0, "a row the unique key turned away is no change")
                let ids = try await tsql.select().column("id").from("fixed_things").orderBy("key").all(decodingColumn: "id", as: Int64.self)
                #expect([first.lastInsertedRowID, second.lastInsertedRowID] == ids.map(Optional.some), "each insert reports its row's id")

                #expect(try await Self.updateReporting.bind(["changed", "b"], on: tsql).changes().count == 1)
                #expect(try await Self.updateReporting.bind(["nobody", "zzz"], on: tsql).changes().count == 0)
            }
            let notes = try await sql.select().column("note").from("fixed_things").orderBy("key").all(decodingColumn: "note", as: String.self)
            #expect(notes == ["one", "changed"])
        }
    }
}

/// Several rows in one statement, its text written once per row count.
@Suite struct FixedInsertTests {
    private static let insert = FixedInsert(columns: 2, maxRows: 3) { sql, rows in
        rows.reduce(sql.insert(into: "fixed_rows").columns("key", "note")) { $0.values($1) }.ignoringConflicts(with: ["key"]).query
    }

    @Test(arguments: TestDatabase.available)
    func rowsGoInInOrderAtMostMaxRowsAStatementWithTheBuildersText(_ database: TestDatabase) async throws {
        try await withTestStore(database, migrate: false) { store, _ in
            let sql = store.sql()
            try await sql.create(table: "fixed_rows")
                .column("id", type: .bigint, .primaryKey(autoIncrement: true))
                .column("key", type: .text, .notNull, .unique)
                .column("note", type: .text)
                .run()

            let built = sql.serialize(
                sql.insert(into: "fixed_rows").columns("key", "note").values(SQLBind("a"), SQLBind("n")).values(SQLBind("b"), SQLBind("m"))
                    .ignoringConflicts(with: ["key"]).query
            )
            #expect(Self.insert.text(rows: 2, on: sql) == built.sql)

            // Seven rows: statements of 3, 3 and 1; a duplicate key ignored within and across them.
            let rows: [[any Encodable & Sendable]] = [
                ["a", "1"], ["b", String?.none], ["a", "dup"], ["c", "3"], ["d", "4"], ["b", "dup"], ["e", "5"],
            ]
            let queries = Self.insert.bind(rows: rows, on: sql)
            #expect(queries.map { sql.serialize($0.query).binds.count } == [6, 6, 2])
            for query in queries { try await query.run() }
            let stored = try await sql.select().columns("key", "note").from("fixed_rows").orderBy("id").all()
            #expect(try stored.map { try $0.decode(column: "key", as: String.self) } == ["a", "b", "c", "d", "e"])
            #expect(try stored.map { try $0.decode(column: "note", as: String?.self) } == ["1", nil, "3", "4", "5"])
        }
    }
}
