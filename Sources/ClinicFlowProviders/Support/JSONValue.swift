import Foundation

/// Any JSON, for payload parts whose shape varies (Twenty records, Stripe objects, form fields).
public enum JSONValue: Sendable, Equatable, Codable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    public subscript(key: String) -> JSONValue? {
        if case .object(let object) = self { return object[key] }
        return nil
    }

    public subscript(index: Int) -> JSONValue? {
        if case .array(let array) = self, array.indices.contains(index) { return array[index] }
        return nil
    }

    /// Strings as they are; numbers and booleans as text (ids often arrive as either).
    public var text: String? {
        switch self {
        case .string(let value): return value.isEmpty ? nil : value
        case .number(let value): return value.rounded() == value && abs(value) < 1e15 ? String(Int64(value)) : String(value)
        case .bool(let value): return String(value)
        default: return nil
        }
    }

    public var int: Int? {
        switch self {
        case .number(let value): return Int(exactly: value.rounded())
        case .string(let value): return Int(value)
        default: return nil
        }
    }

    public var bool: Bool? {
        switch self {
        case .bool(let value): return value
        case .string(let value): return ["true", "1", "yes", "on", "sim", "si", "sí", "da"].contains(value.lowercased())
        case .number(let value): return value != 0
        default: return nil
        }
    }

    public var object: [String: JSONValue]? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    /// A flat `[String: String]` of the scalar members (metadata maps).
    public var stringMap: [String: String] {
        guard case .object(let object) = self else { return [:] }
        return object.compactMapValues(\.text)
    }
}

/// A string or a number in the JSON, read as text: providers are inconsistent about ids and timestamps.
public struct LenientString: Sendable, Equatable, Decodable {
    public var value: String

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let text = try? container.decode(String.self) {
            value = text
        } else if let number = try? container.decode(Int64.self) {
            value = String(number)
        } else if let number = try? container.decode(Double.self) {
            value = String(number)
        } else {
            throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "expected a string or a number"))
        }
    }
}

enum Timestamps {
    /// Unix seconds as text (Meta sends them as strings).
    static func unixSeconds(_ text: String?) -> Date? {
        guard let text, let seconds = Double(text) else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    /// ISO 8601 with or without fractional seconds.
    static func iso8601(_ text: String?) -> Date? {
        guard let text else { return nil }
        if let date = try? Date(text, strategy: .iso8601) { return date }
        let fractional = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
        return try? fractional.parse(text)
    }
}

enum Phones {
    /// `5511999999999` or `whatsapp:+5511…` or `5511…@s.whatsapp.net` → `+5511999999999`.
    /// Only digits are kept; numbers that already look local are returned as given (normalised per clinic later).
    static func international(_ raw: String?) -> String? {
        guard var text = raw?.trimmingCharacters(in: .whitespaces), !text.isEmpty else { return nil }
        if text.hasPrefix("whatsapp:") { text.removeFirst("whatsapp:".count) }
        if let at = text.firstIndex(of: "@") { text = String(text[..<at]) }
        if let colon = text.firstIndex(of: ":") { text = String(text[..<colon]) }  // device suffix in JIDs
        let digits = text.filter(\.isNumber)
        guard !digits.isEmpty else { return nil }
        return "+" + digits
    }
}
