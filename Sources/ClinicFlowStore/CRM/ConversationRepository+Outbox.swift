import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// The outbox side of messages: a queued outbound message moves to `sending` before the provider is
/// called, so a retry after a crash can tell "never tried" from "maybe sent".
extension ConversationRepository {
    public func message(id: UUID, on database: (any Database)? = nil) async throws -> Message? {
        try await (database ?? store.db).sql.select().columns(Self.messageColumns).from("messages").where("id", .equal, id).first().map(Self.message(row:))
    }

    /// Moves a queued message (or a failed one whose dead job is replayed) to `sending`; false when
    /// it is in any other state (being or maybe sent, sent, cancelled).
    public func claimForSending(_ id: UUID, on database: (any Database)? = nil) async throws -> Bool {
        try await (database ?? store.db).sql.update("messages").set("status", to: "sending").set("updated_at", to: now())
            .where("id", .equal, id).where("status", .in, ["queued", "failed"])
            .returning("id").first() != nil
    }

    /// Records the outcome of a send attempt. `sent` stamps the conversation's last outbound time.
    public func finishSending(
        _ message: Message, status: String, providerMessageID: String? = nil, templateName: String? = nil, error: String? = nil,
        on database: (any Database)? = nil
    ) async throws {
        let sql = (database ?? store.db).sql
        var update = sql.update("messages").set("status", to: status).set("updated_at", to: now())
        if let providerMessageID { update = update.set("provider_message_id", to: providerMessageID) }
        if let templateName { update = update.set("template_name", to: templateName) }
        update = update.set("error", to: bindOrNull(error))
        try await update.where("id", .equal, message.id).run()
        if status == "sent" {
            try await sql.update("conversations").set("last_outbound_at", to: now()).set("updated_at", to: now())
                .where("id", .equal, message.conversationID).run()
        }
    }

    /// After an opt-out: queued messages that are not transactional are not sent. Returns how many.
    @discardableResult
    public func cancelQueued(contactID: UUID, clinicID: UUID, reason: String, on database: (any Database)? = nil) async throws -> Int {
        try await (database ?? store.db).sql.update("messages")
            .set("status", to: "cancelled").set("error", to: reason).set("updated_at", to: now())
            .where("contact_id", .equal, contactID).where("clinic_id", .equal, clinicID).where("status", .equal, "queued")
            .where("purpose", .notEqual, MessagePurpose.transactional.rawValue)
            .returning("id").all().count
    }

    /// Each of these contacts' most recently active conversation in the clinic (a board's links).
    /// Read through the contacts' index with the clinic checked on each row, like `labels`: it used
    /// to read every conversation of the clinic.
    public func latestConversationIDs(clinicID: UUID, contactIDs: [UUID], on database: (any Database)? = nil) async throws -> [UUID: UUID] {
        guard !contactIDs.isEmpty else { return [:] }
        var latest: [UUID: (updatedAt: Date, id: UUID)] = [:]
        for row in try await Self.latestConversationsQuery(contactIDs, on: (database ?? store.db).sql).all()
        where try row.decode(column: "clinic_id", as: UUID.self) == clinicID {
            let contact = try row.decode(column: "contact_id", as: UUID.self)
            let candidate = (updatedAt: try row.decode(column: "updated_at", as: Date.self), id: try row.decode(column: "id", as: UUID.self))
            if let known = latest[contact], !Self.isNewer(candidate, than: known) { continue }
            latest[contact] = candidate
        }
        return latest.mapValues(\.id)
    }

    static func latestConversationsQuery(_ contactIDs: [UUID], on sql: any SQLDatabase) -> SQLSelectBuilder {
        sql.select().columns("id", "clinic_id", "contact_id", "updated_at").from("conversations").where("contact_id", .in, Array(Set(contactIDs)))
    }

    // MARK: Assistant

    /// Conversations the assistant has answered in the clinic, and how many of them it handed over.
    public func assistantOutcomes(clinicID: UUID, on database: (any Database)? = nil) async throws -> (answered: Int, handedOver: Int) {
        var answered = 0
        var handedOver = 0
        for row in try await (database ?? store.db).sql.select().column("assistant_stage").column(SQLFunction("COUNT", args: SQLLiteral.all), as: "n")
            .from("conversations").where("clinic_id", .equal, clinicID).where("assistant_stage", .isNot, SQLLiteral.null)
            .groupBy("assistant_stage").all() {
            let count = try row.decode(column: "n", as: Int.self)
            answered += count
            if try row.decode(column: "assistant_stage", as: String.self) == AssistantStage.transferred.rawValue { handedOver += count }
        }
        return (answered, handedOver)
    }

    public func assistantState(conversationID: UUID, on database: (any Database)? = nil) async throws -> AssistantState? {
        guard let json = try await (database ?? store.db).sql.select().column("assistant_state").from("conversations")
            .where("id", .equal, conversationID).first(decodingColumn: "assistant_state", as: String?.self) ?? nil
        else { return nil }
        return try JSONCoding.plainDecoder.decode(AssistantState.self, from: Data(json.utf8))
    }

    public func saveAssistantState(_ state: AssistantState, conversationID: UUID, on database: (any Database)? = nil) async throws {
        let json = String(decoding: try JSONEncoder().encode(state), as: UTF8.self)
        try await (database ?? store.db).sql.update("conversations")
            .set("assistant_state", to: json).set("assistant_stage", to: state.stage.rawValue).set("updated_at", to: now())
            .where("id", .equal, conversationID).run()
    }

    /// Sets or clears human takeover; returns whether it changed.
    @discardableResult
    public func setHumanTakeover(_ takeover: Bool, conversationID: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> Bool {
        try await (database ?? store.db).sql.update("conversations")
            .set("human_takeover", to: takeover).set("updated_at", to: now())
            .where("id", .equal, conversationID).where("clinic_id", .equal, clinicID)
            .where(SQLFunction("COALESCE", args: SQLIdentifier("human_takeover"), SQLLiteral.boolean(false)), .notEqual, SQLLiteral.boolean(takeover))
            .returning("id").first() != nil
    }
}
