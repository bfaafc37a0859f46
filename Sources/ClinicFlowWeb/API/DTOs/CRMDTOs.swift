import ClinicFlowDomain
import Foundation

struct IdentityDTO: APIModel {
    var kind: String
    var value: String

    static let schema = JSONSchema.object(properties: [
        ("kind", .string(enumValues: ContactIdentity.Kind.allCases.map(\.rawValue))), ("value", .string()),
    ], required: ["kind", "value"])
}

struct ContactDTO: APIModel {
    var id: UUID
    var clinicId: UUID
    var name: String?
    var phone: String?
    var email: String?
    var mergedInto: UUID?
    var identities: [IdentityDTO]
    var createdAt: Date
    var updatedAt: Date

    init(_ contact: Contact) {
        id = contact.id
        clinicId = contact.clinicID
        name = contact.name
        phone = contact.phone
        email = contact.email
        mergedInto = contact.mergedInto
        identities = contact.identities.map { IdentityDTO(kind: $0.kind.rawValue, value: $0.value) }
        createdAt = contact.createdAt
        updatedAt = contact.updatedAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("clinic_id", .uuid), ("name", .nullable(.string())), ("phone", .nullable(.string(description: "E.164"))),
        ("email", .nullable(.string(format: "email"))), ("merged_into", .nullable(.uuid)),
        ("identities", .array(.reference(IdentityDTO.schemaName))), ("created_at", .dateTime), ("updated_at", .dateTime),
    ], required: ["id", "clinic_id", "identities", "created_at", "updated_at"])
}

struct ContactInput: APIModel {
    var name: String?
    var phone: String?
    var email: String?

    static let schema = JSONSchema.object(properties: [
        ("name", .string()), ("phone", .string(description: "Any usual format; stored as E.164 in the clinic's region")),
        ("email", .string(format: "email")),
    ], required: [])
}

struct MergeRequest: APIModel {
    /// The contact folded into the one in the path.
    var otherContactId: UUID

    static let schema = JSONSchema.object(properties: [("other_contact_id", .uuid)], required: ["other_contact_id"])
}

struct UTMDTO: APIModel {
    var source: String?
    var medium: String?
    var campaign: String?
    var term: String?
    var content: String?

    init(_ utm: UTM) {
        source = utm.source
        medium = utm.medium
        campaign = utm.campaign
        term = utm.term
        content = utm.content
    }

    var utm: UTM { UTM(source: source, medium: medium, campaign: campaign, term: term, content: content) }

    static let schema = JSONSchema.object(
        properties: ["source", "medium", "campaign", "term", "content"].map { ($0, JSONSchema.nullable(.string())) }, required: []
    )
}

struct LeadDTO: APIModel {
    var id: UUID
    var clinicId: UUID
    var contactId: UUID
    var stage: String
    var status: LeadStatus
    var ownerId: UUID?
    var department: String?
    var source: String?
    var channelId: UUID?
    var utm: UTMDTO
    var procedure: String?
    var valueMinor: Int64?
    var depositMinor: Int64?
    var currency: String?
    var firstInboundAt: Date?
    var firstResponseAt: Date?
    var speedToLeadSeconds: Double?
    var stageEnteredAt: Date
    var closedAt: Date?
    var createdAt: Date
    var updatedAt: Date
    var score: Int?
    var temperature: Temperature?
    var urgent: Bool
    var language: String?

    init(_ lead: Lead) {
        score = lead.score
        temperature = lead.temperature
        urgent = lead.urgent
        language = lead.language
        id = lead.id
        clinicId = lead.clinicID
        contactId = lead.contactID
        stage = lead.stage
        status = lead.status
        ownerId = lead.ownerID
        department = lead.department
        source = lead.source
        channelId = lead.channelID
        utm = UTMDTO(lead.utm)
        procedure = lead.procedure
        valueMinor = lead.valueMinor
        depositMinor = lead.depositMinor
        currency = lead.currency
        firstInboundAt = lead.firstInboundAt
        firstResponseAt = lead.firstResponseAt
        speedToLeadSeconds = lead.speedToLeadSeconds
        stageEnteredAt = lead.stageEnteredAt
        closedAt = lead.closedAt
        createdAt = lead.createdAt
        updatedAt = lead.updatedAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("clinic_id", .uuid), ("contact_id", .uuid), ("stage", .string()),
        ("status", .string(enumValues: LeadStatus.allCases.map(\.rawValue))), ("owner_id", .nullable(.uuid)),
        ("department", .nullable(.string())), ("source", .nullable(.string())), ("channel_id", .nullable(.uuid)),
        ("utm", .reference(UTMDTO.schemaName)), ("procedure", .nullable(.string())), ("value_minor", .nullable(.integer())),
        ("deposit_minor", .nullable(.integer(minimum: 0))),
        ("currency", .nullable(.string())), ("first_inbound_at", .nullable(.dateTime)), ("first_response_at", .nullable(.dateTime)),
        ("speed_to_lead_seconds", .nullable(.number)), ("stage_entered_at", .dateTime), ("closed_at", .nullable(.dateTime)),
        ("created_at", .dateTime), ("updated_at", .dateTime), ("score", .nullable(.integer(minimum: 1, maximum: 5))),
        ("temperature", .nullable(.string(enumValues: Temperature.allCases.map(\.rawValue)))),
        ("urgent", .boolean), ("language", .nullable(.string())),
    ], required: ["id", "clinic_id", "contact_id", "stage", "status", "utm", "stage_entered_at", "created_at", "updated_at", "urgent"])
}

struct CreateLeadRequest: APIModel {
    var contactId: UUID
    var stage: String?
    var ownerId: UUID?
    var department: String?
    var procedure: String?
    var valueMinor: Int64?
    var currency: String?
    var utm: UTMDTO?

    static let schema = JSONSchema.object(properties: [
        ("contact_id", .uuid), ("stage", .string()), ("owner_id", .uuid), ("department", .string()), ("procedure", .string()),
        ("value_minor", .integer(minimum: 0)), ("currency", .string(description: "ISO 4217")), ("utm", .reference(UTMDTO.schemaName)),
    ], required: ["contact_id"])
}

/// Changes to a lead; absent fields stay as they are, `owner_id: null` unassigns.
struct UpdateLeadRequest: APIModel {
    var stage: String?
    var ownerId: UUID??
    var department: String?
    var procedure: String?
    var valueMinor: Int64?
    var currency: String?
    var reason: String?

    enum CodingKeys: String, CodingKey {
        case stage, ownerId, department, procedure, valueMinor, currency, reason
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        stage = try container.decodeIfPresent(String.self, forKey: .stage)
        ownerId = container.contains(.ownerId) ? .some(try container.decodeIfPresent(UUID.self, forKey: .ownerId)) : .none
        department = try container.decodeIfPresent(String.self, forKey: .department)
        procedure = try container.decodeIfPresent(String.self, forKey: .procedure)
        valueMinor = try container.decodeIfPresent(Int64.self, forKey: .valueMinor)
        currency = try container.decodeIfPresent(String.self, forKey: .currency)
        reason = try container.decodeIfPresent(String.self, forKey: .reason)
    }

    static let schema = JSONSchema.object(properties: [
        ("stage", .string()), ("owner_id", .nullable(.uuid)), ("department", .string()), ("procedure", .string()),
        ("value_minor", .integer(minimum: 0)), ("currency", .string()), ("reason", .string(description: "Why, for the timeline")),
    ], required: [])
}

struct NoteRequest: APIModel {
    var text: String
    var leadId: UUID?

    static let schema = JSONSchema.object(properties: [("text", .string()), ("lead_id", .uuid)], required: ["text"])
}

struct ConversationDTO: APIModel {
    var id: UUID
    var clinicId: UUID
    var contactId: UUID
    var channelId: UUID
    var status: String
    var lastInboundAt: Date?
    var lastOutboundAt: Date?
    var assistantStage: AssistantStage?
    var humanTakeover: Bool
    var updatedAt: Date

    init(_ conversation: Conversation) {
        assistantStage = conversation.assistantStage
        humanTakeover = conversation.humanTakeover
        id = conversation.id
        clinicId = conversation.clinicID
        contactId = conversation.contactID
        channelId = conversation.channelID
        status = conversation.status
        lastInboundAt = conversation.lastInboundAt
        lastOutboundAt = conversation.lastOutboundAt
        updatedAt = conversation.updatedAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("clinic_id", .uuid), ("contact_id", .uuid), ("channel_id", .uuid), ("status", .string()),
        ("last_inbound_at", .nullable(.dateTime)), ("last_outbound_at", .nullable(.dateTime)),
        ("assistant_stage", .nullable(.string(enumValues: AssistantStage.allCases.map(\.rawValue)))),
        ("human_takeover", .boolean), ("updated_at", .dateTime),
    ], required: ["id", "clinic_id", "contact_id", "channel_id", "status", "human_takeover", "updated_at"])
}

struct MessageDTO: APIModel {
    var id: UUID
    var conversationId: UUID
    var direction: Message.Direction
    var body: String?
    var mediaKind: String?
    var status: String
    var author: String
    var sentAt: Date
    var purpose: MessagePurpose?
    var templateName: String?
    var error: String?

    init(_ message: Message) {
        purpose = message.purpose
        templateName = message.templateName
        error = message.error
        id = message.id
        conversationId = message.conversationID
        direction = message.direction
        body = message.body
        mediaKind = message.mediaKind?.rawValue
        status = message.status
        author = message.author
        sentAt = message.sentAt
    }

    static let schema = JSONSchema.object(properties: [
        ("id", .uuid), ("conversation_id", .uuid), ("direction", .string(enumValues: ["inbound", "outbound"])),
        ("body", .nullable(.string())), ("media_kind", .nullable(.string(enumValues: MediaKind.allCases.map(\.rawValue)))),
        ("status", .string(description: "received; or queued, sending, sent, delivered, read, failed, cancelled, unconfirmed")),
        ("author", .string(description: "contact, assistant or user:<id>")), ("sent_at", .dateTime),
        ("purpose", .nullable(.string(enumValues: ["reply", "transactional", "proactive"]))), ("template_name", .nullable(.string())),
        ("error", .nullable(.string(description: "Why it failed or was not sent"))),
    ], required: ["id", "conversation_id", "direction", "status", "author", "sent_at"])
}


struct TimelineEntryDTO: APIModel {
    var position: Int64
    var type: String
    var occurredAt: Date
    var data: JSONDocumentValue
    /// For message events, the message itself.
    var message: MessageDTO?

    static let schema = JSONSchema.object(properties: [
        ("position", .integer()), ("type", .string(description: "e.g. message.received, lead.stage_changed")), ("occurred_at", .dateTime),
        ("data", .map(.string())), ("message", .nullable(.reference(MessageDTO.schemaName))),
    ], required: ["position", "type", "occurred_at", "data"])
}


/// A whole (short) list: `{"items": […]}`.
struct ItemList<Item: APIModel>: APIModel {
    var items: [Item]

    static var schemaName: String { Item.schemaName + "List" }
    static var schema: JSONSchema { .object(properties: [("items", .array(.reference(Item.schemaName)))], required: ["items"]) }
}

/// A page of a list: the items, how many there are in all, and where this page starts.
struct Page<Item: APIModel>: APIModel {
    var items: [Item]
    var total: Int
    var limit: Int
    var offset: Int

    static var schemaName: String { Item.schemaName + "Page" }
    static var schema: JSONSchema {
        .object(properties: [
            ("items", .array(.reference(Item.schemaName))), ("total", .integer(minimum: 0)), ("limit", .integer(minimum: 1)),
            ("offset", .integer(minimum: 0)),
        ], required: ["items", "total", "limit", "offset"])
    }
}

/// Arbitrary JSON passed through (event payloads), decoded and re-encoded as is.
struct JSONDocumentValue: Codable, Sendable {
    var raw: Data

    init(raw: Data) { self.raw = raw }

    init(from decoder: any Decoder) throws {
        raw = Data("{}".utf8)
    }

    func encode(to encoder: any Encoder) throws {
        let value = try JSONCoding.plainDecoder.decode(AnyJSON.self, from: raw)
        try value.encode(to: encoder)
    }
}

/// Re-encodes JSON values without knowing their shape; keys keep their original spelling.
enum AnyJSON: Codable {
    case null, bool(Bool), number(Double), string(String), array([AnyJSON]), object([String: AnyJSON])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() { self = .null }
        else if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else if let value = try? container.decode([AnyJSON].self) { self = .array(value) }
        else { self = .object(try container.decode([String: AnyJSON].self)) }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .array(let value): try container.encode(value)
        case .object(let value): try container.encode(value)
        }
    }
}
