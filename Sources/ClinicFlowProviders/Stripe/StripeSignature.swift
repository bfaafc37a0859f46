import Foundation

/// `Stripe-Signature: t=<unix seconds>,v1=<hex>[,v1=<hex>…][,v0=…]` over `"{t}.{body}"` with the whole
/// `whsec_…` string as the HMAC-SHA256 key. Any `v1` may match (several during secret rotation);
/// `v0` is ignored. Timestamps older than the tolerance (300 s) are refused.
public enum StripeSignature {
    public static let header = "Stripe-Signature"
    public static let defaultTolerance: TimeInterval = 300

    public static func verify(
        header value: String?, body: [UInt8], secrets: [String], tolerance: TimeInterval? = defaultTolerance, now: Date
    ) throws {
        guard let value, !value.isEmpty else { throw WebhookRejection.unauthorized("missing \(header) header") }
        var timestamp: String?
        var signatures: [String] = []
        for item in value.split(separator: ",") {
            let pair = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard pair.count == 2 else { continue }
            if pair[0] == "t" { timestamp = pair[1] }
            if pair[0] == "v1" { signatures.append(pair[1]) }
        }
        guard let timestamp, let seconds = Int(timestamp) else {
            throw WebhookRejection.unauthorized("\(header) has no timestamp")
        }
        guard !signatures.isEmpty else {
            throw WebhookRejection.unauthorized("\(header) has no v1 signature")
        }
        let signed = Array("\(timestamp).".utf8) + body
        let matched = secrets.contains { secret in
            let expected = Digest.hmacSHA256(key: secret, message: signed)
            return signatures.contains { Digest.matchesHex($0, expected) }
        }
        guard matched else { throw WebhookRejection.unauthorized("no v1 signature in \(header) matches the body") }
        if let tolerance, Double(seconds) < now.timeIntervalSince1970 - tolerance {
            throw WebhookRejection.unauthorized("\(header) timestamp is older than \(Int(tolerance)) s (replayed?)")
        }
    }

    /// Builds a header (tests and the simulator).
    public static func sign(body: [UInt8], secret: String, timestamp: Int) -> String {
        "t=\(timestamp),v1=" + Digest.hmacSHA256Hex(key: secret, message: Array("\(timestamp).".utf8) + body)
    }
}
