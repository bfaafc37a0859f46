import ClinicFlowDomain
import Foundation

/// One message to send through a channel.
public struct OutboundMessage: Sendable, Equatable {
    public enum Content: Sendable, Equatable {
        case text(String)
        /// An approved template with its body parameters in order.
        case template(WhatsAppTemplate, parameters: [String])
    }

    /// The person's number in E.164 (`+5511…`).
    public var to: String
    public var content: Content
    /// The provider's conversation id (Chatwoot) when the channel sends into a conversation.
    public var conversationID: String?

    public init(to: String, content: Content, conversationID: String? = nil) {
        self.to = to
        self.content = content
        self.conversationID = conversationID
    }
}

/// Where and how a channel sends: base URL, account id and credentials.
public struct SenderConfiguration: Sendable {
    public var channel: ClinicChannel
    public var credentials: ChannelCredentials
    public var timeout: TimeInterval

    public init(channel: ClinicChannel, credentials: ChannelCredentials, timeout: TimeInterval = 15) {
        self.channel = channel
        self.credentials = credentials
        self.timeout = timeout
    }

    /// The channel's configured API base (tests and self-hosted installs), else the provider's public one.
    func baseURL(default fallback: String) -> String {
        let base = channel.settings.apiBaseURL ?? credentials["server_url"] ?? fallback
        return base.hasSuffix("/") ? String(base.dropLast()) : base
    }
}

/// How a send ended, as far as the outbox needs to know.
public enum SendOutcome: Sendable, Equatable {
    case sent(providerMessageID: String)
    /// The provider refused; `retryable` when trying later may work (429, 5xx, not reachable).
    case rejected(code: Int?, reason: String, retryable: Bool)
    /// The request may have reached the provider (timeout after sending): never resend blindly.
    case unknown(reason: String)
}

public protocol MessageSender: Sendable {
    func send(_ message: OutboundMessage, with configuration: SenderConfiguration) async -> SendOutcome
}

/// The sender for each provider that can message people.
public enum MessageSenders {
    public static func sender(for provider: Provider, http: JSONHTTP = JSONHTTP(), sandbox: Bool = false) -> (any MessageSender)? {
        if sandbox && canSend(provider) { return SandboxSender() }
        switch provider {
        case .meta: return WhatsAppCloudSender(http: http, flavour: .meta)
        case .dialog360: return WhatsAppCloudSender(http: http, flavour: .dialog360)
        case .evolution: return EvolutionSender(http: http)
        case .chatwoot: return ChatwootSender(http: http)
        default: return nil
        }
    }

    public static func canSend(_ provider: Provider) -> Bool { [.meta, .dialog360, .evolution, .chatwoot].contains(provider) }
}

/// A channel in sandbox mode: every message counts as sent, nothing leaves the machine.
struct SandboxSender: MessageSender {
    func send(_ message: OutboundMessage, with configuration: SenderConfiguration) async -> SendOutcome {
        .sent(providerMessageID: "sandbox:\(UUID.random().text(lowercase: true))")
    }
}
