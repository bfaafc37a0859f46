import ClinicFlowDomain
import ClinicFlowProviders
import ClinicFlowStore
import FluentKit
import Foundation

/// Which CRMs a clinic syncs with: its active Chatwoot, Twenty and HubSpot channels that hold API
/// credentials. Contacts go both ways with Chatwoot and Twenty; HubSpot gets HOT leads.
struct CRMSync {
    let components: EngineComponents

    /// Systems whose contacts mirror ClinicFlow's.
    static let mirrored: [SyncSystem] = [.chatwoot, .twenty]

    func connection(_ system: SyncSystem, clinicID: UUID, on database: (any Database)? = nil) async throws -> Result<CRMConnection, CRMError>? {
        try await connections([system], clinicID: clinicID, on: database)[system]
    }

    /// The API connection of each of `systems` the clinic has a channel for, from one read of its channels.
    /// A webhook-only channel (no API credentials) gives the reason instead: "receive, don't push".
    func connections(_ systems: [SyncSystem], clinicID: UUID, on database: (any Database)? = nil) async throws -> [SyncSystem: Result<CRMConnection, CRMError>] {
        var found: [SyncSystem: Result<CRMConnection, CRMError>] = [:]
        // A recent copy of the list will do: a CRM added a moment ago is pushed to from its next lead.
        for channel in try await components.channels.recentList(clinicID: clinicID, on: database) where channel.active {
            guard let system = SyncSystem(provider: channel.provider), systems.contains(system), (try? found[system]?.get()) == nil,
                let (channel, credentials) = try await components.channels.findWithCredentials(id: channel.id, on: database)
            else { continue }
            found[system] = CRMConnection.of(channel, credentials: credentials, timeout: components.sendTimeout)
        }
        return found
    }

    /// Upserts the contact in `system` (by the known id, else by email or phone) and returns its id there
    /// and whether it was already linked. The caller records the link.
    func push(_ contact: Contact, to system: SyncSystem, connection: CRMConnection, link: SyncRepository.Link?) async throws(CRMError) -> (externalID: String, wasLinked: Bool) {
        let fingerprint = Self.fingerprint(contact)
        let knownID = link?.externalID ?? contact.identities.first { $0.kind.rawValue == system.rawValue }?.value
        // Stored phones are E.164 already; the region only matters for numbers without a country code.
        let person = CRMPerson(name: fingerprint.name, email: fingerprint.email, phone: contact.phone.flatMap { PhoneNumber.normalize($0, defaultRegion: "US") })
        return (try await CRMClients.contacts(system, connection).upsert(person, knownID: knownID), knownID != nil)
    }

    /// Queues a push of the contact to every mirrored CRM but `origin`, once per content version.
    func pushLater(contactID: UUID, clinicID: UUID, fingerprint: SyncFingerprint, except origin: SyncSystem?, correlationID: String?, on database: any Database) async throws {
        let targets = Self.mirrored.filter { $0 != origin }
        let connections = try await connections(targets, clinicID: clinicID, on: database)
        for system in targets {
            guard case .success = connections[system] else { continue }
            try await components.queue.enqueue(
                try JobRequest(
                    kind: ContactSyncJob.kind, encoding: ContactSyncJob.Payload(contactID: contactID, system: system),
                    idempotencyKey: "\(ContactSyncJob.kind):\(system.rawValue):\(contactID.text(lowercase: true)):\(fingerprint.hash)",
                    maxAttempts: 8, clinicID: clinicID, correlationID: correlationID
                ),
                on: database
            )
        }
    }

    static func fingerprint(_ contact: Contact) -> SyncFingerprint {
        SyncFingerprint(name: contact.name, email: contact.email, phone: contact.phone)
    }
}

/// A CRM call's failure as the job runner reads it: retry with backoff, or dead-letter with the reason.
func jobError(_ error: CRMError) -> any Error {
    error.retryable ? error : PermanentJobError(error.reason)
}

extension EngineComponents {
    /// Queues pushes of a contact edited in ClinicFlow (API, console) to the mirrored CRMs, in the
    /// caller's transaction.
    public func syncContactLater(_ contact: Contact, correlationID: String?, on database: any Database) async throws {
        try await CRMSync(components: self).pushLater(
            contactID: contact.id, clinicID: contact.clinicID, fingerprint: CRMSync.fingerprint(contact), except: nil, correlationID: correlationID, on: database
        )
    }
}
