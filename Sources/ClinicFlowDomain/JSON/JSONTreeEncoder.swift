import Foundation

/// The `Encoder` behind `SortedJSONEncoder`: one per value that encodes itself, building the
/// `JSONNode` tree that is written out once everything is in.
final class JSONTreeEncoder: Encoder {
    private let parent: JSONTreeEncoder?
    private let key: (any CodingKey)?
    let dates: SortedJSONEncoder.Dates
    private(set) var node: JSONNode?
    /// On the root: something was left to Foundation by a method that cannot throw.
    private(set) var sawUnsupported = false

    init(parent: JSONTreeEncoder?, key: (any CodingKey)?, dates: SortedJSONEncoder.Dates? = nil) {
        self.parent = parent
        self.key = key
        self.dates = dates ?? parent?.dates ?? .iso8601
    }

    /// Built on demand: only error messages read it, and most values have none.
    var codingPath: [any CodingKey] {
        var path: [any CodingKey] = []
        var encoder: JSONTreeEncoder? = self
        while let current = encoder {
            if let key = current.key { path.append(key) }
            encoder = current.parent
        }
        return path.reversed()
    }

    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func markUnsupported() {
        var encoder = self
        while let parent = encoder.parent { encoder = parent }
        encoder.sawUnsupported = true
    }

    func set(_ value: JSONNode) {
        if node != nil { markUnsupported() }
        node = value
    }

    /// The node for a value. The types written most often skip an encoder of their own; the ones
    /// Foundation treats specially are left to it.
    func box<T: Encodable>(_ value: T, key: (any CodingKey)? = nil) throws -> JSONNode {
        if T.self == String.self { return .string(value as! String) }
        if T.self == UUID.self { return .string((value as! UUID).text()) }
        if T.self == Int.self { return .literal(String(value as! Int)) }
        if T.self == Bool.self { return .literal((value as! Bool) ? "true" : "false") }
        if T.self == Double.self { return try JSONNumberText.of(value as! Double) }
        if T.self == Date.self, dates == .iso8601 {
            guard let text = ISO8601Seconds.text(value as! Date) else { throw SortedJSONEncoder.Unsupported() }
            return .string(text)
        }
        if T.self == Data.self || T.self == URL.self || T.self == Decimal.self { throw SortedJSONEncoder.Unsupported() }
        let encoder = JSONTreeEncoder(parent: self, key: key)
        try value.encode(to: encoder)
        // Foundation writes `{}` for a value that encodes nothing.
        guard let node = encoder.node else { throw SortedJSONEncoder.Unsupported() }
        return node
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: JSONObjectNode
        switch node {
        case .object(let existing)?: object = existing
        case nil:
            object = JSONObjectNode()
            node = .object(object)
        default:
            markUnsupported()
            object = JSONObjectNode()
        }
        return KeyedEncodingContainer(JSONKeyedWriter(encoder: self, object: object))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: JSONArrayNode
        switch node {
        case .array(let existing)?: array = existing
        case nil:
            array = JSONArrayNode()
            node = .array(array)
        default:
            markUnsupported()
            array = JSONArrayNode()
        }
        return JSONUnkeyedWriter(encoder: self, array: array)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        JSONSingleValueWriter(encoder: self)
    }
}

/// Where an array's element sits, for `codingPath`.
struct JSONIndexKey: CodingKey {
    var intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(intValue: Int) { self.intValue = intValue }
    init?(stringValue: String) { nil }
}
