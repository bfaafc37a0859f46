import Foundation

/// One person, within one clinic, however many channels they used.
public struct Contact: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var clinicID: UUID
    public var name: String?
    /// E.164.
    public var phone: String?
    public var email: String?
    /// Set when this contact was merged into another; the other one is the person now.
    public var mergedInto: UUID?
    public var identities: [ContactIdentity]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID = UUID(), clinicID: UUID, name: String? = nil, phone: String? = nil, email: String? = nil, mergedInto: UUID? = nil,
        identities: [ContactIdentity] = [], createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.clinicID = clinicID
        self.name = name
        self.phone = phone
        self.email = email
        self.mergedInto = mergedInto
        self.identities = identities
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    public static func stream(_ id: UUID) -> String { "contact-\(id.text(lowercase: true))" }
}

/// A potential patient in the pipeline: what they want, where they came from, who works them.
public struct Lead: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var clinicID: UUID
    public var contactID: UUID
    public var stage: String
    public var status: LeadStatus
    public var ownerID: UUID?
    public var department: String?
    /// The provider the lead first came through (`meta`, `webform`, …), or `manual`.
    public var source: String?
    public var channelID: UUID?
    public var utm: UTM
    public var procedure: String?
    public var valueMinor: Int64?
    public var currency: String?
    public var firstInboundAt: Date?
    public var firstResponseAt: Date?
    public var stageEnteredAt: Date
    public var closedAt: Date?
    public var createdAt: Date
    public var updatedAt: Date
    /// Latest score (1–5) and temperature; nil until scored.
    public var score: Int?
    public var temperature: Temperature?
    /// A medical red flag was seen: a person must look now; the assistant only sends a safety message.
    public var urgent: Bool = false
    /// The language the person writes in (pt, en, es, ro), when known.
    public var language: String?
    public var scoredAt: Date?
    /// Deposits paid (Stripe), in the minor unit of `currency`.
    public var depositMinor: Int64?

    public init(
        id: UUID = UUID(), clinicID: UUID, contactID: UUID, stage: String, status: LeadStatus = .open, ownerID: UUID? = nil,
        department: String? = nil, source: String? = nil, channelID: UUID? = nil, utm: UTM = .init(), procedure: String? = nil,
        valueMinor: Int64? = nil, currency: String? = nil, firstInboundAt: Date? = nil, firstResponseAt: Date? = nil,
        stageEnteredAt: Date = Date(), closedAt: Date? = nil, createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.id = id
        self.clinicID = clinicID
        self.contactID = contactID
        self.stage = stage
        self.status = status
        self.ownerID = ownerID
        self.department = department
        self.source = source
        self.channelID = channelID
        self.utm = utm
        self.procedure = procedure
        self.valueMinor = valueMinor
        self.currency = currency
        self.firstInboundAt = firstInboundAt
        self.firstResponseAt = firstResponseAt
        self.stageEnteredAt = stageEnteredAt
        self.closedAt = closedAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }

    /// Seconds the person waited for the first answer, once answered.
    public var speedToLeadSeconds: TimeInterval? { SpeedToLead.seconds(firstInbound: firstInboundAt, firstResponse: firstResponseAt) }
}

/// The thread with one contact on one channel.
public struct Conversation: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var clinicID: UUID
    public var contactID: UUID
    public var channelID: UUID
    /// The provider's conversation id where it has one (Chatwoot).
    public var externalID: String?
    public var status: String
    public var lastInboundAt: Date?
    public var lastOutboundAt: Date?
    /// The assistant's stage, nil before it first answers.
    public var assistantStage: AssistantStage?
    /// A consultant has taken over: the assistant stays quiet until they hand back.
    public var humanTakeover: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID = UUID(), clinicID: UUID, contactID: UUID, channelID: UUID, externalID: String? = nil, status: String = "open",
        lastInboundAt: Date? = nil, lastOutboundAt: Date? = nil, assistantStage: AssistantStage? = nil, humanTakeover: Bool = false,
        createdAt: Date = Date(), updatedAt: Date = Date()
    ) {
        self.assistantStage = assistantStage
        self.humanTakeover = humanTakeover
        self.id = id
        self.clinicID = clinicID
        self.contactID = contactID
        self.channelID = channelID
        self.externalID = externalID
        self.status = status
        self.lastInboundAt = lastInboundAt
        self.lastOutboundAt = lastOutboundAt
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

public struct Message: Sendable, Equatable, Identifiable, Codable {
    public enum Direction: String, Sendable, Codable { case inbound, outbound }

    public var id: UUID
    public var clinicID: UUID
    public var conversationID: UUID
    public var contactID: UUID
    public var channelID: UUID
    public var direction: Direction
    public var providerMessageID: String?
    public var body: String?
    public var mediaKind: MediaKind?
    /// `received` for inbound; for outbound `queued` → `sending` → `sent` → `delivered` → `read`, or
    /// `failed`, `cancelled` (opt-out), `unconfirmed` (the provider call's outcome is unknown: never resent).
    public var status: String
    /// `contact`, `assistant`, or `user:<id>`.
    public var author: String
    public var sentAt: Date
    /// Outbound only: why it is sent (consent and quiet hours depend on it).
    public var purpose: MessagePurpose?
    /// Outbound only: the approved template it went out as, outside WhatsApp's window.
    public var templateName: String?
    /// Outbound only: why it failed or was not sent.
    public var error: String?
    /// The approved template this message becomes outside WhatsApp's window (a reminder's own),
    /// instead of the clinic's general one.
    public var template: PreparedTemplate?

    public init(
        id: UUID = UUID(), clinicID: UUID, conversationID: UUID, contactID: UUID, channelID: UUID, direction: Direction,
        providerMessageID: String?, body: String?, mediaKind: MediaKind? = nil, status: String, author: String, sentAt: Date,
        purpose: MessagePurpose? = nil, templateName: String? = nil, error: String? = nil
    ) {
        self.purpose = purpose
        self.templateName = templateName
        self.error = error
        self.id = id
        self.clinicID = clinicID
        self.conversationID = conversationID
        self.contactID = contactID
        self.channelID = channelID
        self.direction = direction
        self.providerMessageID = providerMessageID
        self.body = body
        self.mediaKind = mediaKind
        self.status = status
        self.author = author
        self.sentAt = sentAt
    }
}

/// A template with its parameters already filled for one person.
public struct PreparedTemplate: Sendable, Equatable, Codable {
    public var template: WhatsAppTemplate
    public var parameters: [String]

    public init(template: WhatsAppTemplate, parameters: [String]) {
        self.template = template
        self.parameters = parameters
    }
}
