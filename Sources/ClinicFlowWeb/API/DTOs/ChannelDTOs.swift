import ClinicFlowDomain
import Foundation

struct ChannelDTO: APIModel {
    var id: UUID
    var clinicId: UUID
    var provider: Provider
    var name: String
    var businessNumber: String?
    var businessAccountId: String?
    var department: String?
    var active: Bool
    var signatureToleranceSeconds: Int?
    var requireSignature: Bool
    var apiBaseUrl: String?
    var accountId: String?
    var sandbox: Bool
    /// Where the provider must post: give this URL to the provider.
    var webhookUrl: String
    /// Names of the secrets the channel holds (their values are never shown again).
    var credentialNames: [String]
    /// Only in the response that created or rotated them: shown once.
    var credentials: [String: String]?

    init(_ channel: ClinicChannel, webhookBase: String, credentialNames: [String], credentials: [String: String]? = nil) {
        id = channel.id
        clinicId = channel.clinicID
        provider = channel.provider
        name = channel.name
        businessNumber = channel.businessNumber
        businessAccountId = channel.businessAccountID
        department = channel.department
        active = channel.active
        signatureToleranceSeconds = channel.settings.signatureToleranceSeconds
        requireSignature = channel.settings.requireSignature
        apiBaseUrl = channel.settings.apiBaseURL
        accountId = channel.settings.accountID
        sandbox = channel.settings.sandbox
        webhookUrl = "\(webhookBase)/hooks/\(channel.provider.rawValue)/\(channel.id.text(lowercase: true))"
        self.credentialNames = credentialNames.sorted()
        self.credentials = credentials
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("clinic_id", .uuid), ("provider", .string(enumValues: Provider.allCases.map(\.rawValue))), ("name", .string()),
        ("business_number", .nullable(.string())), ("business_account_id", .nullable(.string())), ("department", .nullable(.string())),
        ("active", .boolean), ("signature_tolerance_seconds", .nullable(.integer(minimum: 0))), ("require_signature", .boolean),
        ("api_base_url", .nullable(.string(format: "uri"))), ("account_id", .nullable(.string())), ("sandbox", .boolean),
        ("webhook_url", .string(format: "uri")), ("credential_names", .array(.string())),
        ("credentials", .nullable(.map(.string(description: "Shown once, when created or rotated")))),
    ], required: ["id", "clinic_id", "provider", "name", "active", "require_signature", "sandbox", "webhook_url", "credential_names"])
}


struct CreateChannelRequest: APIModel {
    var provider: Provider
    var name: String
    var businessNumber: String?
    var businessAccountId: String?
    var department: String?
    var signatureToleranceSeconds: Int?
    var requireSignature: Bool?
    var apiBaseUrl: String?
    var accountId: String?
    var sandbox: Bool?
    var credentials: [String: String]?

    static let schema = JSONSchema.object(properties: [
        ("provider", .string(enumValues: Provider.allCases.map(\.rawValue))), ("name", .string()), ("business_number", .string()),
        ("business_account_id", .string()), ("department", .string()), ("signature_tolerance_seconds", .integer(minimum: 0, maximum: 86_400)),
        ("require_signature", .boolean), ("api_base_url", .string(format: "uri", description: "The provider's API when not its public default (self-hosted Chatwoot/Evolution)")),
        ("account_id", .string(description: "Chatwoot account id")), ("sandbox", .boolean),
        ("credentials", .map(.string())),
    ], required: ["provider", "name"])
}

struct UpdateChannelRequest: APIModel {
    var name: String?
    var businessNumber: String?
    var businessAccountId: String?
    var department: String?
    var active: Bool?
    var signatureToleranceSeconds: Int?
    var requireSignature: Bool?
    var apiBaseUrl: String?
    var accountId: String?
    var sandbox: Bool?
    /// Replaces every secret; the response shows the new ones once.
    var credentials: [String: String]?

    static let schema = JSONSchema.object(properties: [
        ("name", .string()), ("business_number", .string()), ("business_account_id", .string()), ("department", .string()),
        ("active", .boolean), ("signature_tolerance_seconds", .integer(minimum: 0, maximum: 86_400)), ("require_signature", .boolean),
        ("api_base_url", .string(format: "uri")), ("account_id", .string()), ("sandbox", .boolean),
        ("credentials", .map(.string())),
    ], required: [])
}
