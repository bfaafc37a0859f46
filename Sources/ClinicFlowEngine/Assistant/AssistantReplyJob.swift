import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// `assistant.reply`: the assistant's answer to one inbound message. It stays quiet when a person has
/// taken over, the lead is closed, the contact opted out or the clinic turned it off; after a medical
/// red flag it sends the safety message once and hands over. Otherwise the reply generator (templates,
/// or the clinic's LLM grounded in its knowledge base) answers, and the new state, stage events,
/// booking, hand-off task and the reply (through the outbox) are written in one transaction.
public struct AssistantReplyJob: Sendable {
    public static let kind = "assistant.reply"

    public struct Payload: Codable, Sendable, Equatable {
        public var messageID: UUID
        public init(messageID: UUID) { self.messageID = messageID }
    }

    let components: EngineComponents
    let llm: LLMAssistant

    public init(components: EngineComponents, llm: LLMAssistant) {
        self.components = components
        self.llm = llm
    }

    public static func request(messageID: UUID, clinicID: UUID, correlationID: String?) throws -> JobRequest {
        try JobRequest(
            kind: kind, encoding: Payload(messageID: messageID), idempotencyKey: "\(kind):\(messageID.uuidString.lowercased())", clinicID: clinicID,
            correlationID: correlationID
        )
    }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload.messageID, context: context)
        }
    }

    /// Another message's turn changed the state while this one was thinking: run again on the new state.
    struct StateMoved: Error, CustomStringConvertible {
        var description: String { "the conversation's assistant state changed meanwhile" }
    }

    func run(_ messageID: UUID, context: JobContext) async throws {
        guard let inbound = try await components.conversations.message(id: messageID), let text = inbound.body, !text.isEmpty,
            let clinic = try await components.clinics.find(id: inbound.clinicID),
            let conversation = try await components.conversations.find(id: inbound.conversationID, clinicID: inbound.clinicID)
        else { return }
        let settings = try await components.scoring.assistantSettings(clinicID: clinic.id)
        guard settings.enabled, !conversation.humanTakeover else { return }
        // A message answered a day later would confuse more than help; a person picks it up.
        guard context.queue.now.timeIntervalSince(inbound.sentAt) < MessagingWindow.length else { return }
        guard !(try await components.consent.isOptedOut(contactID: inbound.contactID)) else { return }

        let lead = try await components.leads.openLead(contactID: inbound.contactID)
        let stored = try await components.conversations.assistantState(conversationID: conversation.id)
        var state = stored ?? AssistantState()
        let language = lead?.language ?? LanguageGuess.guess(text)
        let timeZone = TimeZone(identifier: clinic.timeZone) ?? .gmt

        // Triage reads this very message too: scoring may not have run yet.
        let urgent = (lead?.urgent ?? false) || Triage().assess(text).isUrgent
        let turn: AssistantTurn
        var generator = "template"
        if urgent {
            guard !state.safetyMessageSent else { return }
            state.safetyMessageSent = true
            var handedOff = TemplateAssistant().handoff(state, reason: "medical red flag", context: AssistantContext(clinicName: clinic.name, language: language, timeZone: timeZone, settings: settings), farewell: false)
            handedOff.reply = Triage.safetyMessage(language: language)
            turn = handedOff
        } else {
            guard lead?.status ?? .open == .open else { return }
            // One read of the clinic's scoring settings: its words for the facts, its endpoint for the LLM.
            let (scoring, apiKey) = try await components.scoring.settings(clinicID: clinic.id)
            let extractor = FactExtractor(vocabulary: ScoringVocabulary.standard.adding(scoring.vocabulary))
            state.facts = state.facts.merged(with: extractor.facts(in: text, pending: state.pending, language: language))
            let assistantContext = try await assistantContext(for: state, clinic: clinic, language: language, timeZone: timeZone, settings: settings)
            let template = TemplateAssistant(extractor: extractor)
            if settings.useLLM, let endpoint = ChatCompletionsClient.Endpoint(scoring.llm, apiKey: apiKey) {
                let history = try await components.conversations.messages(conversationID: conversation.id, clinicID: clinic.id, limit: 500)
                let articles = try await components.knowledge.search(text, clinicID: clinic.id, limit: 4)
                let answer = await llm.respond(
                    to: text, history: Array(history.suffix(12)), state: state, context: assistantContext, articles: articles, names: [],
                    endpoint: endpoint, fallback: template
                )
                turn = answer.turn
                generator = answer.fallbackReason == nil ? "llm:\(endpoint.model)" : "template (llm fallback: \(answer.fallbackReason!))"
                if let reason = answer.fallbackReason { context.logger.warning("assistant fell back to templates", metadata: ["reason": .string(reason)]) }
            } else {
                turn = template.respond(to: text, state: state, context: assistantContext)
            }
        }
        try await apply(turn, previous: stored, inbound: inbound, conversation: conversation, lead: lead, generator: generator, context: context)
    }

    /// Free slots after the facts just learned, and who the practitioners are.
    private func assistantContext(for state: AssistantState, clinic: Clinic, language: String?, timeZone: TimeZone, settings: AssistantSettings) async throws -> AssistantContext {
        var assistantContext = AssistantContext(clinicName: clinic.name, language: language, timeZone: timeZone, settings: settings)
        guard state.stage >= .simulation || state.pending == .days || state.pending == .wantsBooking else { return assistantContext }
        let practitioners = try await components.scheduling.practitioners(clinicID: clinic.id)
        let now = components.queue.now
        // Not sooner than two hours from now: nobody can drop everything for an assessment.
        let after = now.addingTimeInterval(2 * 3600)
        let booked = try await components.scheduling.bookedSlots(clinicID: clinic.id, after: now)
        assistantContext.freeSlots = SlotFinder(duration: TimeInterval(settings.appointmentMinutes * 60)).free(
            practitioners: practitioners, booked: booked, after: after, timeZone: timeZone, weekdays: Set(state.facts.weekdays),
            periods: Set(state.facts.periods), procedure: state.facts.procedure
        )
        assistantContext.practitionerNames = Dictionary(uniqueKeysWithValues: practitioners.map { ($0.id, $0.name) })
        return assistantContext
    }

    private func apply(
        _ turn: AssistantTurn, previous: AssistantState?, inbound: Message, conversation: Conversation, lead: Lead?, generator: String, context: JobContext
    ) async throws {
        let components = self.components
        let key = inbound.id.uuidString.lowercased()
        let correlationID = context.job.correlationID
        try await components.store.db.withTransaction { database in
            // Once per inbound message, however often the job runs.
            let marker = try EventDraft(
                clinicID: inbound.clinicID, stream: Contact.stream(inbound.contactID), type: "assistant.answered",
                encoding: ["message_id": key, "generator": generator], correlationID: correlationID, causationID: "message:\(key)",
                idempotencyKey: "assistant.answered:\(key)"
            )
            guard case .appended = try await components.events.append(marker, on: database) else { return }
            guard try await components.conversations.assistantState(conversationID: conversation.id, on: database) == previous else { throw StateMoved() }
            var turn = turn
            if let slot = turn.booking {
                let booking = SchedulingRepository.Booking(slot: slot, clinicID: inbound.clinicID, contactID: inbound.contactID, leadID: lead?.id, source: "assistant", procedure: lead?.procedure)
                if case .success = try await AppointmentBook(components: components).book(booking, correlationID: correlationID, on: database) {
                    if let lead { try await advance(lead, to: "MEETING_SCHEDULED", correlationID: correlationID, key: key, on: database) }
                } else {
                    // Taken between the offer and the answer: a person sorts it out.
                    turn.booking = nil
                    turn.state.bookedSlot = nil
                    turn.reply = nil
                    turn.handoff?.reason = "the chosen time was taken meanwhile"
                }
            }
            try await components.conversations.saveAssistantState(turn.state, conversationID: conversation.id, on: database)
            if previous?.stage != turn.state.stage {
                try await append("assistant.stage_changed", AssistantEvents.StageChanged(
                    conversationID: conversation.id, from: previous?.stage, to: turn.state.stage, generator: generator
                ), key: "assistant.stage:\(key)", inbound, correlationID, database)
            }
            if let handoff = turn.handoff {
                try await append("assistant.handed_off", AssistantEvents.HandedOff(
                    conversationID: conversation.id, leadID: lead?.id, reason: handoff.reason, summary: handoff.summary
                ), key: "assistant.handed_off:\(key)", inbound, correlationID, database)
                try await components.scoring.createTask(
                    .init(clinicID: inbound.clinicID, leadID: lead?.id, assigneeID: lead?.ownerID, kind: "assistant_handoff",
                          priority: handoff.reason == "medical red flag" ? "urgent" : "high", title: "Take over the conversation: \(handoff.reason)", dueAt: components.queue.now),
                    key: "handoff:\(key)", on: database
                )
                try await components.scoring.notify(
                    clinicID: inbound.clinicID, userID: lead?.ownerID, leadID: lead?.id, kind: "assistant_handoff",
                    title: "The assistant handed over a conversation: \(handoff.reason)", key: "handoff:\(key)", on: database
                )
            }
            if let reply = turn.reply {
                try await Outbox(components: components).enqueue(
                    .init(conversation: conversation, text: reply, purpose: .reply, author: "assistant", key: "assistant:\(key)", correlationID: correlationID),
                    on: database
                )
            }
        }
    }

    private func advance(_ lead: Lead, to stageKey: String, correlationID: String?, key: String, on database: any Database) async throws {
        guard let moved = try await components.advance(lead, to: stageKey, at: components.queue.now, on: database) else { return }
        try await components.events.append(
            try EventDraft(
                clinicID: lead.clinicID, stream: Contact.stream(lead.contactID), type: "lead.stage_changed",
                encoding: CRMEvents.LeadStageChanged(leadID: lead.id, from: lead.stage, to: stageKey, status: moved.status, by: nil, reason: "booked by the assistant"),
                correlationID: correlationID, idempotencyKey: "assistant.stage_changed:\(key)"
            ),
            on: database
        )
    }

    private func append<Payload: Encodable>(_ type: String, _ payload: Payload, key: String, _ inbound: Message, _ correlationID: String?, _ database: any Database) async throws {
        try await components.events.append(
            try EventDraft(
                clinicID: inbound.clinicID, stream: Contact.stream(inbound.contactID), type: type, encoding: payload, correlationID: correlationID,
                causationID: "message:\(inbound.id.uuidString.lowercased())", idempotencyKey: key
            ),
            on: database
        )
    }
}
