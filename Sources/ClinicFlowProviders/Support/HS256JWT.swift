import ClinicFlowDomain
import Foundation

/// Verifies an HS256 JSON Web Token, as Evolution API signs its webhooks with the instance's `jwt_key`.
public enum HS256JWT {
    /// Throws a 401 rejection naming what is wrong; returns the claims when the token is valid now.
    public static func verify(_ token: String, key: String, now: Date, leeway: TimeInterval = 30) throws -> [String: JSONValue] {
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, let headerData = base64URL(parts[0]), let payloadData = base64URL(parts[1]),
            let signature = base64URL(parts[2])
        else { throw WebhookRejection.unauthorized("the bearer token is not a JWT") }
        guard let header = try? JSONCoding.plainDecoder.decode(JSONValue.self, from: headerData), header["alg"]?.text == "HS256" else {
            throw WebhookRejection.unauthorized("the bearer token must be signed with HS256")
        }
        let expected = Digest.hmacSHA256(key: key, message: Array("\(parts[0]).\(parts[1])".utf8))
        guard ConstantTime.equals(Array(signature), expected) else {
            throw WebhookRejection.unauthorized("the bearer token's signature does not match the channel's jwt_key")
        }
        guard let claims = (try? JSONCoding.plainDecoder.decode(JSONValue.self, from: payloadData))?.object else {
            throw WebhookRejection.unauthorized("the bearer token's claims are not a JSON object")
        }
        if let exp = claims["exp"]?.int, Double(exp) + leeway < now.timeIntervalSince1970 {
            throw WebhookRejection.unauthorized("the bearer token expired")
        }
        if let nbf = claims["nbf"]?.int, Double(nbf) - leeway > now.timeIntervalSince1970 {
            throw WebhookRejection.unauthorized("the bearer token is not valid yet")
        }
        return claims
    }

    static func base64URL(_ part: Substring) -> Data? {
        var text = part.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        while text.count % 4 != 0 { text += "=" }
        return Data(base64Encoded: text)
    }

    /// Signs claims (for tests and the simulator).
    public static func sign(_ claims: [String: Any], key: String) -> String {
        func encode(_ object: Any) -> String {
            let data = try! JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return data.base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
                .replacingOccurrences(of: "=", with: "")
        }
        let signingInput = encode(["alg": "HS256", "typ": "JWT"]) + "." + encode(claims)
        let signature = Data(Digest.hmacSHA256(key: key, message: Array(signingInput.utf8))).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return signingInput + "." + signature
    }
}
