import Foundation

/// One configured connection of a clinic to a provider: where its webhooks arrive and how they are verified.
/// Secrets live apart, in `ChannelCredentials`, and are encrypted at rest.
public struct ClinicChannel: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var clinicID: UUID
    public var provider: Provider
    public var name: String
    /// The clinic's number on this channel in E.164 (`+5511…`), for routing and display.
    public var businessNumber: String?
    /// The provider's id for the receiving account: Meta phone_number_id, Chatwoot inbox id, Evolution instance.
    public var businessAccountID: String?
    public var department: String?
    public var settings: ChannelSettings
    public var active: Bool

    public init(
        id: UUID = UUID(), clinicID: UUID, provider: Provider, name: String, businessNumber: String? = nil,
        businessAccountID: String? = nil, department: String? = nil, settings: ChannelSettings = .init(), active: Bool = true
    ) {
        self.id = id
        self.clinicID = clinicID
        self.provider = provider
        self.name = name
        self.businessNumber = businessNumber
        self.businessAccountID = businessAccountID
        self.department = department
        self.settings = settings
        self.active = active
    }
}

/// Non-secret per-channel options.
public struct ChannelSettings: Sendable, Equatable, Codable {
    /// Accepted clock skew for providers that sign a timestamp (Chatwoot, Twenty, Vapi HMAC, web forms).
    /// Stripe (300 s) and HubSpot (5 min) use their documented tolerances.
    public var signatureToleranceSeconds: Int?
    /// Chatwoot installs older than its signing feature send unsigned webhooks; only then turn this off.
    public var requireSignature: Bool
    /// Where the provider's API is, when not its public default: a self-hosted Chatwoot or Evolution
    /// server, a regional Graph API version, a test server.
    public var apiBaseURL: String?
    /// Chatwoot's account id, for sending into its conversations.
    public var accountID: String?
    /// Replies are recorded as sent without calling the provider: the demo clinic, trials, training.
    public var sandbox: Bool

    public init(signatureToleranceSeconds: Int? = nil, requireSignature: Bool = true, apiBaseURL: String? = nil, accountID: String? = nil, sandbox: Bool = false) {
        self.signatureToleranceSeconds = signatureToleranceSeconds
        self.requireSignature = requireSignature
        self.apiBaseURL = apiBaseURL
        self.accountID = accountID
        self.sandbox = sandbox
    }

    enum CodingKeys: String, CodingKey { case signatureToleranceSeconds, requireSignature, apiBaseURL, accountID, sandbox }

    /// Settings stored before a field existed read as its default.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        signatureToleranceSeconds = try container.decodeIfPresent(Int.self, forKey: .signatureToleranceSeconds)
        requireSignature = try container.decodeIfPresent(Bool.self, forKey: .requireSignature) ?? true
        apiBaseURL = try container.decodeIfPresent(String.self, forKey: .apiBaseURL)
        accountID = try container.decodeIfPresent(String.self, forKey: .accountID)
        sandbox = try container.decodeIfPresent(Bool.self, forKey: .sandbox) ?? false
    }

    public static let defaultToleranceSeconds = 300
    public var tolerance: TimeInterval { TimeInterval(signatureToleranceSeconds ?? Self.defaultToleranceSeconds) }
}

/// A channel's secrets by name (`app_secret`, `verify_token`, `access_token`, …). Which names a provider
/// needs is listed by `ProviderCredentialNames`.
public struct ChannelCredentials: Sendable, Equatable, Codable {
    public var values: [String: String]

    public init(_ values: [String: String] = [:]) { self.values = values }

    public subscript(_ name: String) -> String? {
        get { values[name].flatMap { $0.isEmpty ? nil : $0 } }
        set { values[name] = newValue }
    }
}
