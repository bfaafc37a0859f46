import FluentKit
import SQLKit

extension Database {
    /// Both drivers ClinicFlow supports are SQL databases; this cannot fail for them.
    public var sql: any SQLDatabase {
        guard let sql = self as? any SQLDatabase else {
            preconditionFailure("ClinicFlow needs an SQL database; \(type(of: self)) is not one")
        }
        return sql
    }
}

extension SQLDatabase {
    var isPostgres: Bool { dialect.name == "postgresql" }
}
