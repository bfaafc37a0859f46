import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// The outbox side of messages: a queued outbound message moves to `sending` before the provider is
/// called, so a retry after a crash can tell "never tried" from "maybe sent".
extension ConversationRepository {
    public func message(id: UUID, on database: (any Database)? = nil) async throws -> Message? {
        try await Self.messageByID.bind([id], on: (database ?? store.db).sql).first().map(Self.message(row:))
    }

    /// Every send reads its message: written once (`FixedStatement`).
    private static let messageByID = FixedStatement(arity: 1) { sql, values in
        sql.select().columns(messageColumns).from("messages").where("id", .equal, values[0]).query
    }

    /// Moves a queued message (or a failed one whose dead job is replayed) to `sending`; false when
    /// it is in any other state (being or maybe sent, sent, cancelled).
    public func claimForSending(_ id: UUID, on database: (any Database)? = nil) async throws -> Bool {
        try await Self.claimForSending.bind(["sending", now(), id, "queued", "failed"], on: (database ?? store.db).sql).changes().count == 1
    }

    /// Records the outcome of a send attempt. `sent` stamps the conversation's last outbound time.
    public func finishSending(
        _ message: Message, status: String, providerMessageID: String? = nil, templateName: String? = nil, error: String? = nil,
        on database: (any Database)? = nil
    ) async throws {
        let sql = (database ?? store.db).sql
        try await Self.finishSending.bind([status, now(), providerMessageID, templateName, error, message.id], on: sql).run()
        if status == "sent" {
            try await Self.noteOutbound.bind([now(), now(), message.conversationID], on: sql).run()
        }
    }

    // A send's statements, written once (`FixedStatement`): every lead's reply runs them.
    private static let claimForSending = FixedStatement(arity: 5) { sql, values in
        sql.update("messages").set("status", to: values[0]).set("updated_at", to: values[1])
            .where("id", .equal, values[2]).where("status", .in, SQLGroupExpression([values[3], values[4]]))
            .queryReturningOnPostgres("id")
    }
    /// A provider id or template name given replaces the stored one; nil leaves it (`COALESCE`).
    private static let finishSending = FixedStatement(arity: 6) { sql, values in
        sql.update("messages").set("status", to: values[0]).set("updated_at", to: values[1])
            .set("provider_message_id", to: SQLFunction("COALESCE", args: values[2], SQLColumn("provider_message_id")))
            .set("template_name", to: SQLFunction("COALESCE", args: values[3], SQLColumn("template_name")))
            .set("error", to: values[4])
            .where("id", .equal, values[5])
            .query
    }
    private static let noteOutbound = FixedStatement(arity: 3) { sql, values in
        sql.update("conversations").set("last_outbound_at", to: values[0]).set("updated_at", to: values[1]).where("id", .equal, values[2]).query
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
        let json = try JSONCoding.plainText(state)
        try await Self.saveState.bind([json, state.stage.rawValue, now(), conversationID], on: (database ?? store.db).sql).run()
    }

    private static let saveState = FixedStatement(arity: 4) { sql, values in
        sql.update("conversations").set("assistant_state", to: values[0]).set("assistant_stage", to: values[1]).set("updated_at", to: values[2])
            .where("id", .equal, values[3]).query
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
