import Foundation

extension UUID {
    /// The 8-4-4-4-12 text, upper-case exactly as `uuidString` or lower-case.
    ///
    /// Foundation writes `uuidString` with C's `snprintf` and parses it with `sscanf`; with a few
    /// ids bound or read per statement that was about 3 % of SQLite's thread (docs/benchmarks.md).
    public func text(lowercase: Bool = false) -> String {
        let digits: StaticString = lowercase ? "0123456789abcdef" : "0123456789ABCDEF"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { output in
                var at = 0
                for index in 0..<16 {
                    if index == 4 || index == 6 || index == 8 || index == 10 {
                        output[at] = UInt8(ascii: "-")
                        at += 1
                    }
                    output[at] = digits.utf8Start[Int(bytes[index] >> 4)]
                    output[at + 1] = digits.utf8Start[Int(bytes[index] & 0x0F)]
                    at += 2
                }
                return at
            }
        }
    }

    /// Parses the 8-4-4-4-12 text in either case; nil for anything else, where a caller that
    /// accepts more falls back to `UUID(uuidString:)`.
    public init?(text: String) {
        var text = text
        guard let parsed = text.withUTF8({ Self.parse($0) }) else { return nil }
        self.init(uuid: parsed)
    }

    private static func parse(_ utf8: UnsafeBufferPointer<UInt8>) -> uuid_t? {
        guard utf8.count == 36 else { return nil }
        var value: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let complete = withUnsafeMutableBytes(of: &value) { bytes -> Bool in
            var at = 0
            for index in 0..<16 {
                if index == 4 || index == 6 || index == 8 || index == 10 {
                    guard utf8[at] == UInt8(ascii: "-") else { return false }
                    at += 1
                }
                guard let high = HexDigit.value(utf8[at]), let low = HexDigit.value(utf8[at + 1]) else { return false }
                bytes[index] = high << 4 | low
                at += 2
            }
            return true
        }
        return complete ? value : nil
    }
}

public enum HexDigit {
    /// The value of one hex digit of either case; nil for any other byte.
    public static func value(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
