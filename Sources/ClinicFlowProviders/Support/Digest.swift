import Crypto
import Foundation

/// The hashes and MACs provider signature schemes use.
public enum Digest {
    public static func sha256Hex(_ bytes: some Sequence<UInt8>) -> String {
        Hex.encode(SHA256.hash(data: Array(bytes)))
    }

    public static func hmacSHA256(key: String, message: some Sequence<UInt8>) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key.utf8))))
    }

    public static func hmacSHA512(key: String, message: some Sequence<UInt8>) -> [UInt8] {
        Array(HMAC<SHA512>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key.utf8))))
    }

    public static func hmacSHA1(key: String, message: some Sequence<UInt8>) -> [UInt8] {
        Array(HMAC<Insecure.SHA1>.authenticationCode(for: Array(message), using: SymmetricKey(data: Array(key.utf8))))
    }

    public static func hmacSHA256Hex(key: String, message: some Sequence<UInt8>) -> String {
        Hex.encode(hmacSHA256(key: key, message: message))
    }

    public static func hmacSHA256Base64(key: String, message: some Sequence<UInt8>) -> String {
        Data(hmacSHA256(key: key, message: message)).base64EncodedString()
    }

    public static func hmacSHA1Base64(key: String, message: some Sequence<UInt8>) -> String {
        Data(hmacSHA1(key: key, message: message)).base64EncodedString()
    }

    /// The signature without an optional `sha256=` prefix (providers differ on whether they add it).
    public static func withoutAlgorithmPrefix(_ signature: String) -> String {
        signature.hasPrefix("sha256=") ? String(signature.dropFirst("sha256=".count)) : signature
    }

    /// Compares a received hex signature with the expected MAC, in constant time, either case.
    public static func matchesHex(_ received: String, _ expected: [UInt8]) -> Bool {
        guard let bytes = Hex.decode(ASCII.trimmingWhitespace(received)) else { return false }
        return ConstantTime.equals(bytes, expected)
    }

    /// Compares a received base64 signature with the expected MAC, in constant time.
    public static func matchesBase64(_ received: String, _ expected: [UInt8]) -> Bool {
        guard let data = Data(base64Encoded: String(ASCII.trimmingWhitespace(received))) else { return false }
        return ConstantTime.equals(Array(data), expected)
    }
}
