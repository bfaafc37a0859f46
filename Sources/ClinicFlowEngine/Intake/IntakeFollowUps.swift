import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation
import Synchronization

/// What an intake leaves for once the person is in: scoring their lead, answering their message.
///
/// `inbound.process` queues them as `lead.score` and `assistant.reply` jobs. `delivery.normalize`
/// runs them at once in its own transaction when they need no network (the clinic has no LLM):
/// per lead two jobs fewer and none of their re-reads, and the reply is in the outbox when the
/// message is recorded. Work that needs the LLM is still queued: a model call never holds a
/// transaction open. If running them fails, the whole transaction rolls back and the normalisation
/// falls back to `inbound.process` jobs, which queue them: a failing follow-up then retries and
/// dead-letters as its own job.
final class IntakeFollowUps: Sendable {
    enum Work: Sendable {
        /// `known`: the lead as the intake left it (and the contact when it created it), when it has them.
        case score(UUID, known: LeadScoring.Known?)
        case reply(Message, Conversation, known: AssistantResponse.Known)
    }

    private let pending = Mutex<[Work]>([])

    func add(_ work: Work) { pending.withLock { $0.append(work) } }

    func take() -> [Work] {
        pending.withLock { pending in
            defer { pending.removeAll() }
            return pending
        }
    }
}

/// The clinic's settings that decide whether follow-ups may run at once, read before the transaction.
struct FollowUpSettings: Sendable {
    var scoring: ClinicSettings
    var assistant: AssistantSettings
    /// The clinic's LLM scores every lead, and answers when the assistant is set to use it.
    var llm: ChatCompletionsClient.Endpoint?

    init(scoring: ClinicSettings, llmAPIKey: String?, assistant: AssistantSettings) {
        self.scoring = scoring
        self.assistant = assistant
        self.llm = ChatCompletionsClient.Endpoint(scoring.llm, apiKey: llmAPIKey)
    }
}

/// A follow-up that failed while running at once; the caller falls back to jobs.
struct FollowUpFailed: Error, CustomStringConvertible {
    var underlying: any Error
    var description: String { "a follow-up of the intake failed: \(underlying)" }
}

extension Intake {
    /// Queues the follow-ups as jobs.
    func queueFollowUps() async throws {
        try await queue(followUps.take())
    }

    /// Runs the follow-ups now, in this transaction; those that need the LLM are queued.
    func runFollowUps(_ settings: FollowUpSettings) async throws {
        let work = followUps.take()
        var later: [IntakeFollowUps.Work] = []
        do {
            // Scores first: the answer then goes to the lead's new owner, in the lead's language.
            var scored: Lead?
            for case .score(let leadID, let known) in work {
                if settings.llm != nil {
                    later.append(.score(leadID, known: nil))
                } else {
                    scored = try await scoreNow(leadID, known: known, settings: settings.scoring) ?? scored
                }
            }
            for case .reply(let message, let conversation, var known) in work {
                if settings.assistant.useLLM && settings.llm != nil {
                    later.append(.reply(message, conversation, known: known))
                } else {
                    // The lead scoring just saved is the contact's open lead as it is now.
                    if let scored, scored.contactID == message.contactID { known.openLead = scored }
                    try await replyNow(message, conversation: conversation, known: known, settings: settings)
                }
            }
        } catch let error as CancellationError {
            throw error
        } catch {
            throw FollowUpFailed(underlying: error)
        }
        try await queue(later)
    }

    /// The lead as scoring saved it; nil when there was nothing to score.
    private func scoreNow(_ leadID: UUID, known: LeadScoring.Known?, settings: ClinicSettings) async throws -> Lead? {
        let scoring = LeadScoring(components: components)
        guard let reading = try await scoring.read(leadID: leadID, clinicID: clinic.id, known: known, on: database) else { return nil }
        let score = LeadScoring.rules(settings).score(reading.input)
        return try await scoring.record(
            score, reading: reading, lead: reading.lead, clinic: clinic, settings: settings,
            origin: .init(key: eventKey, causationID: eventKey, correlationID: correlationID), at: components.queue.now, on: database
        )
    }

    private func replyNow(_ message: Message, conversation: Conversation, known: AssistantResponse.Known, settings: FollowUpSettings) async throws {
        let response = AssistantResponse(components: components)
        guard let reading = try await response.read(
            message, clinic: clinic, conversation: conversation, settings: settings.assistant, known: known, at: components.queue.now, on: database
        ),
            let (turn, generator) = try await response.compose(reading, scoring: settings.scoring, on: database)
        else { return }
        // Read in this transaction: the state cannot have moved since.
        try await response.record(turn, reading: reading, generator: generator, correlationID: correlationID, recheckState: false, on: database)
    }

    private func queue(_ work: [IntakeFollowUps.Work]) async throws {
        guard !work.isEmpty else { return }
        let requests = try work.map { work in
            switch work {
            case .score(let leadID, _):
                try LeadScoringJob.request(leadID: leadID, clinicID: clinic.id, key: eventKey, correlationID: correlationID)
            case .reply(let message, _, _):
                try AssistantReplyJob.request(messageID: message.id, clinicID: clinic.id, correlationID: correlationID)
            }
        }
        try await components.queue.enqueue(contentsOf: requests, on: database)
    }
}
