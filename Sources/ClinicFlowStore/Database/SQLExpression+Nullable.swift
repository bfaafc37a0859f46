import SQLKit

/// A bind for a value, or a literal NULL for nil.
///
/// Binding Swift `nil` sends a typed NULL that PostgreSQL refuses for uuid/timestamp columns;
/// a literal NULL takes the column's type, which is what Fluent itself does.
func bindOrNull<Value: Encodable & Sendable>(_ value: Value?) -> any SQLExpression {
    if let value { SQLBind(value) } else { SQLLiteral.null }
}
