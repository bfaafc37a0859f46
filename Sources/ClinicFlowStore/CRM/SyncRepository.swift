import ClinicFlowDomain
import FluentKit
import Foundation
import SQLKit

/// Per contact and CRM: the person's id there and the fingerprint of what that system last had,
/// from our push or its webhook. Equal fingerprints mean "nothing to sync", which is what ends loops.
public struct SyncRepository: Sendable {
    public struct Link: Sendable, Equatable {
        public var contactID: UUID
        public var system: SyncSystem
        public var externalID: String?
        public var contentHash: String?
    }

    let store: Store
    let clock: @Sendable () -> Date

    public init(store: Store, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.store = store
        self.clock = clock
    }

    public func link(contactID: UUID, system: SyncSystem, on database: (any Database)? = nil) async throws -> Link? {
        try await (database ?? store.db).sql.select().columns("external_id", "content_hash").from("sync_links")
            .where("contact_id", .equal, contactID).where("system", .equal, system.rawValue).first()
            .map { row in
                Link(
                    contactID: contactID, system: system, externalID: try row.decode(column: "external_id", as: String?.self),
                    contentHash: try row.decode(column: "content_hash", as: String?.self)
                )
            }
    }

    /// Records what `system` now has; a nil external id keeps the known one.
    public func save(contactID: UUID, clinicID: UUID, system: SyncSystem, externalID: String?, contentHash: String, on database: (any Database)? = nil) async throws {
        let sql = (database ?? store.db).sql
        let now = clock()
        if try await link(contactID: contactID, system: system, on: database) != nil {
            var update = sql.update("sync_links").set("content_hash", to: contentHash).set("synced_at", to: now)
            if let externalID { update = update.set("external_id", to: externalID) }
            try await update.where("contact_id", .equal, contactID).where("system", .equal, system.rawValue).run()
        } else {
            try await sql.insert(into: "sync_links").columns("id", "clinic_id", "contact_id", "system", "external_id", "content_hash", "synced_at")
                .values(
                    SQLBind(UUID.timeOrdered()), SQLBind(clinicID), SQLBind(contactID), SQLBind(system.rawValue), bindOrNull(externalID),
                    SQLBind(contentHash), SQLBind(now)
                ).run()
        }
    }
}
