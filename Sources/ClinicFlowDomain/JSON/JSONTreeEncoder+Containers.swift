import Foundation

// The three containers of `JSONTreeEncoder`. Numbers and booleans become text at once.

struct JSONKeyedWriter<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: JSONTreeEncoder
    let object: JSONObjectNode

    var codingPath: [any CodingKey] { encoder.codingPath }

    private func add(_ value: JSONNode, _ key: Key) { object.members.append((key.stringValue, value)) }

    mutating func encodeNil(forKey key: Key) throws { add(.literal("null"), key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { add(.literal(value ? "true" : "false"), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { add(.string(value), key) }
    mutating func encode(_ value: Double, forKey key: Key) throws { add(try JSONNumberText.of(value), key) }
    mutating func encode(_ value: Float, forKey key: Key) throws { add(try JSONNumberText.of(value), key) }
    mutating func encode(_ value: Int, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { add(.literal(String(value)), key) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { add(try encoder.box(value, key: key), key) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectNode()
        add(.object(nested), key)
        return KeyedEncodingContainer(JSONKeyedWriter<NestedKey>(encoder: JSONTreeEncoder(parent: encoder, key: key), object: nested))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = JSONArrayNode()
        add(.array(nested), key)
        return JSONUnkeyedWriter(encoder: JSONTreeEncoder(parent: encoder, key: key), array: nested)
    }

    mutating func superEncoder() -> any Encoder {
        encoder.markUnsupported()
        return JSONTreeEncoder(parent: encoder, key: nil)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder { superEncoder() }
}

struct JSONUnkeyedWriter: UnkeyedEncodingContainer {
    let encoder: JSONTreeEncoder
    let array: JSONArrayNode

    var codingPath: [any CodingKey] { encoder.codingPath }
    var count: Int { array.elements.count }

    private func add(_ value: JSONNode) { array.elements.append(value) }

    mutating func encodeNil() throws { add(.literal("null")) }
    mutating func encode(_ value: Bool) throws { add(.literal(value ? "true" : "false")) }
    mutating func encode(_ value: String) throws { add(.string(value)) }
    mutating func encode(_ value: Double) throws { add(try JSONNumberText.of(value)) }
    mutating func encode(_ value: Float) throws { add(try JSONNumberText.of(value)) }
    mutating func encode(_ value: Int) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int8) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int16) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int32) throws { add(.literal(String(value))) }
    mutating func encode(_ value: Int64) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt8) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt16) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt32) throws { add(.literal(String(value))) }
    mutating func encode(_ value: UInt64) throws { add(.literal(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { add(try encoder.box(value, key: JSONIndexKey(intValue: count))) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        let nested = JSONObjectNode()
        let key = JSONIndexKey(intValue: count)
        add(.object(nested))
        return KeyedEncodingContainer(JSONKeyedWriter<NestedKey>(encoder: JSONTreeEncoder(parent: encoder, key: key), object: nested))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let nested = JSONArrayNode()
        let key = JSONIndexKey(intValue: count)
        add(.array(nested))
        return JSONUnkeyedWriter(encoder: JSONTreeEncoder(parent: encoder, key: key), array: nested)
    }

    mutating func superEncoder() -> any Encoder {
        encoder.markUnsupported()
        return JSONTreeEncoder(parent: encoder, key: nil)
    }
}

struct JSONSingleValueWriter: SingleValueEncodingContainer {
    let encoder: JSONTreeEncoder

    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil() throws { encoder.set(.literal("null")) }
    mutating func encode(_ value: Bool) throws { encoder.set(.literal(value ? "true" : "false")) }
    mutating func encode(_ value: String) throws { encoder.set(.string(value)) }
    mutating func encode(_ value: Double) throws { encoder.set(try JSONNumberText.of(value)) }
    mutating func encode(_ value: Float) throws { encoder.set(try JSONNumberText.of(value)) }
    mutating func encode(_ value: Int) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: Int8) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: Int16) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: Int32) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: Int64) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: UInt) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: UInt8) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: UInt16) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: UInt32) throws { encoder.set(.literal(String(value))) }
    mutating func encode(_ value: UInt64) throws { encoder.set(.literal(String(value))) }
    mutating func encode<T: Encodable>(_ value: T) throws { encoder.set(try encoder.box(value)) }
}

/// Floating point as Foundation writes it: Swift's shortest round-trip `description` without a
/// trailing `.0` (`1`, `0.85`, `1e-07`); NaN and infinity, which Foundation refuses, are left to it.
enum JSONNumberText {
    static func of<F: BinaryFloatingPoint & CustomStringConvertible>(_ value: F) throws -> JSONNode {
        guard value.isFinite else { throw SortedJSONEncoder.Unsupported() }
        let text = value.description
        return .literal(text.hasSuffix(".0") ? String(text.dropLast(2)) : text)
    }
}
