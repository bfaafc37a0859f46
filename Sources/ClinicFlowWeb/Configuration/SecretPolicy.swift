import ClinicFlowDomain
import Foundation

/// What counts as a strong secret, and how development gets one without anyone typing it.
enum SecretPolicy {
    static let minimumJWTSecretLength = 32

    /// Placeholders people copy from examples; refused in production whatever their length.
    private static let placeholders = ["changeme", "change-me", "secret", "password", "example", "clinicflow", "development", "test"]

    /// Why `secret` is too weak, or nil if it is fine.
    static func weakness(ofJWTSecret secret: String) -> String? {
        if secret.count < minimumJWTSecretLength {
            return "is too short: use at least \(minimumJWTSecretLength) random characters (e.g. `openssl rand -base64 48`)"
        }
        let lowered = secret.lowercased()
        if placeholders.contains(where: { lowered.contains($0) }) {
            return "looks like a placeholder; generate a random one (e.g. `openssl rand -base64 48`)"
        }
        if Set(secret).count < 10 {
            return "repeats too few characters to be random; generate one with `openssl rand -base64 48`"
        }
        return nil
    }

    /// Decodes a base64 32-byte key, or explains what is wrong with it.
    static func encryptionKey(from text: String) -> Result<[UInt8], KeyProblem> {
        guard let data = Data(base64Encoded: text.trimmingCharacters(in: .whitespaces)) else { return .failure(.notBase64) }
        guard data.count == 32 else { return .failure(.wrongLength(data.count)) }
        guard Set(data).count > 4 else { return .failure(.lowEntropy) }
        return .success(Array(data))
    }

    enum KeyProblem: Error, Equatable {
        case notBase64
        case wrongLength(Int)
        case lowEntropy

        var explanation: String {
            switch self {
            case .notBase64: "must be base64 (generate one with `openssl rand -base64 32`)"
            case .wrongLength(let count): "must decode to 32 bytes, not \(count) (generate one with `openssl rand -base64 32`)"
            case .lowEntropy: "is not random enough (generate one with `openssl rand -base64 32`)"
            }
        }
    }

    static func randomJWTSecret() -> String {
        Data(randomBytes(48)).base64EncodedString()
    }

    static func randomEncryptionKey() -> [UInt8] {
        randomBytes(32)
    }

    private static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
    }
}

/// Secrets generated for development, kept in a file beside the SQLite database so a restart
/// does not log everyone out or make encrypted channel credentials unreadable.
struct DevelopmentSecretsFile {
    let path: String

    struct Contents: Codable {
        var jwtSecret: String
        var encryptionKey: String
    }

    func loadOrCreate() throws -> (secrets: AppConfig.Secrets, created: Bool) {
        if let data = FileManager.default.contents(atPath: path),
            let contents = try? JSONCoding.plainDecoder.decode(Contents.self, from: data),
            case .success(let key) = SecretPolicy.encryptionKey(from: contents.encryptionKey)
        {
            return (.init(jwtSecret: contents.jwtSecret, encryptionKey: key), false)
        }
        let secrets = AppConfig.Secrets(jwtSecret: SecretPolicy.randomJWTSecret(), encryptionKey: SecretPolicy.randomEncryptionKey())
        let contents = Contents(jwtSecret: secrets.jwtSecret, encryptionKey: Data(secrets.encryptionKey).base64EncodedString())
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let created = FileManager.default.createFile(
            atPath: path, contents: try JSONEncoder().encode(contents), attributes: [.posixPermissions: 0o600]
        )
        guard created else { throw ConfigError(["cannot write development secrets to \(path)"]) }
        return (secrets, true)
    }
}
