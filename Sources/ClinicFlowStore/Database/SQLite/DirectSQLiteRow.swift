import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit
import SQLiteKit

/// One result row, decoded on demand as SQLiteKit's decoder decodes (`DirectSQLiteValues`).
struct DirectSQLiteRow: SQLRow {
    let columns: SQLiteColumnNames
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.position(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let position = columns.position(of: column) else { return true }
        return values[position] == .null
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let position = columns.position(of: column) else {
            throw StoreError.unexpectedResult("the result has no column \(column)")
        }
        return try DirectSQLiteValues.decode(D.self, from: values[position])
    }
}

/// A row as Fluent's models read it (the migrator's own bookkeeping uses models).
struct SQLRowOutput: DatabaseOutput {
    let row: any SQLRow
    var prefix: String? = nil

    var description: String { String(describing: row) }

    private func column(_ key: FieldKey) -> String {
        prefix.map { "\($0)_\(key.description)" } ?? key.description
    }

    func schema(_ schema: String) -> any DatabaseOutput { SQLRowOutput(row: row, prefix: schema) }
    func contains(_ key: FieldKey) -> Bool { row.contains(column: column(key)) }
    func decodeNil(_ key: FieldKey) throws -> Bool { try row.decodeNil(column: column(key)) }
    func decode<T: Decodable>(_ key: FieldKey, as type: T.Type) throws -> T { try row.decode(column: column(key), as: T.self) }
}

extension SQLiteFailure: DatabaseError {
    public var isSyntaxError: Bool { primaryCode == 1 && message.contains("syntax error") }
    public var isConnectionClosed: Bool { primaryCode == SQLiteResult.misuse }
    public var isConstraintFailure: Bool { primaryCode == SQLiteResult.constraint }
}
