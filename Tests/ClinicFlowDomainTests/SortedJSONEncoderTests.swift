@testable import ClinicFlowDomain
import Foundation
import Testing

/// `SortedJSONEncoder` writes exactly the bytes of Foundation's encoder as `JSONCoding` sets it
/// up, and declines (for `JSONCoding.encode` to hand to Foundation) whatever it does not write itself.
@Suite struct SortedJSONEncoderTests {
    let foundation = JSONCoding.makeEncoder()

    @Test func randomDocumentsAreWrittenByteForByteAsFoundationWritesThem() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<3_000 {
            let value = Sample.random(depth: 0, using: &random)
            let ours = try SortedJSONEncoder.encode(value)
            let theirs = try foundation.encode(value)
            #expect(ours == theirs, "\(String(decoding: ours, as: UTF8.self))\n\(String(decoding: theirs, as: UTF8.self))")
        }
    }

    /// `plainText`'s documents: dates as seconds since 2001, as Foundation's default writes them.
    @Test func withDatesDeferredDocumentsAreWrittenAsFoundationsPlainEncoderWritesThem() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let value = Sample.random(depth: 0, using: &random)
            #expect(try SortedJSONEncoder.encode(value, dates: .deferredToDate) == JSONCoding.plainEncoder.encode(value))
            let record = Record.random(using: &random)
            #expect(try SortedJSONEncoder.encode(record, dates: .deferredToDate) == JSONCoding.plainEncoder.encode(record))
        }
        let date = Date(timeIntervalSinceReferenceDate: 786_000_000.123_456)
        #expect(try JSONCoding.plainText(["at": date]) == #"{"at":786000000.123456}"#)
        #expect(try JSONCoding.plainDecoder.decode([String: Date].self, from: Data(try JSONCoding.plainText(["at": date]).utf8)) == ["at": date])
    }

    @Test func recordsWithEveryKindOfMemberAreWrittenAsFoundationWritesThem() throws {
        var random = SystemRandomNumberGenerator()
        for _ in 0..<2_000 {
            let record = Record.random(using: &random)
            #expect(try SortedJSONEncoder.encode(record) == foundation.encode(record))
        }
    }

    @Test func stringsEscapeWhatFoundationEscapesAndNothingElse() throws {
        let everyControlCharacter = String((0..<0x20).map { Character(Unicode.Scalar(UInt8($0))) })
        for text in [everyControlCharacter, "\"quoted\" \\ back/slash", "\u{7F}\u{2028}\u{2029}\u{FEFF}", "e\u{301} é 😀 中 \u{FFFD}", ""] {
            let ours = try SortedJSONEncoder.encode(["text": text])
            #expect(ours == (try foundation.encode(["text": text])), "\(String(decoding: ours, as: UTF8.self))")
        }
    }

    /// Sorted by UTF-8 bytes: upper case before `_` before lower case, digits one by one, a
    /// decomposed `é` by its `e`, characters beyond the BMP after U+FFFD.
    @Test func keysAreInFoundationsOrder() throws {
        let keys = ["a10", "a9", "B", "a", "_x", "message_id", "messageID", "Z", "é", "e\u{301}z", "ab", "aB", "AB", "\u{FFFD}", "😀", ""]
        let object = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, $0) })
        let ours = try SortedJSONEncoder.encode(object)
        #expect(ours == (try foundation.encode(object)))
        #expect(String(decoding: ours, as: UTF8.self).hasPrefix(#"{"":15,"AB":12,"B":2,"Z":7,"_x":4,"a":3,"a10":0,"a9":1,"#))
    }

    @Test func datesAreWholeSecondsInUTCAsFoundationWritesThem() throws {
        var random = SystemRandomNumberGenerator()
        let firstSecond = -12_654_403_200.0, lastSecond = 252_423_993_599.0
        var dates = [firstSecond, lastSecond, lastSecond + 0.999, 0, -0.000_001, 1.999_999, -978_307_200, -978_307_200.5, 951_782_400 - 978_307_200]
            .map(Date.init(timeIntervalSinceReferenceDate:))
        for _ in 0..<5_000 {
            let second = Double(Int64.random(in: Int64(firstSecond)...Int64(lastSecond), using: &random))
            dates.append(Date(timeIntervalSinceReferenceDate: second))
            dates.append(Date(timeIntervalSinceReferenceDate: second + Double.random(in: 0..<1, using: &random)))
            dates.append(Date(timeIntervalSinceReferenceDate: (second + 1).nextDown))
        }
        for date in dates {
            let ours = try SortedJSONEncoder.encode([date])
            #expect(ours == (try foundation.encode([date])), "\(date.timeIntervalSinceReferenceDate)")
        }
    }

    @Test func whatFoundationFormatsItsOwnWayIsLeftToIt() throws {
        let declined: [any Encodable] = [
            Data([1, 2, 3]), ["url": URL(string: "https://clinic.example/a?b=c")!], [Decimal(string: "1.50")!],
            [Date(timeIntervalSinceReferenceDate: -12_654_403_201)], [Date(timeIntervalSinceReferenceDate: 252_423_993_600)],
            [Nothing()], TwiceTheSameKey(), Derived(),
        ]
        for value in declined {
            #expect(throws: SortedJSONEncoder.Unsupported.self) { try SortedJSONEncoder.encode(value) }
            #expect(try JSONCoding.encode(value) == foundation.encode(value), "\(type(of: value))")
        }
    }

    @Test func floatingPointIsWrittenAsFoundationWritesIt() throws {
        var random = SystemRandomNumberGenerator()
        var doubles: [Double] = [0, -0.0, 1, -1, 0.85, 0.1, 100, 1e15, 1e16, 1e20, 1e-7, 123_456.789, .leastNonzeroMagnitude, .greatestFiniteMagnitude, .pi]
        var floats: [Float] = [0, 0.1, 0.85, 1, 1e20, -3.5, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for _ in 0..<5_000 {
            let double = Double(bitPattern: UInt64.random(in: .min ... .max, using: &random))
            if double.isFinite { doubles.append(double) }
            doubles.append(Double(Int.random(in: -1_000_000...1_000_000, using: &random)) / 100)
            let float = Float(bitPattern: UInt32.random(in: .min ... .max, using: &random))
            if float.isFinite { floats.append(float) }
        }
        for double in doubles {
            #expect(try SortedJSONEncoder.encode(["value": double]) == foundation.encode(["value": double]), "\(double)")
        }
        for float in floats {
            #expect(try SortedJSONEncoder.encode([float]) == foundation.encode([float]), "\(float)")
        }
        for notANumber in [Double.nan, .infinity, -.infinity] {
            #expect(throws: SortedJSONEncoder.Unsupported.self) { try SortedJSONEncoder.encode([notANumber]) }
            #expect(throws: EncodingError.self) { try JSONCoding.encode([notANumber]) }
        }
    }

    @Test func anErrorOfTheValueItselfIsFoundationsError() throws {
        #expect(throws: EncodingError.self) { try JSONCoding.encode(Failing()) }
    }

    @Test func errorsNameTheCodingPathOfTheValue() throws {
        do {
            _ = try SortedJSONEncoder.encode(["outer": [Failing()]])
            Issue.record("no error")
        } catch let EncodingError.invalidValue(_, context) {
            #expect(context.codingPath.map(\.stringValue) == ["outer", "Index 0", "inner"])
        }
    }
}

// MARK: - Values

private indirect enum Sample: Encodable {
    case text(String), int(Int), int64(Int64), uint8(UInt8), bool(Bool), null, date(Date), uuid(UUID), double(Double)
    case object([String: Sample]), array([Sample]), record(Record)

    static func random(depth: Int, using random: inout SystemRandomNumberGenerator) -> Sample {
        switch Int.random(in: 0..<(depth < 3 ? 11 : 8), using: &random) {
        case 0: .text(.randomText(using: &random))
        case 1: .int(Int.random(in: Int.min...Int.max, using: &random))
        case 2: .int64(Int64.random(in: -1_000...1_000, using: &random))
        case 3: .uint8(UInt8.random(in: 0...255, using: &random))
        case 4: .bool(Bool.random(using: &random))
        case 5: .null
        case 6: .date(Date(timeIntervalSince1970: Double.random(in: -1e9...4e9, using: &random)))
        case 7: Bool.random(using: &random) ? .uuid(UUID()) : .double(Double(Int.random(in: -99_999...99_999, using: &random)) / 1_000)
        case 8:
            .object(Dictionary((0..<Int.random(in: 0...5, using: &random)).map { _ in (String.randomText(using: &random), Sample.random(depth: depth + 1, using: &random)) }) { first, _ in first })
        case 9: .array((0..<Int.random(in: 0...5, using: &random)).map { _ in Sample.random(depth: depth + 1, using: &random) })
        default: .record(.random(using: &random))
        }
    }

    func encode(to encoder: any Encoder) throws {
        var single = encoder.singleValueContainer()
        switch self {
        case .text(let value): try single.encode(value)
        case .int(let value): try single.encode(value)
        case .int64(let value): try single.encode(value)
        case .uint8(let value): try single.encode(value)
        case .bool(let value): try single.encode(value)
        case .null: try single.encodeNil()
        case .date(let value): try single.encode(value)
        case .uuid(let value): try single.encode(value)
        case .double(let value): try single.encode(value)
        case .object(let value): try value.encode(to: encoder)
        case .array(let value): try value.encode(to: encoder)
        case .record(let value): try single.encode(value)
        }
    }
}

/// Synthesised `Encodable` as payloads use it: optionals skipped when nil, nested records,
/// enums with and without associated values, raw-value enums, dictionaries and sets of ids.
private struct Record: Encodable {
    var name: String
    var note: String?
    var count: Int
    var small: Int16?
    var big: UInt64
    var confidence: Double
    var ratio: Float?
    var flag: Bool?
    var when: Date?
    var id: UUID
    var tags: [String]
    var byDay: [String: [Int]]
    var byNumber: [Int: String]
    var kind: Kind
    var level: Level?
    var inner: Inner?

    enum Kind: Encodable { case plain, withValues(String, Int), labelled(id: UUID, note: String?) }
    enum Level: String, Encodable { case hot = "HOT", cold = "COLD" }
    struct Inner: Encodable { var snake_case: String; var camelCase: [Kind] }

    static func random(using random: inout SystemRandomNumberGenerator) -> Record {
        func maybe<T>(_ make: () -> T) -> T? { Bool.random(using: &random) ? make() : nil }
        let kinds: [Kind] = [.plain, .withValues(.randomText(using: &random), Int.random(in: -9...9, using: &random)), .labelled(id: UUID(), note: maybe { .randomText(using: &random) })]
        return Record(
            name: .randomText(using: &random), note: maybe { .randomText(using: &random) }, count: Int.random(in: -1_000_000...1_000_000, using: &random),
            small: maybe { Int16.random(in: .min ... .max, using: &random) }, big: UInt64.random(in: .min ... .max, using: &random),
            confidence: Double.random(in: 0...1, using: &random), ratio: maybe { Float.random(in: -10...10, using: &random) },
            flag: maybe { Bool.random(using: &random) }, when: maybe { Date(timeIntervalSinceReferenceDate: Double.random(in: -1e9...1e9, using: &random)) },
            id: UUID(), tags: (0..<Int.random(in: 0...3, using: &random)).map { _ in .randomText(using: &random) },
            byDay: ["mon": [9, 12], "tue": [], "Sun": [1]], byNumber: [10: "ten", 9: "nine", -1: "minus one"],
            kind: kinds.randomElement(using: &random)!, level: maybe { Bool.random(using: &random) ? .hot : .cold },
            inner: maybe { Inner(snake_case: .randomText(using: &random), camelCase: kinds) }
        )
    }
}

private extension String {
    static let pieces = ["a", "Z", "_", "0", "9", " ", "\"", "\\", "/", "\n", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "e\u{301}", "\u{2028}", "😀", "中", "\u{FFFD}", "wamid.HBgL"]

    static func randomText(using random: inout SystemRandomNumberGenerator) -> String {
        (0..<Int.random(in: 0...8, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
    }
}

private struct Nothing: Encodable {
    func encode(to encoder: any Encoder) throws {}
}

private struct TwiceTheSameKey: Encodable {
    enum CodingKeys: String, CodingKey { case name }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("first", forKey: .name)
        try container.encode("second", forKey: .name)
    }
}

private class Base: Encodable {
    var id = 1
}

private final class Derived: Base {
    enum CodingKeys: String, CodingKey { case name }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode("derived", forKey: .name)
        try super.encode(to: container.superEncoder())
    }
}

private struct Failing: Encodable {
    enum CodingKeys: String, CodingKey { case inner }
    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(Inner(), forKey: .inner)
    }

    struct Inner: Encodable {
        func encode(to encoder: any Encoder) throws {
            throw EncodingError.invalidValue(0, .init(codingPath: encoder.codingPath, debugDescription: "refused"))
        }
    }
}
