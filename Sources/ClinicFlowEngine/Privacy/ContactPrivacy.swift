import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// GDPR: everything ClinicFlow holds about a person, as one JSON document; and erasure, which
/// removes the personal data (names, numbers, emails, message texts, what webhooks carried) while
/// the audit trail keeps that things happened, when, and who did them.
public struct ContactPrivacy: Sendable {
    public struct Export: Codable, Sendable {
        public struct Lead: Codable, Sendable {
            public var id: UUID
            public var stage: String
            public var status: String
            public var source: String?
            public var procedure: String?
            public var depositMinor: Int64?
            public var createdAt: Date
            public var scores: [Score]
        }

        public struct Score: Codable, Sendable {
            public var score: Int
            public var temperature: String
            public var reasons: [String]
            public var at: Date
        }

        public struct Message: Codable, Sendable {
            public var id: UUID
            public var conversationID: UUID
            public var direction: String
            public var body: String?
            public var status: String
            public var author: String
            public var sentAt: Date
        }

        public struct Consent: Codable, Sendable {
            public var kind: String
            public var source: String
            public var evidence: String
            public var at: Date
        }

        public struct Appointment: Codable, Sendable {
            public var id: UUID
            public var startsAt: Date
            public var status: String
            public var source: String
        }

        public struct Event: Codable, Sendable {
            public var type: String
            public var occurredAt: Date
            public var payload: JSONValue
        }

        public var exportedAt: Date
        public var clinic: String
        public var contactID: UUID
        public var name: String?
        public var phone: String?
        public var email: String?
        public var identities: [String]
        public var leads: [Lead]
        public var messages: [Message]
        public var consent: [Consent]
        public var appointments: [Appointment]
        /// The timeline, and what each webhook about the person carried.
        public var events: [Event]
    }

    public struct Erased: Codable, Sendable, Equatable {
        public var by: UUID?
        public var reason: String
        public var events: Int
        public var deliveries: Int
    }

    /// Events whose payloads hold no personal data: kept whole by an erasure.
    static let keptTypes: Set<String> = [
        "lead.stage_changed", "lead.assigned", "lead.created", "message.status_changed", "message.sent", "message.queued", "message.failed",
        "message.unconfirmed", "message.cancelled", "assistant.stage_changed", "assistant.taken_over", "assistant.handed_back", "appointment.booked",
        "appointment.confirmed", "appointment.cancelled", "appointment.no_show", "appointment.done", "appointment.rescheduled", "contact.erased",
    ]

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    /// The streams that are this person's: theirs and those of contacts merged into them.
    private func streams(_ contactID: UUID) async throws -> [String] {
        [Contact.stream(contactID)] + (try await components.contacts.mergedSources(of: contactID)).map(Contact.stream)
    }

    /// Their events and the inbound events (webhook contents) that caused them.
    private func events(_ contactID: UUID) async throws -> [RecordedEvent] {
        var events: [RecordedEvent] = []
        for stream in try await streams(contactID) { events += try await components.events.events(inStream: stream) }
        // Intake events name the inbound event they came from as their cause.
        for cause in Set(events.compactMap(\.causationID)) where !cause.hasPrefix("job:") && !cause.hasPrefix("message:") {
            if let inbound = try await components.events.event(idempotencyKey: cause), inbound.type.hasPrefix("inbound.") { events.append(inbound) }
        }
        return events.sorted { $0.position < $1.position }
    }

    public func export(contactID: UUID, clinic: Clinic) async throws -> Export? {
        guard let contact = try await components.contacts.find(id: contactID, clinicID: clinic.id) else { return nil }
        var leads: [Export.Lead] = []
        for lead in try await components.leads.leads(contactID: contactID, clinicID: clinic.id) {
            let scores = try await components.scoring.history(leadID: lead.id, clinicID: clinic.id, limit: 500).map {
                Export.Score(score: $0.score.score, temperature: $0.score.temperature.rawValue, reasons: $0.score.reasons, at: $0.at)
            }
            leads.append(.init(
                id: lead.id, stage: lead.stage, status: lead.status.rawValue, source: lead.source, procedure: lead.procedure, depositMinor: lead.depositMinor,
                createdAt: lead.createdAt, scores: scores
            ))
        }
        var messages: [Export.Message] = []
        for conversation in try await components.conversations.list(clinicID: clinic.id, contactID: contactID, limit: 500).items {
            messages += try await components.conversations.messages(conversationID: conversation.id, clinicID: clinic.id, limit: 10_000).map {
                .init(id: $0.id, conversationID: $0.conversationID, direction: $0.direction.rawValue, body: $0.body, status: $0.status, author: $0.author, sentAt: $0.sentAt)
            }
        }
        return Export(
            exportedAt: components.queue.now, clinic: clinic.name, contactID: contact.id, name: contact.name, phone: contact.phone, email: contact.email,
            identities: contact.identities.map(\.description), leads: leads, messages: messages,
            consent: try await components.consent.ledger(contactID: contactID, clinicID: clinic.id).map {
                .init(kind: $0.kind.rawValue, source: $0.source, evidence: $0.evidence, at: $0.createdAt)
            },
            appointments: try await components.scheduling.appointments(clinicID: clinic.id, contactID: contactID).map {
                .init(id: $0.id, startsAt: $0.startsAt, status: $0.status.rawValue, source: $0.source)
            },
            events: try await events(contactID).map { event in
                .init(type: event.type, occurredAt: event.occurredAt, payload: (try? JSONCoding.plainDecoder.decode(JSONValue.self, from: event.payload)) ?? .null)
            }
        )
    }

    /// Erases the person's data; false when there is no such contact. Idempotent.
    public func erase(contactID: UUID, clinic: Clinic, by userID: UUID?, reason: String, correlationID: String?) async throws -> Erased? {
        guard try await components.contacts.find(id: contactID, clinicID: clinic.id) != nil else { return nil }
        let events = try await events(contactID)
        let erasable = events.filter { !Self.keptTypes.contains($0.type) }
        let deliveries = Set(events.filter { $0.type.hasPrefix("inbound.") }.compactMap { try? $0.decodePayload(as: InboundEnvelope.self).deliveryID })
        let summary = Erased(by: userID, reason: reason, events: erasable.count, deliveries: deliveries.count)
        let store = ErasureStore(store: components.store)
        let components = self.components
        let now = components.queue.now
        try await components.store.db.withTransaction { database in
            try await store.eraseContact(contactID, clinicID: clinic.id, at: now, on: database)
            try await store.erasePayloads(erasable.map(\.position), on: database)
            try await store.eraseDeliveries(Array(deliveries), on: database)
            try await components.events.append(
                try EventDraft(
                    clinicID: clinic.id, stream: Contact.stream(contactID), type: "contact.erased", encoding: summary, occurredAt: now,
                    correlationID: correlationID, idempotencyKey: "contact.erased:\(contactID.text(lowercase: true)):\(Int(now.timeIntervalSince1970 * 1000))"
                ),
                on: database
            )
        }
        return summary
    }
}
