import Foundation

/// A webhook as it arrived: the exact bytes, which every signature is computed over.
public struct WebhookRequest: Sendable {
    public var method: String
    /// The public URL the provider called, query included (Twilio and HubSpot sign it).
    public var url: String
    public var headers: HeaderFields
    public var body: [UInt8]
    public var receivedAt: Date

    public init(method: String = "POST", url: String, headers: HeaderFields, body: [UInt8], receivedAt: Date = Date()) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
        self.receivedAt = receivedAt
    }

    /// The media type without parameters, lower-cased: `application/json`.
    public var mediaType: String? {
        headers.first("Content-Type")?
            .split(separator: ";", maxSplits: 1, omittingEmptySubsequences: false).first
            .map { ASCII.trimmingWhitespace($0).lowercased() }
    }

    public var bodyData: Data { Data(body) }
}

/// Case-insensitive header lookup, as HTTP requires.
public struct HeaderFields: Sendable, ExpressibleByDictionaryLiteral {
    private var pairs: [(name: String, value: String)]

    public init(_ pairs: [(String, String)]) {
        self.pairs = pairs.map { (name: $0.0.lowercased(), value: $0.1) }
    }

    public init(dictionaryLiteral elements: (String, String)...) {
        self.init(elements)
    }

    public func first(_ name: String) -> String? {
        let key = name.lowercased()
        return pairs.first { $0.name == key }?.value
    }
}

/// Why a webhook was refused, as the HTTP status and the reason the JSON error carries.
public struct WebhookRejection: Error, Equatable, CustomStringConvertible {
    public var status: Int
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public static func unauthorized(_ reason: String) -> Self { .init(status: 401, reason: reason) }
    public static func badRequest(_ reason: String) -> Self { .init(status: 400, reason: reason) }
    public static func unsupportedMediaType(_ reason: String) -> Self { .init(status: 415, reason: reason) }

    public var description: String { "\(status): \(reason)" }
}
