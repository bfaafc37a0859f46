import Foundation

/// `X-Twilio-Signature = base64(HMAC-SHA1(auth token, URL + Σ sorted name+value))` for form posts;
/// for JSON posts the URL carries `bodySHA256=<hex sha256(body)>` and only the URL is signed.
/// Twilio may have called the URL with or without the default port, so both forms are tried.
public enum TwilioSignature {
    public static let header = "X-Twilio-Signature"

    public static func expected(url: String, params: [(name: String, value: String)], authToken: String) -> String {
        var message = url
        // Sort by name, then by value for repeated names, as Twilio's SDKs do.
        for pair in params.sorted(by: { ($0.name, $0.value) < ($1.name, $1.value) }) {
            message += pair.name + pair.value
        }
        return Digest.hmacSHA1Base64(key: authToken, message: Array(message.utf8))
    }

    public static func isValid(signature: String, url: String, params: [(name: String, value: String)], authToken: String) -> Bool {
        guard let received = Data(base64Encoded: signature) else { return false }
        return urlVariants(url).contains { variant in
            let expected = Data(base64Encoded: self.expected(url: variant, params: params, authToken: authToken))!
            return ConstantTime.equals(Array(received), Array(expected))
        }
    }

    /// The URL as given, plus without its port when it has one, or with the scheme's default port when
    /// it has none (proxies and Twilio disagree about ports; Twilio's own validators try the same).
    static func urlVariants(_ url: String) -> [String] {
        guard var components = URLComponents(string: url), let scheme = components.scheme else { return [url] }
        components.port = components.port == nil ? (scheme == "https" ? 443 : 80) : nil
        return [url] + [components.string].compactMap { $0 }
    }
}
