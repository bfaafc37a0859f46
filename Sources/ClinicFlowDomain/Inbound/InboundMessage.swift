import Foundation

public enum MediaKind: String, Sendable, Codable, CaseIterable {
    case image, audio, video, document, sticker, location, contacts, reaction, interactive, button, unsupported
}

/// A message a person sent to the clinic.
public struct InboundMessage: Sendable, Equatable, Codable {
    public var providerMessageID: String
    /// The sender's phone as the provider gives it, in international form with `+` where the provider's
    /// format allows (WhatsApp ids are international without the plus). Normalised per clinic later.
    public var senderPhone: String?
    public var senderName: String?
    /// The provider's id for the person (WhatsApp `wa_id`, Chatwoot contact id).
    public var senderExternalID: String?
    public var senderEmail: String?
    public var text: String?
    public var mediaKind: MediaKind?
    /// The clinic number that received it (`display_phone_number`, Twilio `To`).
    public var businessNumber: String?
    /// The provider's id of the receiving account (Meta `phone_number_id`, Chatwoot inbox, Evolution instance).
    public var businessAccountID: String?
    /// The provider's conversation, where it has one (Chatwoot).
    public var conversationID: String?
    /// When the person sent it (provider timestamp).
    public var sentAt: Date?
    /// Meta: the ad or post the person came from (click-to-WhatsApp), for attribution.
    public var referral: Referral?

    public init(
        providerMessageID: String, senderPhone: String? = nil, senderName: String? = nil, senderExternalID: String? = nil,
        senderEmail: String? = nil, text: String? = nil, mediaKind: MediaKind? = nil, businessNumber: String? = nil,
        businessAccountID: String? = nil, conversationID: String? = nil, sentAt: Date? = nil, referral: Referral? = nil
    ) {
        self.providerMessageID = providerMessageID
        self.senderPhone = senderPhone
        self.senderName = senderName
        self.senderExternalID = senderExternalID
        self.senderEmail = senderEmail
        self.text = text
        self.mediaKind = mediaKind
        self.businessNumber = businessNumber
        self.businessAccountID = businessAccountID
        self.conversationID = conversationID
        self.sentAt = sentAt
        self.referral = referral
    }

    public struct Referral: Sendable, Equatable, Codable {
        public var sourceURL: String?
        public var sourceType: String?
        public var sourceID: String?
        public var headline: String?

        public init(sourceURL: String? = nil, sourceType: String? = nil, sourceID: String? = nil, headline: String? = nil) {
            self.sourceURL = sourceURL
            self.sourceType = sourceType
            self.sourceID = sourceID
            self.headline = headline
        }
    }
}

/// What happened to a message the clinic sent.
public struct MessageStatusUpdate: Sendable, Equatable, Codable {
    public enum State: String, Sendable, Codable {
        case accepted, sent, delivered, read, failed, deleted
    }

    public var providerMessageID: String
    public var state: State
    public var recipient: String?
    public var at: Date?
    public var errorCode: String?
    public var errorTitle: String?
    /// Meta's conversation window, when the status carries one.
    public var conversationExpiresAt: Date?

    public init(
        providerMessageID: String, state: State, recipient: String? = nil, at: Date? = nil, errorCode: String? = nil,
        errorTitle: String? = nil, conversationExpiresAt: Date? = nil
    ) {
        self.providerMessageID = providerMessageID
        self.state = state
        self.recipient = recipient
        self.at = at
        self.errorCode = errorCode
        self.errorTitle = errorTitle
        self.conversationExpiresAt = conversationExpiresAt
    }
}
