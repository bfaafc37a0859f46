import ClinicFlowDomain
import Foundation
import SQLiteKit

/// Values to and from SQLite for the types bound and read most, found by comparing types: the
/// same `SQLiteData` and the same values as SQLiteKit's coders, without their conformance
/// lookup per value (`as? any SQLiteDataConvertible`, 3-4 % of SQLite's thread each way). Ids'
/// text is written and parsed by `UUID.text` and `UUID(text:)`, without Foundation's `snprintf`
/// and `sscanf`. Anything else goes to the coders.
enum DirectSQLiteValues {
    static let encoder = SQLiteDataEncoder()
    static let decoder = SQLiteDataDecoder()

    static func bindable(_ value: any Encodable & Sendable) throws -> SQLiteData {
        let type = type(of: value)
        if type == UUID.self { return .text((value as! UUID).text()) }
        if type == String.self { return .text(value as! String) }
        if type == Int.self { return .integer(value as! Int) }
        if type == Date.self { return .float((value as! Date).timeIntervalSince1970) }
        if type == Bool.self { return .integer((value as! Bool) ? 1 : 0) }
        if type == Int64.self { return .integer(Int(value as! Int64)) }
        if type == Double.self { return .float(value as! Double) }
        if type == UUID?.self { return (value as! UUID?).map { .text($0.text()) } ?? .null }
        if type == String?.self { return (value as! String?).map { .text($0) } ?? .null }
        if type == Int?.self { return (value as! Int?).map { .integer($0) } ?? .null }
        if type == Date?.self { return (value as! Date?).map { .float($0.timeIntervalSince1970) } ?? .null }
        return try encoder.encode(value)
    }

    static func decode<D: Decodable>(_ type: D.Type, from value: SQLiteData) throws -> D {
        if let direct = direct(value, as: D.self) { return direct }
        return try decoder.decode(D.self, from: value)
    }

    /// nil when the coders should decide (other types, conversions between storage classes, errors);
    /// `.some(nil)` is a NULL read as an optional.
    private static func direct<D>(_ value: SQLiteData, as _: D.Type) -> D? {
        switch value {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(String?.some(text), to: D.self) }
            if D.self == UUID.self || D.self == UUID?.self, let uuid = UUID(text: text) {
                return D.self == UUID.self ? unsafeBitCast(uuid, to: D.self) : unsafeBitCast(UUID?.some(uuid), to: D.self)
            }
        case .integer(let integer):
            if D.self == Int.self { return unsafeBitCast(integer, to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.some(integer), to: D.self) }
            if D.self == Bool.self, integer == 0 || integer == 1 { return unsafeBitCast(integer == 1, to: D.self) }
            if D.self == Bool?.self, integer == 0 || integer == 1 { return unsafeBitCast(Bool?.some(integer == 1), to: D.self) }
        case .float(let seconds):
            if D.self == Date.self { return unsafeBitCast(date(since1970: seconds), to: D.self) }
            if D.self == Date?.self { return unsafeBitCast(Date?.some(date(since1970: seconds)), to: D.self) }
            if D.self == Double.self { return unsafeBitCast(seconds, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.some(seconds), to: D.self) }
        case .null:
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == UUID?.self { return unsafeBitCast(UUID?.none, to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.none, to: D.self) }
            if D.self == Date?.self { return unsafeBitCast(Date?.none, to: D.self) }
            if D.self == Bool?.self { return unsafeBitCast(Bool?.none, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.none, to: D.self) }
        case .blob:
            break
        }
        return nil
    }

    /// As SQLiteNIO reads a REAL into a date: rounded to microseconds since the reference date,
    /// so a date read back equals the one written.
    private static func date(since1970 seconds: Double) -> Date {
        let sinceReference = seconds - Date.timeIntervalBetween1970AndReferenceDate
        return Date(timeIntervalSinceReferenceDate: (sinceReference * 1e6).rounded() / 1e6)
    }
}
