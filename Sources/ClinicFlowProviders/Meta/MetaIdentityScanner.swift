/// The request-path fast lane for `MetaWebhookIdentity`: one pass over the bytes that checks the JSON
/// grammar and the fields the identity needs, without building a document or going through
/// `Decodable` (JSONDecoder was the largest single cost of a webhook in the profile).
///
/// It only ever answers for bodies JSONDecoder would accept with the same result: on anything
/// unusual (an error, a type mismatch, a repeated key, an escape inside a needed string, deep nesting)
/// it returns nil and the caller decodes with JSONDecoder, which then also names the failing path.
/// Tests compare both on samples and on thousands of mutated bodies.
enum MetaIdentityScanner {
    struct Identity: Equatable {
        var object: String
        var ids: [String]
    }

    static func scan(_ body: [UInt8]) -> Identity? {
        body.withUnsafeBufferPointer { buffer in
            var scanner = Scanner(bytes: buffer)
            guard let identity = try? scanner.document() else { return nil }
            return identity
        }
    }

    private struct GiveUp: Error {}

    /// Which object of the identity's shape is being read; each knows which of its keys matter.
    private enum Place {
        case entry, change, value, message, status
    }

    private struct Scanner {
        let bytes: UnsafeBufferPointer<UInt8>
        var index = 0
        var ids: [String] = []
        var depth = 0

        init(bytes: UnsafeBufferPointer<UInt8>) { self.bytes = bytes }

        mutating func document() throws -> Identity {
            skipSpace()
            var object: String?
            try objectBody { scanner, key in
                switch key {
                case "object": object = try scanner.string()
                case "entry": try scanner.array { try $0.requiredObject(.entry) }
                default: return false
                }
                return true
            } required: { $0.contains("object") && $0.contains("entry") }
            skipSpace()
            guard index == bytes.count, let object else { throw GiveUp() }
            return Identity(object: object, ids: ids)
        }

        /// An object; `field` handles the keys it knows (returning false for others, which are
        /// then validated and skipped); `required` checks the keys seen.
        mutating func objectBody(
            field: (inout Scanner, String) throws -> Bool, required: ([String]) -> Bool
        ) throws {
            try expect(UInt8(ascii: "{"))
            depth += 1
            guard depth < 64 else { throw GiveUp() }
            var seen: [String] = []  // a handful of keys: a list beats hashing
            skipSpace()
            if peek() == UInt8(ascii: "}") {
                index += 1
            } else {
                while true {
                    skipSpace()
                    let key = try string()
                    guard !seen.contains(key) else { throw GiveUp() }  // repeated keys: let JSONDecoder decide
                    seen.append(key)
                    skipSpace()
                    try expect(UInt8(ascii: ":"))
                    skipSpace()
                    if try !field(&self, key) { try skipValue() }
                    skipSpace()
                    if peek() == UInt8(ascii: ",") { index += 1; continue }
                    try expect(UInt8(ascii: "}"))
                    break
                }
            }
            depth -= 1
            guard required(seen) else { throw GiveUp() }
        }

        mutating func requiredObject(_ place: Place) throws {
            switch place {
            case .entry:
                try objectBody { scanner, key in
                    switch key {
                    case "id": _ = try scanner.string()
                    case "changes": try scanner.array { try $0.requiredObject(.change) }
                    default: return false
                    }
                    return true
                } required: { $0.contains("id") && $0.contains("changes") }
            case .change:
                try objectBody { scanner, key in
                    switch key {
                    case "field": _ = try scanner.string()
                    case "value": try scanner.requiredObject(.value)
                    default: return false
                    }
                    return true
                } required: { $0.contains("field") && $0.contains("value") }
            case .value:
                try objectBody { scanner, key in
                    switch key {
                    case "messages": try scanner.optionalArray { try $0.requiredObject(.message) }
                    case "statuses": try scanner.optionalArray { try $0.requiredObject(.status) }
                    default: return false
                    }
                    return true
                } required: { _ in true }
            case .message:
                var id: String?
                try objectBody { scanner, key in
                    switch key {
                    case "from": _ = try scanner.string()
                    case "id": id = try scanner.string()
                    default: return false
                    }
                    return true
                } required: { $0.contains("from") && $0.contains("id") }
                ids.append(id!)
            case .status:
                var id: String?
                var status: String?
                try objectBody { scanner, key in
                    switch key {
                    case "id": id = try scanner.string()
                    case "status": status = try scanner.string()
                    default: return false
                    }
                    return true
                } required: { $0.contains("id") && $0.contains("status") }
                ids.append(MetaNormalizer.statusKey(id!, status!))
            }
        }

        mutating func optionalArray(_ element: (inout Scanner) throws -> Void) throws {
            if peek() == UInt8(ascii: "n") { return try literal("null") }
            try array(element)
        }

        mutating func array(_ element: (inout Scanner) throws -> Void) throws {
            try expect(UInt8(ascii: "["))
            depth += 1
            guard depth < 64 else { throw GiveUp() }
            skipSpace()
            if peek() == UInt8(ascii: "]") {
                index += 1
            } else {
                while true {
                    skipSpace()
                    try element(&self)
                    skipSpace()
                    if peek() == UInt8(ascii: ",") { index += 1; continue }
                    try expect(UInt8(ascii: "]"))
                    break
                }
            }
            depth -= 1
        }

        /// Any value, checked against the grammar and dropped.
        mutating func skipValue() throws {
            switch peek() {
            case UInt8(ascii: "{"):
                try objectBody(field: { _, _ in false }, required: { _ in true })
            case UInt8(ascii: "["): try array { try $0.skipValue() }
            case UInt8(ascii: "\""): _ = try rawString(keep: false)
            case UInt8(ascii: "t"): try literal("true")
            case UInt8(ascii: "f"): try literal("false")
            case UInt8(ascii: "n"): try literal("null")
            default: try number()
            }
        }

        /// A string value; nil-free: anything else (or an escape) gives up.
        mutating func string() throws -> String {
            guard let text = try rawString(keep: true) else { throw GiveUp() }
            return text
        }

        /// Validates a string (escapes, control characters, UTF-8); returns its text when `keep` and it
        /// has no escapes (ids never do; one that did would be decoded by JSONDecoder instead).
        mutating func rawString(keep: Bool) throws -> String? {
            try expect(UInt8(ascii: "\""))
            let start = index
            var escaped = false
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: "\""):
                    let content = UnsafeBufferPointer(rebasing: bytes[start..<index])
                    index += 1
                    guard let text = String(validating: content, as: UTF8.self) else { throw GiveUp() }
                    if keep && escaped { throw GiveUp() }
                    return text
                case UInt8(ascii: "\\"):
                    escaped = true
                    index += 1
                    guard index < bytes.count else { throw GiveUp() }
                    switch bytes[index] {
                    case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"), UInt8(ascii: "b"), UInt8(ascii: "f"),
                        UInt8(ascii: "n"), UInt8(ascii: "r"), UInt8(ascii: "t"):
                        index += 1
                    default:
                        // \u escapes (surrogate pairs and all) are left to JSONDecoder.
                        throw GiveUp()
                    }
                case 0..<0x20:
                    throw GiveUp()
                default:
                    index += 1
                }
            }
            throw GiveUp()
        }

        /// RFC 8259 numbers: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?
        mutating func number() throws {
            if peek() == UInt8(ascii: "-") { index += 1 }
            if peek() == UInt8(ascii: "0") {
                index += 1
            } else {
                guard digits() > 0 else { throw GiveUp() }
            }
            if peek() == UInt8(ascii: ".") {
                index += 1
                guard digits() > 0 else { throw GiveUp() }
            }
            if peek() == UInt8(ascii: "e") || peek() == UInt8(ascii: "E") {
                index += 1
                if peek() == UInt8(ascii: "+") || peek() == UInt8(ascii: "-") { index += 1 }
                guard digits() > 0 else { throw GiveUp() }
            }
        }

        mutating func digits() -> Int {
            let start = index
            while let byte = peek(), byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") { index += 1 }
            return index - start
        }

        mutating func literal(_ word: StaticString) throws {
            let count = word.utf8CodeUnitCount
            guard index + count <= bytes.count else { throw GiveUp() }
            for offset in 0..<count where bytes[index + offset] != word.utf8Start[offset] { throw GiveUp() }
            index += count
        }

        mutating func expect(_ byte: UInt8) throws {
            guard peek() == byte else { throw GiveUp() }
            index += 1
        }

        func peek() -> UInt8? { index < bytes.count ? bytes[index] : nil }

        mutating func skipSpace() {
            while let byte = peek(), byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { index += 1 }
        }
    }
}
