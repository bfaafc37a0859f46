import SQLKit

/// A fixed list of column names, quoted once instead of in every statement.
///
/// SQLKit quotes each identifier of each statement anew (through `String.replacing`): with the wide
/// column lists of leads, messages, events and jobs that was about 8 % of SQLite's connection loop at
/// saturation. Both dialects ClinicFlow runs on quote identifiers with `"` (ColumnListTests compares
/// the text with SQLKit's own on each); the names are constants in code and never contain a quote.
struct ColumnList: SQLExpression {
    let names: [String]
    private let quoted: String

    init(_ names: [String]) {
        precondition(names.allSatisfy { !$0.contains("\"") }, "column names are code constants without quotes")
        self.names = names
        self.quoted = names.map { "\"\($0)\"" }.joined(separator: ", ")
    }

    func serialize(to serializer: inout SQLSerializer) {
        serializer.write(quoted)
    }
}
