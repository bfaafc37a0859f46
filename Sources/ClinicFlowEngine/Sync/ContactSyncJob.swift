import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import Foundation

/// `crm.sync_contact`: pushes a contact to one CRM when that CRM does not already have this version
/// of it. The fingerprint stored per system after each push and each webhook is what stops loops:
/// the CRM's echo of our push carries the same fingerprint and is not pushed anywhere again.
public struct ContactSyncJob: Sendable {
    public static let kind = "crm.sync_contact"

    public struct Payload: Codable, Sendable, Equatable {
        public var contactID: UUID
        public var system: SyncSystem
    }

    public struct Synced: Codable, Sendable, Equatable {
        public var system: SyncSystem
        public var externalID: String
        /// The CRM's record was already known (linked) before this push.
        public var wasLinked: Bool
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload, context: context)
        }
    }

    func run(_ payload: Payload, context: JobContext) async throws {
        guard let clinicID = context.job.clinicID, let contact = try await components.contacts.find(id: payload.contactID, clinicID: clinicID) else { return }
        let fingerprint = CRMSync.fingerprint(contact)
        let link = try await components.sync.link(contactID: contact.id, system: payload.system)
        guard link?.contentHash != fingerprint.hash else { return }
        let sync = CRMSync(components: components)
        guard case .success(let connection) = try await sync.connection(payload.system, clinicID: clinicID) else { return }
        let (externalID, wasLinked): (String, Bool)
        do {
            (externalID, wasLinked) = try await sync.push(contact, to: payload.system, connection: connection, link: link)
        } catch {
            throw jobError(error)
        }
        let components = self.components
        try await components.store.db.withTransaction { database in
            try await components.sync.save(contactID: contact.id, clinicID: clinicID, system: payload.system, externalID: externalID, contentHash: fingerprint.hash, on: database)
            if let kind = ContactIdentity.Kind(rawValue: payload.system.rawValue) {
                try await components.contacts.link([ContactIdentity(kind: kind, value: externalID)], to: contact.id, clinicID: clinicID, on: database)
            }
            try await components.events.append(
                try EventDraft(
                    clinicID: clinicID, stream: Contact.stream(contact.id), type: "crm.contact_pushed",
                    encoding: Synced(system: payload.system, externalID: externalID, wasLinked: wasLinked), correlationID: context.job.correlationID,
                    causationID: "job:\(context.job.id.text(lowercase: true))", idempotencyKey: "crm.contact_pushed:\(payload.system.rawValue):\(contact.id):\(fingerprint.hash)"
                ),
                on: database
            )
        }
    }
}
