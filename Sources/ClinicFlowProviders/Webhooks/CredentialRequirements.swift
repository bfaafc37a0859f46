import ClinicFlowDomain

/// Which secrets a channel of each provider needs, and which of them ClinicFlow can make up itself
/// (to be pasted into the provider) rather than copy from it.
public struct CredentialRequirements: Sendable, Equatable {
    /// At least one of each group must be present (e.g. Evolution: `jwt_key` or `api_key`).
    public var required: [[String]]
    /// Generated when not given.
    public var generated: [String]
    /// Everything the channel may hold, for validation.
    public var known: [String]

    public static func of(_ provider: Provider) -> CredentialRequirements {
        switch provider {
        case .meta: .init(required: [["app_secret"]], generated: ["verify_token"], known: ["app_secret", "verify_token", "access_token"])
        case .dialog360:
            .init(
                required: [["webhook_header_value", "signature_secret"]], generated: ["webhook_header_name", "webhook_header_value"],
                known: ["webhook_header_name", "webhook_header_value", "signature_secret", "api_key"]
            )
        case .evolution: .init(required: [["jwt_key", "api_key"]], generated: [], known: ["jwt_key", "api_key", "server_url"])
        case .chatwoot: .init(required: [["webhook_secret"]], generated: [], known: ["webhook_secret", "api_access_token"])
        case .calcom: .init(required: [["webhook_secret"]], generated: ["webhook_secret"], known: ["webhook_secret", "api_key"])
        case .twenty: .init(required: [["webhook_secret"]], generated: ["webhook_secret"], known: ["webhook_secret", "api_key"])
        case .stripe: .init(required: [["webhook_secret"]], generated: [], known: ["webhook_secret", "previous_webhook_secret", "api_key"])
        case .twilio: .init(required: [["auth_token"]], generated: [], known: ["auth_token", "account_sid"])
        case .vapi: .init(required: [["secret", "hmac_secret"]], generated: ["secret"], known: ["secret", "hmac_secret", "api_key"])
        case .hubspot: .init(required: [["client_secret"]], generated: [], known: ["client_secret", "access_token"])
        case .webform: .init(required: [["api_key", "signing_secret"]], generated: ["api_key"], known: ["api_key", "signing_secret"])
        }
    }

    /// Fills in generated secrets, then names what is unknown or still missing.
    public func complete(_ given: [String: String], generate: () -> String) -> Result<[String: String], Problem> {
        if let unknown = given.keys.sorted().first(where: { !known.contains($0) }) {
            return .failure(.unknown(unknown, allowed: known))
        }
        var credentials = given.filter { !$0.value.isEmpty }
        for name in generated where credentials[name] == nil {
            credentials[name] = name == "webhook_header_name" ? "X-ClinicFlow-Key" : generate()
        }
        if let missing = required.first(where: { group in !group.contains { credentials[$0] != nil } }) {
            return .failure(.missing(missing))
        }
        return .success(credentials)
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unknown(String, allowed: [String])
        case missing([String])

        public var description: String {
            switch self {
            case .unknown(let name, let allowed): "\(name) is not a credential of this provider (known: \(allowed.joined(separator: ", ")))"
            case .missing(let names): "this provider needs \(names.joined(separator: " or "))"
            }
        }
    }
}
