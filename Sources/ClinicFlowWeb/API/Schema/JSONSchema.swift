/// The JSON Schema subset the OpenAPI document uses, written next to each DTO so the document
/// describes what the code actually sends.
indirect enum JSONSchema: Sendable, Equatable {
    case string(format: String? = nil, enumValues: [String]? = nil, description: String? = nil)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case number
    case boolean
    case array(JSONSchema)
    case object(properties: [(String, JSONSchema)], required: [String])
    case map(JSONSchema)
    case reference(String)
    case nullable(JSONSchema)

    static func == (lhs: JSONSchema, rhs: JSONSchema) -> Bool { lhs.json == rhs.json }

    static let uuid = JSONSchema.string(format: "uuid")
    static let dateTime = JSONSchema.string(format: "date-time")

    /// The schema as a JSON value for the document.
    var json: JSONDocument {
        switch self {
        case .string(let format, let enumValues, let description):
            var object: [String: JSONDocument] = ["type": "string"]
            if let format { object["format"] = .string(format) }
            if let enumValues { object["enum"] = .array(enumValues.map(JSONDocument.string)) }
            if let description { object["description"] = .string(description) }
            return .object(object)
        case .integer(let minimum, let maximum):
            var object: [String: JSONDocument] = ["type": "integer"]
            if let minimum { object["minimum"] = .number(Double(minimum)) }
            if let maximum { object["maximum"] = .number(Double(maximum)) }
            return .object(object)
        case .number: return ["type": "number"]
        case .boolean: return ["type": "boolean"]
        case .array(let items): return ["type": "array", "items": items.json]
        case .object(let properties, let required):
            var object: [String: JSONDocument] = [
                "type": "object",
                "properties": .object(Dictionary(uniqueKeysWithValues: properties.map { ($0.0, $0.1.json) })),
            ]
            if !required.isEmpty { object["required"] = .array(required.map(JSONDocument.string)) }
            return .object(object)
        case .map(let values): return ["type": "object", "additionalProperties": values.json]
        case .reference(let name): return ["$ref": .string("#/components/schemas/\(name)")]
        case .nullable(let schema):
            // OpenAPI 3.1: a union with null.
            return ["anyOf": [schema.json, ["type": "null"]]]
        }
    }
}

/// A minimal JSON value for building documents with stable (sorted) output.
enum JSONDocument: Sendable, Equatable, Encodable, ExpressibleByStringLiteral, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([JSONDocument])
    case object([String: JSONDocument])

    init(stringLiteral value: String) { self = .string(value) }
    init(dictionaryLiteral elements: (String, JSONDocument)...) { self = .object(Dictionary(uniqueKeysWithValues: elements)) }
    init(arrayLiteral elements: JSONDocument...) { self = .array(elements) }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value):
            if value.rounded() == value, abs(value) < 1e15 { try container.encode(Int64(value)) } else { try container.encode(value) }
        case .bool(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }

    subscript(key: String) -> JSONDocument? {
        if case .object(let object) = self { return object[key] }
        return nil
    }
}

/// A type the API sends or receives, with its schema for the OpenAPI document.
protocol APIModel: Codable, Sendable {
    static var schemaName: String { get }
    static var schema: JSONSchema { get }
}

extension APIModel {
    static var schemaName: String { String(describing: Self.self).replacingOccurrences(of: "DTO", with: "") }
}
