import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// The assistant's answer to one inbound message in three steps, so `assistant.reply` can ask the
/// clinic's LLM outside any transaction: whether to answer at all (`read`), the turn (`compose`),
/// and recording it with the state, stage events, booking, hand-off and the reply through the outbox
/// (`record`). The intake runs all three in its own transaction when the clinic has no LLM
/// (`IntakeFollowUps`).
struct AssistantResponse: Sendable {
    /// Everything the turn is decided from.
    struct Reading: Sendable {
        var inbound: Message
        var text: String
        var clinic: Clinic
        var conversation: Conversation
        var settings: AssistantSettings
        var lead: Lead?
        var stored: AssistantState?
        var language: String?
        var timeZone: TimeZone
        var urgent: Bool

        var context: AssistantContext {
            AssistantContext(clinicName: clinic.name, language: language, timeZone: timeZone, settings: settings)
        }
    }

    /// A turn being composed: the state with this message's facts, and what the answer may offer.
    struct Draft: Sendable {
        var state: AssistantState
        var context: AssistantContext
        var template: TemplateAssistant
    }

    /// Another message's turn changed the state while this one was thinking: run again on the new state.
    struct StateMoved: Error, CustomStringConvertible {
        var description: String { "the conversation's assistant state changed meanwhile" }
    }

    /// What the caller's own transaction already knows, so it is not read again.
    struct Known: Sendable {
        /// Whether the contact opted out; nil: read it.
        var optedOut: Bool?
        /// The conversation began in this transaction: it has no assistant state yet.
        var stateIsNew = false
        /// The contact's open lead as it is now in this transaction; nil: read it.
        var openLead: Lead?
    }

    let components: EngineComponents

    /// Nil when the assistant stays quiet: no text, turned off, a person took over, the message is
    /// over a day old (an answer then would confuse more than help), or the contact opted out.
    func read(
        _ inbound: Message, clinic: Clinic, conversation: Conversation, settings: AssistantSettings, known: Known = .init(), at now: Date,
        on database: any Database
    ) async throws -> Reading? {
        guard let text = inbound.body, !text.isEmpty, settings.enabled, !conversation.humanTakeover,
            now.timeIntervalSince(inbound.sentAt) < MessagingWindow.length
        else { return nil }
        let optedOut = if let known = known.optedOut { known } else { try await components.consent.isOptedOut(contactID: inbound.contactID, on: database) }
        if optedOut { return nil }
        let lead = if let known = known.openLead { known } else { try await components.leads.openLead(contactID: inbound.contactID, on: database) }
        let stored = known.stateIsNew ? nil : try await components.conversations.assistantState(conversationID: conversation.id, on: database)
        return Reading(
            inbound: inbound, text: text, clinic: clinic, conversation: conversation, settings: settings, lead: lead, stored: stored,
            language: lead?.language ?? LanguageGuess.guess(text), timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt,
            // Triage reads this very message too: scoring may not have run yet.
            urgent: (lead?.urgent ?? false) || Triage().assess(text).isUrgent
        )
    }

    /// The turn, from `answer` when given (the LLM) or the templates. After a medical red flag it is
    /// the safety message and a hand-off, once. Nil when there is nothing to say.
    func compose(
        _ reading: Reading, scoring: ClinicSettings, on database: any Database,
        answer: (@Sendable (Draft) async throws -> (AssistantTurn, generator: String))? = nil
    ) async throws -> (turn: AssistantTurn, generator: String)? {
        var state = reading.stored ?? AssistantState()
        if reading.urgent {
            guard !state.safetyMessageSent else { return nil }
            state.safetyMessageSent = true
            var handedOff = TemplateAssistant().handoff(state, reason: "medical red flag", context: reading.context, farewell: false)
            handedOff.reply = Triage.safetyMessage(language: reading.language)
            return (handedOff, "template")
        }
        guard reading.lead?.status ?? .open == .open else { return nil }
        let extractor = FactExtractor(vocabulary: ScoringVocabulary.standard.adding(scoring.vocabulary))
        state.facts = state.facts.merged(with: extractor.facts(in: reading.text, pending: state.pending, language: reading.language))
        let draft = Draft(
            state: state, context: try await context(for: state, reading: reading, on: database), template: TemplateAssistant(extractor: extractor)
        )
        if let answer { return try await answer(draft) }
        return (draft.template.respond(to: reading.text, state: draft.state, context: draft.context), "template")
    }

    /// Free slots after the facts just learned, and who the practitioners are.
    private func context(for state: AssistantState, reading: Reading, on database: any Database) async throws -> AssistantContext {
        var assistantContext = reading.context
        guard state.stage >= .simulation || state.pending == .days || state.pending == .wantsBooking else { return assistantContext }
        let clinicID = reading.clinic.id
        let practitioners = try await components.scheduling.practitioners(clinicID: clinicID, on: database)
        let now = components.queue.now
        // Not sooner than two hours from now: nobody can drop everything for an assessment.
        let after = now.addingTimeInterval(2 * 3600)
        let booked = try await components.scheduling.bookedSlots(clinicID: clinicID, after: now, on: database)
        assistantContext.freeSlots = SlotFinder(duration: TimeInterval(reading.settings.appointmentMinutes * 60)).free(
            practitioners: practitioners, booked: booked, after: after, timeZone: reading.timeZone, weekdays: Set(state.facts.weekdays),
            periods: Set(state.facts.periods), procedure: state.facts.procedure
        )
        assistantContext.practitionerNames = Dictionary(uniqueKeysWithValues: practitioners.map { ($0.id, $0.name) })
        return assistantContext
    }

    /// Writes the turn once per inbound message, however often it runs. `recheckState` makes sure
    /// the state read earlier (outside `database`'s transaction) is still the current one.
    func record(
        _ turn: AssistantTurn, reading: Reading, generator: String, correlationID: String?, recheckState: Bool, on database: any Database
    ) async throws {
        let (inbound, conversation, lead, previous) = (reading.inbound, reading.conversation, reading.lead, reading.stored)
        let key = inbound.id.text(lowercase: true)
        let marker = try EventDraft(
            clinicID: inbound.clinicID, stream: Contact.stream(inbound.contactID), type: "assistant.answered",
            encoding: ["message_id": key, "generator": generator], correlationID: correlationID, causationID: "message:\(key)",
            idempotencyKey: "assistant.answered:\(key)"
        )
        guard case .appended = try await components.events.append(marker, on: database) else { return }
        if recheckState, try await components.conversations.assistantState(conversationID: conversation.id, on: database) != previous { throw StateMoved() }
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

    private func advance(_ lead: Lead, to stageKey: String, correlationID: String?, key: String, on database: any Database) async throws {
        guard let moved = try await components.advance(lead, to: stageKey, at: components.queue.now, on: database) else { return }
        try await components.events.appendLater(
            try EventDraft(
                clinicID: lead.clinicID, stream: Contact.stream(lead.contactID), type: "lead.stage_changed",
                encoding: CRMEvents.LeadStageChanged(leadID: lead.id, from: lead.stage, to: stageKey, status: moved.status, by: nil, reason: "booked by the assistant"),
                correlationID: correlationID, idempotencyKey: "assistant.stage_changed:\(key)"
            ),
            on: database
        )
    }

    private func append<Payload: Encodable>(_ type: String, _ payload: Payload, key: String, _ inbound: Message, _ correlationID: String?, _ database: any Database) async throws {
        try await components.events.appendLater(
            try EventDraft(
                clinicID: inbound.clinicID, stream: Contact.stream(inbound.contactID), type: type, encoding: payload, correlationID: correlationID,
                causationID: "message:\(inbound.id.text(lowercase: true))", idempotencyKey: key
            ),
            on: database
        )
    }
}
