import Foundation

/// Writes a value as JSON with exactly the bytes of `JSONCoding`'s Foundation encoder (keys
/// sorted by their UTF-8 bytes, slashes unescaped, ISO-8601 dates in whole seconds), without its
/// cost: Foundation's encoder casts every value against several types and protocols, keeps
/// each object as a hashed dictionary and sorts copies of them; event and job payloads are
/// written on SQLite's one thread, where that was about a tenth of the time (docs/benchmarks.md).
///
/// Whatever Foundation formats its own way — NaN and infinity, `Data`, `URL`, `Decimal`, dates
/// outside the years 1600–9999, a super encoder, a key written twice — makes `encode` throw
/// `Unsupported`, and `JSONCoding.encode` lets Foundation write the value instead.
enum SortedJSONEncoder {
    struct Unsupported: Error {}

    /// How dates are written: as `JSONCoding.encode` writes them, or as `Date` encodes itself
    /// (seconds since 2001, Foundation's default, which `JSONCoding.plainText` keeps).
    enum Dates {
        case iso8601, deferredToDate
    }

    static func encode<T: Encodable>(_ value: T, dates: Dates = .iso8601) throws -> Data {
        let root = JSONTreeEncoder(parent: nil, key: nil, dates: dates)
        let node = try root.box(value)
        guard !root.sawUnsupported else { throw Unsupported() }
        var output: [UInt8] = []
        output.reserveCapacity(512)
        try node.write(to: &output)
        return Data(output)
    }
}

/// A value on its way to text. Objects and arrays are classes because a container keeps
/// filling them after it has been handed to its parent.
enum JSONNode {
    case string(String)
    /// Numbers, `true`, `false` and `null`, already as text.
    case literal(String)
    case object(JSONObjectNode)
    case array(JSONArrayNode)

    func write(to output: inout [UInt8]) throws {
        switch self {
        case .string(let text): JSONStringText.append(text, to: &output)
        case .literal(let text): output.append(contentsOf: text.utf8)
        case .object(let object): try object.write(to: &output)
        case .array(let array):
            output.append(UInt8(ascii: "["))
            for (index, element) in array.elements.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                try element.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        }
    }
}

final class JSONObjectNode {
    var members: [(key: String, value: JSONNode)] = []

    func write(to output: inout [UInt8]) throws {
        if !isSorted { members.sort { Self.order($0.key, $1.key) < 0 } }
        output.append(UInt8(ascii: "{"))
        for (index, member) in members.enumerated() {
            if index > 0 {
                // Foundation keeps the last value of a key written twice; rare enough to leave to it.
                guard Self.order(members[index - 1].key, member.key) != 0 else { throw SortedJSONEncoder.Unsupported() }
                output.append(UInt8(ascii: ","))
            }
            JSONStringText.append(member.key, to: &output)
            output.append(UInt8(ascii: ":"))
            try member.value.write(to: &output)
        }
        output.append(UInt8(ascii: "}"))
    }

    /// Synthesised `Codable` writes keys in declaration order, often already sorted.
    private var isSorted: Bool {
        var index = 1
        while index < members.count {
            if Self.order(members[index].key, members[index - 1].key) < 0 { return false }
            index += 1
        }
        return true
    }

    /// Foundation orders keys by their UTF-8 bytes, not by Swift's `<` (which normalises first).
    /// Negative, zero or positive, as `memcmp`.
    private static func order(_ left: String, _ right: String) -> Int {
        var left = left, right = right
        return left.withUTF8 { left in
            right.withUTF8 { right in
                let common = min(left.count, right.count)
                if common > 0, let leftBase = left.baseAddress, let rightBase = right.baseAddress {
                    let bytes = memcmp(leftBase, rightBase, common)
                    if bytes != 0 { return Int(bytes) }
                }
                return left.count - right.count
            }
        }
    }
}

final class JSONArrayNode {
    var elements: [JSONNode] = []
}

/// A JSON string literal as Foundation writes it: `"` and `\` escaped, control characters as
/// `\b \t \n \f \r` or `\u00xx`, everything else (slashes, U+2028, non-ASCII) as it is.
enum JSONStringText {
    static func append(_ text: String, to output: inout [UInt8]) {
        var text = text
        text.withUTF8 { utf8 in
            output.append(UInt8(ascii: "\""))
            if utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
                output.append(contentsOf: utf8)
            } else {
                for byte in utf8 { appendEscaping(byte, to: &output) }
            }
            output.append(UInt8(ascii: "\""))
        }
    }

    private static func appendEscaping(_ byte: UInt8, to output: inout [UInt8]) {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"): output.append(contentsOf: [UInt8(ascii: "\\"), byte])
        case 0x08: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
        case 0x09: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
        case 0x0A: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
        case 0x0C: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
        case 0x0D: output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
        case ..<0x20:
            let hex: StaticString = "0123456789abcdef"
            output.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
            output.append(hex.utf8Start[Int(byte >> 4)])
            output.append(hex.utf8Start[Int(byte & 0x0F)])
        default: output.append(byte)
        }
    }
}
