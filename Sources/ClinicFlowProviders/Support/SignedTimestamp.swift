import Foundation

/// Replay protection for schemes that sign a timestamp: too old or too far ahead is refused.
enum SignedTimestamp {
    enum Unit { case seconds, milliseconds }

    /// Parses `text` and checks it against `now`, or explains the rejection naming `header`.
    static func check(_ text: String?, header: String, unit: Unit, tolerance: TimeInterval, now: Date) throws -> String {
        guard let text = text?.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw WebhookRejection.unauthorized("missing \(header) header")
        }
        guard let value = Double(text) else {
            throw WebhookRejection.unauthorized("\(header) is not a number")
        }
        let seconds = unit == .seconds ? value : value / 1000
        let skew = now.timeIntervalSince1970 - seconds
        if abs(skew) > tolerance {
            throw WebhookRejection.unauthorized(
                "\(header) is \(Int(abs(skew))) s \(skew > 0 ? "old" : "in the future"); the limit is \(Int(tolerance)) s (replayed or clock skew)"
            )
        }
        return text
    }
}
