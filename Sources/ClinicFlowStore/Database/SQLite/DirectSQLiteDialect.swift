import ClinicFlowSQLiteC
import SQLKit
import SQLiteKit

/// SQLiteKit's dialect with a cheaper identifier quote; everything else is forwarded.
///
/// SQLKit doubles any quote inside every identifier it writes with a generic stdlib `replacing`,
/// and a statement has dozens of identifiers: that was 7 % of the SQLite thread's time at
/// saturation. With a quote that is not `SQLRaw`, SQLKit writes quote, name, quote instead, and
/// `EscapingQuote` keeps the escaping: the closing quote doubles any `"` written since the opening
/// one (never, for ClinicFlow's own names). The statements' text is the same either way.
struct DirectSQLiteDialect: SQLDialect {
    private static let base = SQLiteDialect()
    private static let upsert = base.upsertSyntax
    private static let returning = base.supportsReturning

    var name: String { Self.base.name }
    var identifierQuote: any SQLExpression { EscapingQuote() }
    var literalStringQuote: any SQLExpression { Self.base.literalStringQuote }
    func bindPlaceholder(at position: Int) -> any SQLExpression { Self.base.bindPlaceholder(at: position) }
    func literalBoolean(_ value: Bool) -> any SQLExpression { Self.base.literalBoolean(value) }
    var literalDefault: any SQLExpression { Self.base.literalDefault }
    var supportsIfExists: Bool { Self.base.supportsIfExists }
    var supportsDropBehavior: Bool { Self.base.supportsDropBehavior }
    var supportsAutoIncrement: Bool { Self.base.supportsAutoIncrement }
    var autoIncrementClause: any SQLExpression { Self.base.autoIncrementClause }
    var enumSyntax: SQLEnumSyntax { Self.base.enumSyntax }
    var triggerSyntax: SQLTriggerSyntax { Self.base.triggerSyntax }
    var alterTableSyntax: SQLAlterTableSyntax { Self.base.alterTableSyntax }
    var upsertSyntax: SQLUpsertSyntax { Self.upsert }
    var supportsReturning: Bool { Self.returning }
    var unionFeatures: SQLUnionFeatures { Self.base.unionFeatures }
    func customDataType(for dataType: SQLDataType) -> (any SQLExpression)? { Self.base.customDataType(for: dataType) }
    func nestedSubpathExpression(in column: any SQLExpression, for path: [String]) -> (any SQLExpression)? {
        Self.base.nestedSubpathExpression(in: column, for: path)
    }

    /// `"` before and after an identifier. SQLKit calls it twice per identifier with only the name
    /// written in between (`SQLIdentifier.serialize`), and serialising never leaves the thread, so
    /// a per-thread offset tells the opening call from the closing one.
    struct EscapingQuote: SQLExpression {
        private static let quote = UInt8(ascii: "\"")

        func serialize(to serializer: inout SQLSerializer) {
            let start = clinicflow_identifier_start_exchange(-1)
            guard start >= 0 else {
                serializer.write("\"")
                _ = clinicflow_identifier_start_exchange(Int64(serializer.sql.utf8.count))
                return
            }
            let utf8 = serializer.sql.utf8
            if utf8.suffix(utf8.count - Int(start)).contains(Self.quote) {
                // Split by bytes: the name's first character could combine with the opening quote.
                let split = utf8.index(utf8.startIndex, offsetBy: Int(start))
                let name = String(decoding: utf8[split...], as: UTF8.self)
                serializer.sql = String(decoding: utf8[..<split], as: UTF8.self) + name.replacing("\"", with: "\"\"")
            }
            serializer.write("\"")
        }
    }
}
