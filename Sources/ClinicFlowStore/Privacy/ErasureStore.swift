import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// The writes of a GDPR erasure, in the caller's transaction: personal data goes, the record that
/// something happened (rows, event types and times, ids) stays for the audit trail.
public struct ErasureStore: Sendable {
    let store: Store

    public init(store: Store) { self.store = store }

    /// What an erased event's payload becomes.
    public static let erasedPayload = #"{"erased":true}"#

    public func eraseContact(_ contactID: UUID, clinicID: UUID, at date: Date, on database: any Database) async throws {
        let sql = database.sql
        try await sql.update("contacts").set("name", to: SQLLiteral.null).set("phone", to: SQLLiteral.null).set("email", to: SQLLiteral.null)
            .set("updated_at", to: date).where("id", .equal, contactID).where("clinic_id", .equal, clinicID).run()
        try await sql.delete(from: "contact_identities").where("contact_id", .equal, contactID).run()
        try await sql.delete(from: "sync_links").where("contact_id", .equal, contactID).run()
        // Texts and what was said; queued messages are not sent any more.
        try await sql.update("messages").set("status", to: "cancelled").set("error", to: "the contact's data was erased")
            .where("contact_id", .equal, contactID).where("status", .in, ["queued", "failed"]).run()
        try await sql.update("messages").set("body", to: SQLLiteral.null).set("template", to: SQLLiteral.null)
            .where("contact_id", .equal, contactID).run()
        try await sql.update("conversations").set("assistant_state", to: SQLLiteral.null)
            .where("contact_id", .equal, contactID).run()
        try await sql.update("consent_events").set("evidence", to: "erased").where("contact_id", .equal, contactID).run()
        // Task and notification titles name the patient ("call Maria now").
        let leads = try await sql.select().column("id").from("leads").where("contact_id", .equal, contactID).all().map { try $0.decode(column: "id", as: UUID.self) }
        if !leads.isEmpty {
            try await sql.update("tasks").set("title", to: "(erased contact)").where("lead_id", .in, leads).run()
            try await sql.update("notifications").set("title", to: "(erased contact)").where("lead_id", .in, leads).run()
        }
    }

    /// Replaces the payloads of these events (by position) with a marker; their rows stay.
    public func erasePayloads(_ positions: [Int64], on database: any Database) async throws {
        for chunk in stride(from: 0, to: positions.count, by: 500).map({ Array(positions[$0..<min($0 + 500, positions.count)]) }) {
            try await database.sql.update("events").set("payload", to: Self.erasedPayload).where("id", .in, chunk).run()
        }
    }

    /// Empties raw webhook bodies (they hold the person's messages and numbers); the rows keep their dedupe keys.
    public func eraseDeliveries(_ ids: [UUID], on database: any Database) async throws {
        guard !ids.isEmpty else { return }
        try await database.sql.update("deliveries").set("body", to: SQLBind(Data())).set("event_type", to: "erased").where("id", .in, ids).run()
    }
}
