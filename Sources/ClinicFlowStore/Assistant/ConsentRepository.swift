import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// The consent ledger: every opt-in and opt-out with its evidence, never edited. The contact's
/// `opted_out_at` mirrors the latest entry so every send can check it in one read.
public struct ConsentRepository: Sendable {
    /// `expired`: an opt-in past the clinic's consent period; proactive messages stop until a new opt-in.
    public enum Kind: String, Sendable, Codable { case optIn = "opt_in", optOut = "opt_out", expired }

    public struct Entry: Sendable, Equatable, Codable {
        public var id: UUID
        public var contactID: UUID
        public var kind: Kind
        public var channelID: UUID?
        /// `keyword`, `form`, `api`, `console`.
        public var source: String
        /// What shows consent: the keyword received, the form's wording, a note by staff.
        public var evidence: String
        public var recordedBy: UUID?
        public var createdAt: Date
    }

    let store: Store
    let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func record(
        _ kind: Kind, contactID: UUID, clinicID: UUID, channelID: UUID?, source: String, evidence: String, recordedBy: UUID? = nil,
        on database: (any Database)? = nil
    ) async throws -> Entry {
        let sql = (database ?? store.db).sql
        let entry = Entry(id: .timeOrdered(), contactID: contactID, kind: kind, channelID: channelID, source: source, evidence: evidence, recordedBy: recordedBy, createdAt: clock())
        try await sql.insert(into: "consent_events")
            .columns("id", "clinic_id", "contact_id", "kind", "channel_id", "source", "evidence", "recorded_by", "created_at")
            .values(
                SQLBind(entry.id), SQLBind(clinicID), SQLBind(contactID), SQLBind(kind.rawValue), bindOrNull(channelID), SQLBind(source),
                SQLBind(evidence), bindOrNull(recordedBy), SQLBind(entry.createdAt)
            ).run()
        try await sql.update("contacts").set("opted_out_at", to: kind == .optOut ? SQLBind(entry.createdAt) : SQLLiteral.null)
            .where("id", .equal, contactID).where("clinic_id", .equal, clinicID).run()
        return entry
    }

    public func isOptedOut(contactID: UUID, on database: (any Database)? = nil) async throws -> Bool {
        try await (database ?? store.db).sql.select().column("opted_out_at").from("contacts").where("id", .equal, contactID)
            .first(decodingColumn: "opted_out_at", as: Date?.self).flatMap { $0 } != nil
    }

    /// The latest entry's kind, nil when the ledger is empty.
    public func latestKind(contactID: UUID, on database: (any Database)? = nil) async throws -> Kind? {
        try await (database ?? store.db).sql.select().column("kind").from("consent_events").where("contact_id", .equal, contactID)
            .orderBy("created_at", .descending).orderBy("id", .descending).limit(1)
            .first(decodingColumn: "kind", as: String.self).flatMap(Kind.init(rawValue:))
    }

    /// Contacts of the clinic whose latest entry is an opt-in recorded before `date`.
    public func optInsRecorded(before date: Date, clinicID: UUID, limit: Int = 500, on database: (any Database)? = nil) async throws -> [UUID] {
        try await (database ?? store.db).sql.raw("""
            SELECT e.contact_id FROM consent_events e
            WHERE e.clinic_id = \(bind: clinicID) AND e.kind = 'opt_in' AND e.created_at < \(bind: date)
              AND NOT EXISTS (SELECT 1 FROM consent_events l WHERE l.contact_id = e.contact_id AND l.created_at > e.created_at)
            ORDER BY e.created_at LIMIT \(unsafeRaw: String(limit))
            """).all().map { try $0.decode(column: "contact_id", as: UUID.self) }
    }

    public func ledger(contactID: UUID, clinicID: UUID, on database: (any Database)? = nil) async throws -> [Entry] {
        try await (database ?? store.db).sql.select()
            .columns("id", "contact_id", "kind", "channel_id", "source", "evidence", "recorded_by", "created_at")
            .from("consent_events").where("contact_id", .equal, contactID).where("clinic_id", .equal, clinicID)
            .orderBy("created_at").orderBy("id").all()
            .map { row in
                Entry(
                    id: try row.decode(column: "id", as: UUID.self), contactID: try row.decode(column: "contact_id", as: UUID.self),
                    kind: Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .optOut,
                    channelID: try row.decode(column: "channel_id", as: UUID?.self), source: try row.decode(column: "source", as: String.self),
                    evidence: try row.decode(column: "evidence", as: String.self), recordedBy: try row.decode(column: "recorded_by", as: UUID?.self),
                    createdAt: try row.decode(column: "created_at", as: Date.self)
                )
            }
    }
}
