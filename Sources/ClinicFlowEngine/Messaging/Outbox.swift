import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

/// Outbound messages go out through here: the message row (status `queued`) and its `message.send`
/// job are written in the caller's transaction, so a message is either fully queued or not at all,
/// and its idempotency key makes queuing it twice a no-op.
public struct Outbox: Sendable {
    public struct Draft: Sendable {
        public var conversation: Conversation
        public var text: String
        public var purpose: MessagePurpose
        /// `assistant` or `user:<id>`.
        public var author: String
        /// Stable for one intended message: `assistant:<inbound message id>`, `api:<request id>`.
        public var key: String
        /// Sent instead of the clinic's general template when the message falls outside WhatsApp's window.
        public var template: PreparedTemplate?
        public var runAt: Date?
        public var correlationID: String?

        public init(
            conversation: Conversation, text: String, purpose: MessagePurpose, author: String, key: String, template: PreparedTemplate? = nil,
            runAt: Date? = nil, correlationID: String? = nil
        ) {
            self.conversation = conversation
            self.text = text
            self.purpose = purpose
            self.author = author
            self.key = key
            self.template = template
            self.runAt = runAt
            self.correlationID = correlationID
        }
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    /// Queues the message; nil when a message with this key was queued before.
    @discardableResult
    public func enqueue(_ draft: Draft, on database: any Database) async throws -> Message? {
        let conversation = draft.conversation
        var message = Message(
            id: .timeOrdered(), clinicID: conversation.clinicID, conversationID: conversation.id, contactID: conversation.contactID,
            channelID: conversation.channelID, direction: .outbound, providerMessageID: nil, body: draft.text, status: "queued", author: draft.author,
            sentAt: draft.runAt ?? components.queue.now, purpose: draft.purpose
        )
        message.template = draft.template
        guard try await components.conversations.insert(message, idempotencyKey: "outbox:\(draft.key)", on: database) else { return nil }
        try await components.queue.enqueue(
            try JobRequest(
                kind: MessageSendJob.kind, encoding: MessageSendJob.Payload(messageID: message.id), runAt: draft.runAt,
                idempotencyKey: "\(MessageSendJob.kind):\(message.id.text(lowercase: true))", clinicID: conversation.clinicID,
                correlationID: draft.correlationID
            ),
            on: database
        )
        try await components.events.appendLater(
            try EventDraft(
                clinicID: conversation.clinicID, stream: Contact.stream(conversation.contactID), type: "message.queued",
                encoding: CRMEvents.MessageRecorded(
                    messageID: message.id, conversationID: conversation.id, channelID: conversation.channelID, direction: .outbound, mediaKind: nil,
                    author: draft.author
                ),
                correlationID: draft.correlationID, idempotencyKey: "message.queued:\(message.id.text(lowercase: true))"
            ),
            on: database
        )
        return message
    }
}
