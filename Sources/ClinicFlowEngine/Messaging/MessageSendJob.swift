import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// `message.send`: one outbound message through its channel's provider, at most once.
///
/// The message is marked `sending` (committed) before the provider is called. A run that finds it
/// already `sending` knows an earlier run was cut off mid-call: the provider may have the message,
/// so it is marked `unconfirmed` for a person to check, never sent again. Failures the provider
/// reports as temporary (429, 5xx, unreachable) put it back to `queued` and retry with backoff.
public struct MessageSendJob: Sendable {
    public static let kind = "message.send"

    public struct Payload: Codable, Sendable, Equatable {
        public var messageID: UUID
        public init(messageID: UUID) { self.messageID = messageID }
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    /// On SQLite, sends due together are claimed in one transaction and recorded in another (each
    /// in a savepoint), their provider calls made side by side: under load two commits per batch
    /// instead of two per message. PostgreSQL runs jobs on several connections at once, which a
    /// batch would serialise (as measured for `delivery.normalize`), so it sends one by one. 48 as
    /// for normalisation (measured together).
    public static let batchLimit = 48

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload.messageID, context: context)
        }
        guard components.store.kind == .sqlite else { return }
        registry.registerBatch(Self.kind, payload: Payload.self, limit: Self.batchLimit) { jobs in
            await run(batch: jobs.map { ($0.0.messageID, $0.1) })
        }
    }

    func run(_ messageID: UUID, context: JobContext) async throws {
        guard let message = try await components.conversations.message(id: messageID) else {
            throw PermanentJobError("message \(messageID) no longer exists")
        }
        guard try await components.conversations.claimForSending(messageID) else {
            return try await notClaimed(message, context: context)
        }
        if let sent = try await attempt(message, context: context) {
            try await components.store.db.withTransaction { database in try await record(sent, on: database) }
        }
    }

    /// Someone else had the message: if it is still `sending`, an earlier run was cut off mid-call.
    private func notClaimed(_ message: Message, context: JobContext) async throws {
        guard message.status == "sending" else { return }
        try await finish(message, status: "unconfirmed", error: "an earlier attempt was interrupted while sending; check the chat before resending", context: context)
        try await askToCheck(message, lead: nil, title: "Check whether a message reached the patient (the send was interrupted)", context: context)
    }

    /// A message the provider took, to be recorded as sent.
    struct Sent: Sendable {
        var message: Message
        var providerMessageID: String?
        var templateName: String?
        var lead: Lead?
        var context: JobContext
    }

    /// Sends a claimed message. Returns what to record when the provider took it; any other
    /// outcome (refused, held, failed, unknown) is recorded here.
    func attempt(_ message: Message, context: JobContext) async throws -> Sent? {
        let attempt = Attempt()
        do {
            return try await send(message, attempt: attempt, context: context)
        } catch let retry as Retry {
            // The provider said "not now": queued again, or failed and in dead letters for a replay.
            try await components.conversations.finishSending(message, status: context.job.isLastAttempt ? "failed" : "queued", error: retry.description)
            throw retry
        } catch {
            // Before the provider call nothing was sent: free the message for the retry. After it,
            // it stays `sending`, and the next run marks it unconfirmed rather than risk a double.
            if !attempt.providerCalled { try await components.conversations.finishSending(message, status: "queued", error: "\(type(of: error))") }
            throw error
        }
    }

    /// The message went out: that is kept even if the lease was lost meanwhile.
    func record(_ sent: Sent, on database: any Database) async throws {
        let (message, context) = (sent.message, sent.context)
        try await components.conversations.finishSending(message, status: "sent", providerMessageID: sent.providerMessageID, templateName: sent.templateName, on: database)
        if let lead = sent.lead, lead.firstResponseAt == nil {
            try await components.leads.recordFirstResponse(leadID: lead.id, at: context.queue.now, on: database)
        }
        try await event("message.sent", message, status: "sent", error: nil, context: context, on: database)
        try await context.complete(on: database)
    }

    struct Retry: Error, CustomStringConvertible {
        var description: String
    }

    final class Attempt: @unchecked Sendable {
        // Only touched by the one task running this job.
        var providerCalled = false
    }

    private func send(_ message: Message, attempt: Attempt, context: JobContext) async throws -> Sent? {
        guard let clinic = try await components.clinics.find(id: message.clinicID),
            let conversation = try await components.conversations.find(id: message.conversationID, clinicID: message.clinicID),
            let (channel, credentials) = try await components.channels.findWithCredentials(id: message.channelID),
            let (contact, optedOut) = try await components.contacts.findWithConsent(id: message.contactID, clinicID: message.clinicID)
        else {
            try await finish(message, status: "failed", error: "the conversation, channel or contact no longer exists", context: context)
            return nil
        }
        guard let sender = MessageSenders.sender(for: channel.provider, http: JSONHTTP(), sandbox: channel.settings.sandbox) else {
            try await finish(message, status: "failed", error: "\(channel.provider.displayName) channels cannot send messages", context: context)
            return nil
        }
        let settings = try await components.scoring.assistantSettings(clinicID: clinic.id)
        let lead = try await components.leads.openLead(contactID: contact.id)
        let language = lead?.language
        let policy = OutboundPolicy(provider: channel.provider, settings: settings, timeZone: TimeZone(identifier: clinic.timeZone) ?? .gmt)
        let purpose = message.purpose ?? .reply
        if purpose == .proactive, try await components.consent.latestKind(contactID: contact.id) == .expired {
            try await finish(message, status: "cancelled", error: "the contact's consent expired; ask again before sending follow-ups", context: context)
            return nil
        }
        // What goes outside WhatsApp's window: the message's own template (a reminder's, filled when it
        // was queued), else the clinic's general one for the contact's language.
        let outsideWindow = message.template.map { ($0.template, $0.parameters) }
            ?? settings.template(language: language).map { ($0, $0.filled(name: contact.name, clinic: clinic.name)) }
        var content: OutboundMessage.Content = .text(message.body ?? "")
        var templateName: String?
        switch policy.decide(purpose: purpose, optedOut: optedOut, lastInbound: conversation.lastInboundAt, language: language, now: context.queue.now, preferred: message.template?.template) {
        case .refuse(let reason):
            try await finish(message, status: optedOut ? "cancelled" : "failed", error: reason, context: context)
            return nil
        case .holdUntil(let date):
            try await later(message, at: date, reason: nil, context: context)
            return nil
        case .template(let chosen):
            // The policy picks the same template as `outsideWindow` (the message's own, else the clinic's).
            let (template, parameters) = outsideWindow ?? (chosen, chosen.filled(name: contact.name, clinic: clinic.name))
            content = .template(template, parameters: parameters)
            templateName = template.name
        case .freeForm:
            break
        }
        guard let phone = contact.phone ?? (channel.provider == .chatwoot ? "" : nil) else {
            try await finish(message, status: "failed", error: "the contact has no phone number", context: context)
            return nil
        }
        let configuration = SenderConfiguration(channel: channel, credentials: credentials, timeout: components.sendTimeout)
        let breakerKey = "send:\(channel.id.uuidString)"
        if let refusal = components.sendBreaker.refusal(for: breakerKey) {
            // The provider is down: no call; the attempt counts, so a long outage ends in dead letters.
            throw Retry(description: refusal)
        }
        attempt.providerCalled = true
        var outcome = await sender.send(OutboundMessage(to: phone, content: content, conversationID: conversation.externalID), with: configuration)
        // Meta's clock for the window can differ from ours: on 131047 send the template instead, once.
        if case .rejected(WhatsAppCloudSender.reEngagementError?, _, _) = outcome, templateName == nil, let (template, parameters) = outsideWindow {
            templateName = template.name
            outcome = await sender.send(OutboundMessage(to: phone, content: .template(template, parameters: parameters), conversationID: conversation.externalID), with: configuration)
        }
        switch outcome {
        case .sent, .rejected(_, _, false): components.sendBreaker.recordSuccess(breakerKey)
        case .rejected(_, _, true), .unknown: components.sendBreaker.recordFailure(breakerKey)
        }
        switch outcome {
        case .sent(let providerMessageID):
            return Sent(message: message, providerMessageID: providerMessageID, templateName: templateName, lead: lead, context: context)
        case .rejected(let code, let reason, let retryable):
            if retryable { throw Retry(description: reason) }
            let detail = code == WhatsAppCloudSender.reEngagementError ? "outside WhatsApp's 24-hour window (131047) and no template" : reason
            try await finish(message, status: "failed", error: detail, context: context)
        case .unknown(let reason):
            try await finish(message, status: "unconfirmed", error: "\(reason); not resent, check the chat", context: context)
            try await askToCheck(message, lead: lead, title: "Check whether a message reached \(contact.name ?? "the patient") (the provider did not answer)", context: context)
        }
        return nil
    }

    /// Back to `queued`, with a new job due at `date` (quiet hours).
    private func later(_ message: Message, at date: Date, reason: String?, context: JobContext) async throws {
        try await components.conversations.finishSending(message, status: "queued", error: reason)
        try await components.queue.enqueue(try JobRequest(
            kind: Self.kind, encoding: Payload(messageID: message.id), runAt: date,
            idempotencyKey: "\(Self.kind):\(message.id.text(lowercase: true)):\(Int(date.timeIntervalSince1970))", clinicID: message.clinicID,
            correlationID: context.job.correlationID
        ))
    }

    /// A message whose fate is unknown is never resent; a person checks the chat instead.
    private func askToCheck(_ message: Message, lead: Lead?, title: String, context: JobContext) async throws {
        try await components.scoring.createTask(
            .init(clinicID: message.clinicID, leadID: lead?.id, assigneeID: lead?.ownerID, kind: "check_message", priority: "normal", title: title, dueAt: context.queue.now),
            key: "unconfirmed:\(message.id)"
        )
    }

    private func finish(_ message: Message, status: String, error: String, context: JobContext) async throws {
        try await components.store.db.withTransaction { database in
            try await components.conversations.finishSending(message, status: status, error: error, on: database)
            try await event("message.\(status)", message, status: status, error: error, context: context, on: database)
        }
    }

    private func event(_ type: String, _ message: Message, status: String, error: String?, context: JobContext, on database: any Database) async throws {
        try await components.events.appendLater(
            try EventDraft(
                clinicID: message.clinicID, stream: Contact.stream(message.contactID), type: type,
                encoding: CRMEvents.MessageStatusChanged(messageID: message.id, status: status, errorCode: error),
                correlationID: context.job.correlationID, causationID: "job:\(context.job.id.text(lowercase: true))",
                idempotencyKey: "\(type):\(message.id.text(lowercase: true))"
            ),
            on: database
        )
    }
}
