import Foundation

/// One JSON convention for everything ClinicFlow stores: sorted keys (stable bytes for hashing
/// and idempotency) and ISO-8601 dates.
public enum JSONCoding {
    public static func encode<T: Encodable>(_ value: T) throws -> Data {
        try write(value, dates: .iso8601, as: encoder)
    }

    /// `value` by `SortedJSONEncoder`, which leaves to Foundation's `foundation` (set up alike) what
    /// it does not write itself, and any error, so a failing value reports it with Foundation's words
    /// and coding path.
    private static func write<T: Encodable>(_ value: T, dates: SortedJSONEncoder.Dates, as foundation: JSONEncoder) throws -> Data {
        let written: Data
        do {
            written = try SortedJSONEncoder.encode(value, dates: dates)
        } catch {
            return try foundation.encode(value)
        }
        #if DEBUG
        // Every document the test suite writes is checked against Foundation's bytes.
        if let expected = try? foundation.encode(value), expected != written {
            assertionFailure("SortedJSONEncoder wrote \(T.self) differently from Foundation")
        }
        #endif
        return written
    }

    /// Shared, because making a coder costs about as much as coding a small document with it
    /// (Foundation's coders are thread-safe; their options are never changed after this).
    private static let encoder = makeEncoder()

    public static func makeEncoder() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        return encoder
    }

    public static let decoder: JSONDecoder = {
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        return decoder
    }()

    /// Foundation's defaults, for provider payloads and other documents without ISO-8601 dates.
    public static let plainDecoder = JSONDecoder()
    /// Foundation's defaults (dates as seconds since 2001) with keys sorted and slashes unescaped:
    /// how settings, assistant states and other stored documents are written. `plainDecoder` reads
    /// them, and the documents written before with Foundation's defaults alone.
    public static let plainEncoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// `value` as JSON text as `plainEncoder` writes it (each conversation's assistant state is
    /// written on every reply).
    public static func plainText<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try write(value, dates: .deferredToDate, as: plainEncoder), as: UTF8.self)
    }
}
