@testable import ClinicFlowStore
import ClinicFlowTestSupport
import Foundation
import SQLKit
import SQLiteKit
import Testing

/// The SQLite connection's dialect writes identifiers without SQLKit's generic escaping but to the
/// same text, quotes inside names included; and such names work against real SQLite.
@Suite struct DirectSQLiteDialectTests {
    /// A database that only serialises, to compare the two dialects' text.
    struct Serializing: SQLDatabase {
        let dialect: any SQLDialect
        var logger: Logger { Logger(label: "test") }
        var eventLoop: any EventLoop { DirectSQLiteConnection.loops.next() }
        var version: (any SQLDatabaseReportedVersion)? { nil }
        func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
            eventLoop.makeSucceededVoidFuture()
        }

        func text(_ build: (any SQLDatabase) -> any SQLExpression) -> String {
            var serializer = SQLSerializer(database: self)
            build(self).serialize(to: &serializer)
            return serializer.sql
        }
    }

    static let names = ["id", "clinic_id", #"we"ird"#, #""""#, #"""#, "", "é\u{301}", "\u{301}starts combining", #"a"b"c""#, "✓ \"x\" y"]

    @Test(arguments: names)
    func identifiersAreWrittenAsSQLiteKitWritesThem(name: String) {
        let statements: [(any SQLDatabase) -> any SQLExpression] = [
            { $0.select().column(SQLIdentifier(name)).column("status").from("jobs").where(SQLIdentifier(name), .equal, SQLBind(1)).limit(2).select },
            { $0.insert(into: "events").columns(name, "type").values(SQLBind("a"), SQLLiteral.string("it's")).query },
            { $0.update("leads").set(SQLIdentifier(name), to: SQLBind(2)).where("id", .in, SQLGroupExpression([SQLBind(3), SQLBind(4)])).query },
            { _ in SQLList([SQLIdentifier(name), SQLRaw(#"'a "quoted" literal'"#), SQLIdentifier(name)], separator: SQLRaw(" ")) },
        ]
        for statement in statements {
            let expected = Serializing(dialect: SQLiteDialect()).text(statement)
            #expect(Serializing(dialect: DirectSQLiteDialect()).text(statement) == expected)
        }
    }

    @Test func aNameWithQuotesWorksAgainstSQLite() async throws {
        try await withTestStore(.sqlite, migrate: false) { store, _ in
            let sql = store.sql()
            #expect(sql.dialect is DirectSQLiteDialect)
            let name = #"odd "name", really"#
            try await sql.create(table: "odd").column("id", type: .int, .primaryKey).column(name, type: .text).run()
            try await sql.insert(into: "odd").columns("id", name).values(SQLBind(1), SQLBind("kept")).run()
            let row = try #require(try await sql.select().column(SQLIdentifier(name)).from("odd").where(SQLIdentifier(name), .equal, SQLBind("kept")).first())
            #expect(try row.decode(column: name, as: String.self) == "kept")
        }
    }
}
