import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// `inbound.process`: one inbound event becomes contact, lead, conversation and message, with its
/// timeline events, in one transaction. A marker written first makes it run once however often the
/// job is delivered: a second run (or a concurrent one, which waits on the marker's unique key)
/// finds the marker and changes nothing.
public struct InboundIntakeJob: Sendable {
    public static let kind = "inbound.process"

    public struct Payload: Codable, Sendable, Equatable {
        /// Idempotency key of the `inbound.*` event.
        public var eventKey: String
        public init(eventKey: String) { self.eventKey = eventKey }
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload.eventKey, context: context)
        }
    }

    public static func request(for event: EventDraft, clinicID: UUID) throws -> JobRequest {
        try JobRequest(
            kind: kind, encoding: Payload(eventKey: event.idempotencyKey), idempotencyKey: "\(kind):\(event.idempotencyKey)",
            clinicID: clinicID, correlationID: event.correlationID
        )
    }

    func run(_ eventKey: String, context: JobContext) async throws {
        guard let recorded = try await components.events.event(idempotencyKey: eventKey) else {
            throw PermanentJobError("inbound event \(eventKey) does not exist")
        }
        let envelope = try recorded.decodePayload(as: InboundEnvelope.self)
        guard let clinicID = recorded.clinicID, let clinic = try await components.clinics.find(id: clinicID),
            let channel = try await components.channels.find(id: envelope.channelID)
        else { throw PermanentJobError("the clinic or channel of \(eventKey) no longer exists") }

        let components = self.components
        try await components.store.db.withTransaction { transaction in
            let intake = Intake(
                components: components, database: transaction, clinic: clinic, channel: channel, event: envelope.event,
                eventKey: eventKey, occurredAt: recorded.occurredAt, correlationID: recorded.correlationID
            )
            guard try await intake.claim() else { return }
            try await intake.apply()
            try await intake.queueFollowUps()
        }
    }
}

/// One run of the intake, inside its transaction.
struct Intake {
    let components: EngineComponents
    let database: any Database
    let clinic: Clinic
    let channel: ClinicChannel
    let event: InboundEvent
    let eventKey: String
    let occurredAt: Date
    let correlationID: String?
    /// Scoring and answering, for the caller to queue or run (`IntakeFollowUps`).
    let followUps = IntakeFollowUps()

    /// Writes the marker; false when another run already did.
    func claim() async throws -> Bool {
        if case .appended = try await components.events.append(try marker(), on: database) { return true }
        return false
    }

    /// Writes the marker of an inbound event recorded in this same transaction: no other run can
    /// have claimed it (claims need the event committed), so nothing waits on the outcome and the
    /// marker goes in with the transaction's other events.
    func claimRecordedHere() async throws {
        try await components.events.appendLater(try marker(), on: database)
    }

    private func marker() throws -> EventDraft {
        EventDraft(
            clinicID: clinic.id, stream: NormalizeDeliveryJob.stream(channelID: channel.id), type: "inbound.processed",
            payload: try JSONCoding.encode(["event": eventKey]), occurredAt: occurredAt, correlationID: correlationID,
            causationID: eventKey, idempotencyKey: "processed:\(eventKey)"
        )
    }

    func apply() async throws {
        if case .messageStatus(let status) = event.body {
            try await applyStatus(status)
            return
        }
        guard let person = InboundPerson(event, defaultRegion: clinic.defaultRegion) else { return }
        let (contactID, newContact) = try await resolve(person)
        let created = newContact != nil
        switch event.body {
        case .message(let message):
            var lead = try await openLead(contactID: contactID, contactIsNew: created, utm: referralUTM(message.referral), procedure: nil, firstInbound: true)
            try await recordMessage(message, contactID: contactID, contactIsNew: created)
            lead = try await noteFirstInbound(lead)
            // What this transaction just wrote, so the follow-ups need not read it back.
            followUps.add(.score(lead.id, known: .init(lead: lead, newContact: newContact)))
            if created { try await syncContact(contactID) }
        case .formLead(let form):
            let lead = try await openLead(contactID: contactID, contactIsNew: created, utm: form.utm, procedure: form.procedure, firstInbound: true)
            try await noteFirstInbound(lead)
            try await append("form.submitted", stream: Contact.stream(contactID), CRMEvents.FormSubmitted(leadID: lead.id, form: form))
            // What the person wrote in the form is what they said: keep it with their messages.
            let words = [form.message, form.procedure.map { "(\($0))" }].compactMap { $0 }.joined(separator: " ")
            if !words.isEmpty {
                try await recordMessage(InboundMessage(providerMessageID: "form:\(event.providerEventID)", senderName: form.name, text: words, sentAt: occurredAt), contactID: contactID)
            }
            scoreLater(lead)
            try await syncContact(contactID)
        case .booking(let booking):
            let lead = try await openLead(contactID: contactID, contactIsNew: created, utm: .init(), procedure: nil)
            try await append("booking.\(booking.action.rawValue)", stream: Contact.stream(contactID), CRMEvents.Booking(leadID: lead.id, booking: booking))
            if booking.action == .created || booking.action == .rescheduled {
                try await advance(lead, to: "MEETING_SCHEDULED", reason: "booking \(booking.bookingUID)")
            }
            try await applyBooking(booking, contactID: contactID, lead: lead)
            try await syncContact(contactID)
        case .payment(let payment):
            try await applyPayment(payment, contactID: contactID)
        case .call(let call):
            let lead = try await openLead(contactID: contactID, contactIsNew: created, utm: .init(), procedure: nil)
            if call.direction?.contains("outbound") != true { try await noteFirstInbound(lead) }
            try await append("call.\(call.phase.rawValue)", stream: Contact.stream(contactID), CRMEvents.Call(leadID: lead.id, call: call))
            try await applyCall(call, contactID: contactID)
            scoreLater(lead)
        case .contactUpsert(let upsert):
            // A CRM's contact change updates the person, not the pipeline.
            try await applyContactUpsert(upsert, contactID: contactID)
        case .messageStatus:
            break
        }
    }

    // MARK: Steps

    /// The contact this person is: an existing one their identities point to, or a new one (returned).
    private func resolve(_ person: InboundPerson) async throws -> (UUID, newContact: Contact?) {
        let matches = try await components.contacts.matches(person.identities, clinicID: clinic.id, on: database)
        switch IdentityResolution.decide(identities: person.identities, matches: matches) {
        case .create:
            let contact = try await components.contacts.create(
                Contact(id: .timeOrdered(), clinicID: clinic.id, name: person.name, phone: person.phone?.e164, email: person.email, identities: person.identities),
                on: database
            )
            try await append("contact.created", stream: Contact.stream(contact.id), CRMEvents.ContactCreated(
                contactID: contact.id, source: event.provider.rawValue, identities: person.identities.map(\.description)
            ))
            return (contact.id, contact)
        case .existing(let contactID, let link):
            try await components.contacts.link(link, to: contactID, clinicID: clinic.id, on: database)
            try await components.contacts.enrich(contactID, name: person.name, phone: person.phone?.e164, email: person.email, on: database)
            if !link.isEmpty {
                try await append("contact.identities_linked", stream: Contact.stream(contactID), CRMEvents.IdentitiesLinked(
                    contactID: contactID, identities: link.map(\.description)
                ))
            }
            return (contactID, nil)
        }
    }

    /// The contact's open lead, opened now in the pipeline's first stage when there is none (always
    /// for a contact this intake created); one opened by the person writing in has its first inbound
    /// time from the start.
    func openLead(contactID: UUID, contactIsNew: Bool = false, utm: UTM, procedure: String?, firstInbound: Bool = false) async throws -> Lead {
        if !contactIsNew, let lead = try await components.leads.openLead(contactID: contactID, on: database) { return lead }
        let pipeline = try await components.pipelines.pipeline(clinicID: clinic.id, on: database)
        let lead = try await components.leads.create(Lead(
            id: .timeOrdered(), clinicID: clinic.id, contactID: contactID, stage: pipeline.entryStage.key, department: channel.department,
            source: event.provider.rawValue, channelID: channel.id, utm: utm, procedure: procedure,
            firstInboundAt: firstInbound ? occurredAt : nil, stageEnteredAt: occurredAt
        ), on: database)
        try await append("lead.created", stream: Contact.stream(contactID), CRMEvents.LeadCreated(
            leadID: lead.id, stage: lead.stage, source: lead.source, channelID: channel.id, department: lead.department, utm: utm,
            procedure: procedure
        ))
        return lead
    }

    /// Scoring, triage and assignment: a follow-up.
    private func scoreLater(_ lead: Lead) {
        followUps.add(.score(lead.id, known: nil))
    }

    /// The lead as saved.
    @discardableResult
    private func noteFirstInbound(_ lead: Lead) async throws -> Lead {
        guard lead.firstInboundAt == nil else { return lead }
        var updated = lead
        updated.firstInboundAt = occurredAt
        try await components.leads.save(updated, on: database)
        return updated
    }

    /// Moves the lead forward to `stageKey` (never backwards, never out of a closed lead).
    func advance(_ lead: Lead, to stageKey: String, reason: String) async throws {
        guard let moved = try await components.advance(lead, to: stageKey, at: occurredAt, on: database) else { return }
        try await append("lead.stage_changed", stream: Contact.stream(lead.contactID), CRMEvents.LeadStageChanged(
            leadID: lead.id, from: lead.stage, to: stageKey, status: moved.status, by: nil, reason: reason
        ))
    }

    func recordMessage(_ inbound: InboundMessage, contactID: UUID, contactIsNew: Bool = false) async throws {
        let (conversation, conversationIsNew) = try await components.conversations.openConversation(
            clinicID: clinic.id, contactID: contactID, channelID: channel.id, externalID: inbound.conversationID, on: database
        )
        let message = Message(
            id: .timeOrdered(), clinicID: clinic.id, conversationID: conversation.id, contactID: contactID, channelID: channel.id,
            direction: .inbound, providerMessageID: inbound.providerMessageID, body: inbound.text, mediaKind: inbound.mediaKind,
            status: "received", author: "contact", sentAt: inbound.sentAt ?? occurredAt
        )
        guard try await components.conversations.insert(message, on: database) else { return }
        try await append("message.received", stream: Contact.stream(contactID), CRMEvents.MessageRecorded(
            messageID: message.id, conversationID: conversation.id, channelID: channel.id, direction: .inbound,
            mediaKind: inbound.mediaKind, author: "contact"
        ))
        guard MessageSenders.canSend(channel.provider), let text = inbound.text, !text.isEmpty else { return }
        if let intent = ConsentKeywords.intent(of: text) {
            try await recordConsent(intent, keyword: text, conversation: conversation)
        } else {
            // A contact created just now has not opted out; a conversation begun just now has no assistant state.
            followUps.add(.reply(message, conversation, known: .init(optedOut: contactIsNew ? false : nil, stateIsNew: conversationIsNew)))
        }
    }

    /// STOP, PARAR, BAJA…: in the same transaction as the message, the ledger entry, the contact's
    /// flag, queued non-transactional messages cancelled, and the confirmation queued.
    private func recordConsent(_ intent: ConsentKeywords.Intent, keyword: String, conversation: Conversation) async throws {
        let kind: ConsentRepository.Kind = intent == .optOut ? .optOut : .optIn
        _ = try await components.consent.record(
            kind, contactID: conversation.contactID, clinicID: clinic.id, channelID: channel.id, source: "keyword",
            evidence: "the contact sent \"\(keyword.prefix(40))\" on \(channel.provider.displayName)", on: database
        )
        let cancelled = intent == .optOut
            ? try await components.conversations.cancelQueued(contactID: conversation.contactID, clinicID: clinic.id, reason: "the contact opted out", on: database) : 0
        try await append("consent.\(kind.rawValue)", stream: Contact.stream(conversation.contactID), AssistantEvents.ConsentRecorded(
            kind: kind.rawValue, source: "keyword", channelID: channel.id, cancelledMessages: cancelled
        ))
        let language = try await components.leads.openLead(contactID: conversation.contactID, on: database)?.language ?? LanguageGuess.guess(keyword)
        try await Outbox(components: components).enqueue(
            .init(conversation: conversation, text: ConsentKeywords.confirmation(intent, language: language), purpose: .transactional,
                  author: "assistant", key: "consent:\(eventKey)", correlationID: correlationID),
            on: database
        )
    }

    private func applyStatus(_ status: MessageStatusUpdate) async throws {
        guard let message = try await components.conversations.updateStatus(
            channelID: channel.id, providerMessageID: status.providerMessageID, status: status.state.rawValue, on: database
        ) else { return }
        try await append("message.status_changed", stream: Contact.stream(message.contactID), CRMEvents.MessageStatusChanged(
            messageID: message.id, status: status.state.rawValue, errorCode: status.errorCode
        ))
    }

    private func referralUTM(_ referral: InboundMessage.Referral?) -> UTM {
        guard let referral else { return .init() }
        // Click-to-WhatsApp ads: the ad is the campaign.
        return UTM(source: referral.sourceType == "ad" ? "meta_ads" : referral.sourceType, medium: "whatsapp", campaign: referral.sourceID, content: referral.headline)
    }

    /// Appends an event whose key derives from the inbound event, so reprocessing cannot double it.
    func append<Payload: Encodable>(_ type: String, stream: String, _ payload: Payload) async throws {
        try await components.events.appendLater(
            try EventDraft(
                clinicID: clinic.id, stream: stream, type: type, encoding: payload, occurredAt: occurredAt,
                correlationID: correlationID, causationID: eventKey, idempotencyKey: "intake:\(eventKey):\(type)"
            ),
            on: database
        )
    }
}
