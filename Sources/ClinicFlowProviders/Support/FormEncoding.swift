import Foundation

/// `application/x-www-form-urlencoded` bodies, as Twilio and HTML forms send them.
public enum FormEncoding {
    /// Pairs in body order; `+` is a space, `%XX` is a byte. Invalid escapes make the body invalid.
    public static func parse(_ body: [UInt8]) throws -> [(name: String, value: String)] {
        guard !body.isEmpty else { return [] }
        return try body.split(separator: UInt8(ascii: "&"), omittingEmptySubsequences: true).map { part in
            let pieces = part.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            let name = try decode(pieces[0])
            let value = pieces.count > 1 ? try decode(pieces[1]) : ""
            return (name, value)
        }
    }

    /// First value per name.
    public static func dictionary(_ pairs: [(name: String, value: String)]) -> [String: String] {
        var out: [String: String] = [:]
        for pair in pairs where out[pair.name] == nil { out[pair.name] = pair.value }
        return out
    }

    private static func decode(_ bytes: ArraySlice<UInt8>) throws -> String {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let byte = bytes[index]
            if byte == UInt8(ascii: "+") {
                out.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard index + 2 < bytes.endIndex,
                    let decoded = Hex.decode(String(decoding: bytes[(index + 1)...(index + 2)], as: UTF8.self))
                else { throw WebhookRejection.badRequest("the form body has an invalid % escape") }
                out.append(decoded[0])
                index += 2
            } else {
                out.append(byte)
            }
            index += 1
        }
        guard let text = String(validating: out, as: UTF8.self) else {
            throw WebhookRejection.badRequest("the form body is not valid UTF-8")
        }
        return text
    }

    /// Encodes pairs the way browsers and Twilio do (for tests and the simulator).
    public static func encode(_ pairs: [(String, String)]) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._*")
        return pairs.map { name, value in
            func escape(_ text: String) -> String {
                text.addingPercentEncoding(withAllowedCharacters: allowed)!.replacingOccurrences(of: "%20", with: "+")
            }
            return "\(escape(name))=\(escape(value))"
        }.joined(separator: "&")
    }
}
