import Foundation

/// HubSpot request validation (developers.hubspot.com, `hubspot/utils/signature.py`).
/// v3: `X-HubSpot-Signature-v3 = base64(HMAC-SHA256(client secret, method + uri + body + timestamp))`
/// with `X-HubSpot-Request-Timestamp` in milliseconds, refused after 5 minutes.
/// v1: hex SHA-256(secret + body); v2: hex SHA-256(secret + method + uri + body). v1/v2 sign no
/// timestamp; event-id deduplication stops their replays.
public enum HubSpotSignature {
    public static let maxAge: TimeInterval = 300

    public static func v3(secret: String, method: String, uri: String, body: [UInt8], timestamp: String) -> String {
        let message = Array((method + decodedURI(uri)).utf8) + body + Array(timestamp.utf8)
        return Digest.hmacSHA256Base64(key: secret, message: message)
    }

    public static func v1(secret: String, body: [UInt8]) -> String {
        Digest.sha256Hex(Array(secret.utf8) + body)
    }

    public static func v2(secret: String, method: String, uri: String, body: [UInt8]) -> String {
        Digest.sha256Hex(Array((secret + method + uri).utf8) + body)
    }

    /// HubSpot decodes these escapes in the URI before signing.
    static func decodedURI(_ uri: String) -> String {
        let escapes = [
            "%3A": ":", "%2F": "/", "%3F": "?", "%40": "@", "%21": "!", "%24": "$", "%27": "'", "%28": "(", "%29": ")",
            "%2A": "*", "%2C": ",", "%3B": ";",
        ]
        var out = uri
        for (escape, character) in escapes {
            out = out.replacingOccurrences(of: escape, with: character, options: .caseInsensitive)
        }
        return out
    }

    public static func verify(
        headers: HeaderFields, method: String, uri: String, body: [UInt8], secret: String, now: Date
    ) throws {
        if let signature = headers.first("X-HubSpot-Signature-v3") {
            let timestamp = try SignedTimestamp.check(
                headers.first("X-HubSpot-Request-Timestamp"), header: "X-HubSpot-Request-Timestamp",
                unit: .milliseconds, tolerance: maxAge, now: now
            )
            let expected = Data(base64Encoded: v3(secret: secret, method: method, uri: uri, body: body, timestamp: timestamp))!
            guard Digest.matchesBase64(signature, Array(expected)) else {
                throw WebhookRejection.unauthorized("X-HubSpot-Signature-v3 does not match the request (check the client secret and public URL)")
            }
            return
        }
        guard let signature = headers.first("X-HubSpot-Signature") else {
            throw WebhookRejection.unauthorized("missing X-HubSpot-Signature-v3 header")
        }
        let version = headers.first("X-HubSpot-Signature-Version")?.lowercased() ?? "v1"
        let expected: String
        switch version {
        case "v1": expected = v1(secret: secret, body: body)
        case "v2": expected = v2(secret: secret, method: method, uri: uri, body: body)
        default: throw WebhookRejection.unauthorized("unknown X-HubSpot-Signature-Version \(version)")
        }
        guard ConstantTime.equals(signature.lowercased(), expected) else {
            throw WebhookRejection.unauthorized("X-HubSpot-Signature (\(version)) does not match the request")
        }
    }
}
