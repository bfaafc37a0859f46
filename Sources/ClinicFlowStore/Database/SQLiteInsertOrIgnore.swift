import SQLKit

/// An `INSERT` written as SQLite's `INSERT OR IGNORE`, for rows that only a unique key can turn away.
///
/// Inside a transaction SQLite gives a statement that writes several rows, or has `RETURNING`, and
/// could fail half-way (`ON CONFLICT … DO NOTHING` still fails on other constraints) a statement
/// journal: a copy of every page it touches, so that it can be undone alone. `OR IGNORE` makes every
/// constraint skip the row instead, so such an insert cannot fail half-way and needs none; that copy
/// was 3–4 % of SQLite's thread (docs/benchmarks.md, tenth session). Only for tables without foreign
/// keys or checks, whose required columns the caller always fills: there, a unique key is the only
/// constraint a row can meet, and skipping it is what `DO NOTHING` does.
struct SQLiteInsertOrIgnore: SQLExpression {
    let insert: any SQLExpression

    func serialize(to serializer: inout SQLSerializer) {
        var inner = SQLSerializer(database: serializer.database)
        insert.serialize(to: &inner)
        precondition(inner.sql.hasPrefix("INSERT INTO "), "not an insert: \(inner.sql.prefix(40))")
        serializer.write("INSERT OR IGNORE INTO " + inner.sql.dropFirst("INSERT INTO ".count))
        serializer.binds += inner.binds
    }
}
