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
        let channels = try await components.channels.list(clinicID: clinicID, on: database).filter { $0.active && $0.provider == system.provider }
        var failure: CRMError?
        for channel in channels {
            guard let (channel, credentials) = try await components.channels.findWithCredentials(id: channel.id, on: database) else { continue }
            switch CRMConnection.of(channel, credentials: credentials, timeout: components.sendTimeout) {
            case .success(let connection): return .success(connection)
            case .failure(let error): failure = error
            }
        }
        // A webhook-only channel (no API credentials) means "receive, don't push".
        return failure.map { .failure($0) }
    }

    /// Queues a push of the contact to every mirrored CRM but `origin`, once per content version.
    func pushLater(contactID: UUID, clinicID: UUID, fingerprint: SyncFingerprint, except origin: SyncSystem?, correlationID: String?, on database: any Database) async throws {
        for system in Self.mirrored where system != origin {
            guard case .success = try await connection(system, clinicID: clinicID, on: database) else { continue }
            try await components.queue.enqueue(
                try JobRequest(
                    kind: ContactSyncJob.kind, encoding: ContactSyncJob.Payload(contactID: contactID, system: system),
                    idempotencyKey: "\(ContactSyncJob.kind):\(system.rawValue):\(contactID.uuidString.lowercased()):\(fingerprint.hash)",
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
