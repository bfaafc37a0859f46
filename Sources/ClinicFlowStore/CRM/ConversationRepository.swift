import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Conversations and messages, scoped by clinic in every read.
public struct ConversationRepository: Sendable {
    public let store: Store
    private let clock: @Sendable () -> Date
    func now() -> Date { clock() }

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    /// The contact's conversation on the channel, created on first contact.
    public func conversation(clinicID: UUID, contactID: UUID, channelID: UUID, externalID: String?, on database: (any Database)? = nil) async throws -> Conversation {
        try await openConversation(clinicID: clinicID, contactID: contactID, channelID: channelID, externalID: externalID, on: database).conversation
    }

    /// The contact's conversation on the channel, and whether this call created it (then it has no
    /// assistant state yet). A new one comes back from its insert: one statement, not two.
    public func openConversation(
        clinicID: UUID, contactID: UUID, channelID: UUID, externalID: String?, on database: (any Database)? = nil
    ) async throws -> (conversation: Conversation, created: Bool) {
        let sql = (database ?? store.db).sql
        let now = clock()
        let id = UUID.timeOrdered()
        let insert = Self.insertConversation.bind([id, clinicID, contactID, channelID, externalID, "open", now, now], on: sql)
        if sql.isPostgres {
            if let created = try await insert.first() { return (try Self.conversation(row: created), true) }
        } else if try await insert.changes().count == 1 {
            // What the insert wrote, as reading the row back gives it (times as stored: seconds since 1970).
            let stored = Date(timeIntervalSince1970: now.timeIntervalSince1970)
            let created = Conversation(
                id: id, clinicID: clinicID, contactID: contactID, channelID: channelID, externalID: externalID, createdAt: stored, updatedAt: stored
            )
            return (created, true)
        }
        guard let row = try await select(on: database).where("channel_id", .equal, channelID).where("contact_id", .equal, contactID).first() else {
            throw StoreError.unexpectedResult("conversation neither created nor found")
        }
        return (try Self.conversation(row: row), false)
    }

    /// Stores a message unless the channel already has one with its provider id. Returns whether it was new.
    @discardableResult
    public func insert(_ message: Message, idempotencyKey: String? = nil, on database: (any Database)? = nil) async throws -> Bool {
        let sql = (database ?? store.db).sql
        let now = clock()
        let values: [any Encodable & Sendable] = [
            message.id, message.clinicID, message.conversationID, message.contactID, message.channelID, message.direction.rawValue,
            message.providerMessageID, message.body, message.mediaKind?.rawValue, message.status, message.author, message.sentAt,
            message.purpose?.rawValue, message.templateName, message.error,
            try message.template.map(JSONCoding.plainText), now, now, idempotencyKey,
        ]
        let inserted = try await (message.direction == .inbound ? Self.insertInbound : Self.insertOutbound).bind(values, on: sql).changes()
        guard inserted.count == 1 else { return false }
        // The window opens with the person's message; an outbound one counts once it is sent.
        if message.direction == .inbound {
            try await Self.noteInbound.bind([message.sentAt, now, message.conversationID], on: sql).run()
        }
        return true
    }

    /// Applies a delivery status to the outbound message with this provider id; returns its id when it
    /// moved. Statuses only move forward: a late `delivered` does not undo `read`.
    public func updateStatus(
        channelID: UUID, providerMessageID: String, status: String, error: String? = nil, on database: (any Database)? = nil
    ) async throws -> (id: UUID, contactID: UUID)? {
        let earlier = Self.deliveryOrder.prefix { $0 != status }
        guard Self.deliveryOrder.contains(status) || status == "failed" else { return nil }
        let from = status == "failed" ? ["queued", "sending", "sent", "unconfirmed"] : Array(earlier) + ["unconfirmed"]
        var update = (database ?? store.db).sql.update("messages").set("status", to: status).set("updated_at", to: clock())
        if let error { update = update.set("error", to: error) }
        guard let row = try await update
            .where("channel_id", .equal, channelID).where("provider_message_id", .equal, providerMessageID)
            .where("status", .in, from)
            .returning("id", "contact_id").first()
        else { return nil }
        return (try row.decode(column: "id", as: UUID.self), try row.decode(column: "contact_id", as: UUID.self))
    }

    static let deliveryOrder = ["queued", "sending", "sent", "delivered", "read"]

    public func find(id: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> Conversation? {
        try await Self.findByID.bind([id, clinicID], on: (database ?? store.db).sql).first().map(Self.conversation(row:))
    }

    // What every lead's intake and reply run on conversations: written once (`FixedStatement`).
    private static let insertConversation = FixedStatement(arity: 8) { sql, values in
        sql.insert(into: "conversations")
            .columns("id", "clinic_id", "contact_id", "channel_id", "external_id", "status", "created_at", "updated_at")
            .values(values)
            .ignoringConflicts(with: ["channel_id", "contact_id"])
            .queryReturningOnPostgres(conversationColumns.names)
    }
    private static let noteInbound = FixedStatement(arity: 3) { sql, values in
        sql.update("conversations").set("last_inbound_at", to: values[0]).set("updated_at", to: values[1]).where("id", .equal, values[2]).query
    }
    private static let findByID = FixedStatement(arity: 2) { sql, values in
        sql.select().column(conversationColumns).from("conversations").where("id", .equal, values[0]).where("clinic_id", .equal, values[1]).query
    }

    /// Newest first. For one contact: all of theirs (one per channel, a handful) through the contact's
    /// index, sorted here; an ORDER BY in SQL made SQLite prefer the clinic's (clinic, updated_at)
    /// index to skip the sort, and walk every conversation of the clinic.
    public func list(clinicID: UUID, contactID: UUID? = nil, limit: Int = 50, offset: Int = 0, on database: (any Database)? = nil) async throws -> (items: [Conversation], total: Int) {
        if let contactID {
            let all = try await select(on: database).where("clinic_id", .equal, clinicID).where("contact_id", .equal, contactID).all()
                .map(Self.conversation(row:))
                .sorted { Self.isNewer(($0.updatedAt, $0.id), than: ($1.updatedAt, $1.id)) }
            return (Array(all.dropFirst(offset).prefix(limit)), all.count)
        }
        let total = try await (database ?? store.db).sql.select().column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n").from("conversations")
            .where("clinic_id", .equal, clinicID).first(decodingColumn: "n", as: Int.self) ?? 0
        let items = try await select(on: database).where("clinic_id", .equal, clinicID).orderBy("updated_at", .descending).orderBy("id")
            .limit(limit).offset(offset).all().map(Self.conversation(row:))
        return (items, total)
    }

    /// The lists' order: more recently updated first, then by id (as `ORDER BY updated_at DESC, id`).
    static func isNewer(_ one: (updatedAt: Date, id: UUID), than other: (updatedAt: Date, id: UUID)) -> Bool {
        (one.updatedAt, other.id.uuidString) > (other.updatedAt, one.id.uuidString)
    }

    /// Messages of a conversation, oldest first.
    public func messages(conversationID: UUID, clinicID: UUID, limit: Int = 100, offset: Int = 0, on database: (any Database)? = nil) async throws -> [Message] {
        try await (database ?? store.db).sql.select()
            .columns(Self.messageColumns)
            .from("messages")
            .where("conversation_id", .equal, conversationID).where("clinic_id", .equal, clinicID)
            .orderBy("sent_at").orderBy("id").limit(limit).offset(offset)
            .all()
            .map(Self.message(row:))
    }

    static let messageColumns = ColumnList([
        "id", "clinic_id", "conversation_id", "contact_id", "channel_id", "direction", "provider_message_id", "body", "media_kind", "status", "author",
        "sent_at", "purpose", "template_name", "error", "template",
    ])

    /// What a message is read with, and what only its insert writes.
    private static let messageInsertColumns = ColumnList(messageColumns.names + ["created_at", "updated_at", "idempotency_key"])
    /// Every lead's message and its reply are written with these (`FixedStatement`): an inbound
    /// message is the same one when its provider id is, an outbound one when its key is.
    private static let insertInbound = insertMessage(conflictingOn: ["channel_id", "provider_message_id"])
    private static let insertOutbound = insertMessage(conflictingOn: ["idempotency_key"])

    private static func insertMessage(conflictingOn target: [String]) -> FixedStatement {
        FixedStatement(arity: messageInsertColumns.names.count) { sql, values in
            sql.insert(into: "messages").columns(messageInsertColumns).values(values).ignoringConflicts(with: target).queryReturningOnPostgres("id")
        }
    }

    private static let conversationColumns = ColumnList([
        "id", "clinic_id", "contact_id", "channel_id", "external_id", "status", "last_inbound_at", "last_outbound_at", "assistant_stage",
        "human_takeover", "created_at", "updated_at",
    ])

    static func message(row: any SQLRow) throws -> Message {
        var message = Message(
                    id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
                    conversationID: try row.decode(column: "conversation_id", as: UUID.self),
                    contactID: try row.decode(column: "contact_id", as: UUID.self), channelID: try row.decode(column: "channel_id", as: UUID.self),
                    direction: Message.Direction(rawValue: try row.decode(column: "direction", as: String.self)) ?? .inbound,
                    providerMessageID: try row.decode(column: "provider_message_id", as: String?.self),
                    body: try row.decode(column: "body", as: String?.self),
                    mediaKind: try row.decode(column: "media_kind", as: String?.self).flatMap(MediaKind.init(rawValue:)),
                    status: try row.decode(column: "status", as: String.self), author: try row.decode(column: "author", as: String.self),
                    sentAt: try row.decode(column: "sent_at", as: Date.self),
                    purpose: try row.decode(column: "purpose", as: String?.self).flatMap(MessagePurpose.init(rawValue:)),
                    templateName: try row.decode(column: "template_name", as: String?.self),
                    error: try row.decode(column: "error", as: String?.self)
                )
        message.template = try row.decode(column: "template", as: String?.self).flatMap { try? JSONCoding.plainDecoder.decode(PreparedTemplate.self, from: Data($0.utf8)) }
        return message
    }

    /// The contact's latest inbound texts (`recentInboundLimit` at most), newest first, across channels.
    public func recentInboundTexts(contactID: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> [String] {
        try await Self.recentInbound.bind([contactID, clinicID, Message.Direction.inbound.rawValue], on: (database ?? store.db).sql)
            .all(decodingColumn: "body", as: String.self)
    }

    /// What scoring reads of a person's messages: their latest few.
    public static let recentInboundLimit = 5
    /// Scoring reads it for every lead: written once (`FixedStatement`), so its limit is part of the text.
    private static let recentInbound = FixedStatement(arity: 3) { sql, values in
        sql.select().column("body").from("messages")
            .where("contact_id", .equal, values[0]).where("clinic_id", .equal, values[1])
            .where("direction", .equal, values[2]).where("body", .isNot, SQLLiteral.null)
            .orderBy("sent_at", .descending).limit(recentInboundLimit)
            .query
    }

    private func select(on database: (any Database)?) -> SQLSelectBuilder {
        (database ?? store.db).sql.select().column(Self.conversationColumns).from("conversations")
    }

    static func conversation(row: any SQLRow) throws -> Conversation {
        Conversation(
            id: try row.decode(column: "id", as: UUID.self), clinicID: try row.decode(column: "clinic_id", as: UUID.self),
            contactID: try row.decode(column: "contact_id", as: UUID.self), channelID: try row.decode(column: "channel_id", as: UUID.self),
            externalID: try row.decode(column: "external_id", as: String?.self), status: try row.decode(column: "status", as: String.self),
            lastInboundAt: try row.decode(column: "last_inbound_at", as: Date?.self),
            lastOutboundAt: try row.decode(column: "last_outbound_at", as: Date?.self),
            assistantStage: try row.decode(column: "assistant_stage", as: String?.self).flatMap(AssistantStage.init(rawValue:)),
            humanTakeover: try row.decode(column: "human_takeover", as: Bool?.self) ?? false,
            createdAt: try row.decode(column: "created_at", as: Date.self), updatedAt: try row.decode(column: "updated_at", as: Date.self)
        )
    }
}
