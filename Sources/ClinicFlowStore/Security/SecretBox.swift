import Crypto
import Foundation

/// Encrypts secrets at rest (channel credentials) with AES-256-GCM under the configured key.
///
/// The row id is authenticated as associated data, so a ciphertext copied onto another row does not
/// decrypt. Layout: version byte `1`, then nonce ‖ ciphertext ‖ tag.
public struct SecretBox: Sendable {
    // Raw bytes rather than a SymmetricKey, which is not Sendable in this swift-crypto.
    private let keyBytes: [UInt8]
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }

    public init(key: [UInt8]) {
        precondition(key.count == 32, "SecretBox needs a 32-byte key")
        self.keyBytes = key
    }

    public func seal(_ plaintext: Data, boundTo id: UUID) throws -> Data {
        let sealed = try AES.GCM.seal(plaintext, using: key, authenticating: Self.associatedData(id))
        guard let combined = sealed.combined else { throw SecretBoxError.cannotSeal }
        return Data([1]) + combined
    }

    public func open(_ box: Data, boundTo id: UUID) throws -> Data {
        guard box.first == 1 else { throw SecretBoxError.unknownVersion }
        do {
            let sealed = try AES.GCM.SealedBox(combined: box.dropFirst())
            return try AES.GCM.open(sealed, using: key, authenticating: Self.associatedData(id))
        } catch {
            throw SecretBoxError.cannotOpen
        }
    }

    private static func associatedData(_ id: UUID) -> Data {
        withUnsafeBytes(of: id.uuid) { Data($0) }
    }
}

public enum SecretBoxError: Error, CustomStringConvertible {
    case cannotSeal
    case unknownVersion
    /// Wrong key (CLINICFLOW_ENCRYPTION_KEY changed?) or tampered data.
    case cannotOpen

    public var description: String {
        switch self {
        case .cannotSeal: "could not encrypt the secret"
        case .unknownVersion: "the stored secret has an unknown format"
        case .cannotOpen: "the stored secret cannot be decrypted: was CLINICFLOW_ENCRYPTION_KEY changed?"
        }
    }
}
