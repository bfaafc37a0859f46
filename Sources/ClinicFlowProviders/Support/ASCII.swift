/// Byte-level helpers for header values, which are ASCII on the wire: Foundation's
/// `trimmingCharacters(in:)` and `Character` views cost microseconds per call on every webhook.
public enum ASCII {
    /// `text` without leading and trailing spaces and tabs.
    public static func trimmingWhitespace(_ text: some StringProtocol) -> Substring {
        let text = Substring(text)
        let utf8 = text.utf8
        let isBlank = { (byte: UInt8) in byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
        guard let first = utf8.firstIndex(where: { !isBlank($0) }), let last = utf8.lastIndex(where: { !isBlank($0) }) else {
            return ""
        }
        return text[first...last]
    }
}
