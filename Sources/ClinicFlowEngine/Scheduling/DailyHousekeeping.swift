import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// The nightly jobs besides the score refresh: consent that has run its course, and raw webhook
/// bodies past the clinic's retention period.
public struct DailyHousekeeping: Sendable {
    public static let consentKind = "consent.expire"
    public static let retentionKind = "retention.sweep"

    /// Done jobs are kept as long as the clinic keeps raw webhooks, and never less than a week: their
    /// idempotency keys turn away the same work enqueued again (a provider's late redelivery is
    /// turned away by the delivery's own dedupe key, which stays).
    static let minimumJobRetention: TimeInterval = 7 * 86_400
    /// Done jobs of no clinic (housekeeping, schedules).
    static let unownedJobRetention: TimeInterval = 30 * 86_400

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.consentKind) { context in
            for clinic in try await components.clinics.all() {
                let expired = try await expireConsent(clinic, now: context.queue.now)
                if expired > 0 { context.logger.info("consent expired", metadata: ["clinic": "\(clinic.id)", "contacts": "\(expired)"]) }
            }
        }
        registry.register(Self.retentionKind) { context in
            let now = context.queue.now
            for clinic in try await components.clinics.all() {
                let settings = try await components.scoring.schedulingSettings(clinicID: clinic.id)
                let cutoff = now.addingTimeInterval(-TimeInterval(settings.deliveryRetentionDays) * 86_400)
                let purged = try await components.deliveries.purgeBodies(clinicID: clinic.id, receivedBefore: cutoff)
                if purged > 0 { context.logger.info("purged raw deliveries", metadata: ["clinic": "\(clinic.id)", "deliveries": "\(purged)"]) }
                let jobs = try await context.queue.deleteDone(clinicID: clinic.id, finishedBefore: min(cutoff, now.addingTimeInterval(-Self.minimumJobRetention)))
                if jobs > 0 { context.logger.info("deleted finished jobs", metadata: ["clinic": "\(clinic.id)", "jobs": "\(jobs)"]) }
            }
            let jobs = try await context.queue.deleteDone(clinicID: nil, finishedBefore: now.addingTimeInterval(-Self.unownedJobRetention))
            if jobs > 0 { context.logger.info("deleted finished jobs", metadata: ["jobs": "\(jobs)"]) }
        }
    }

    /// Records `expired` for opt-ins older than the clinic's consent period; returns how many.
    func expireConsent(_ clinic: Clinic, now: Date) async throws -> Int {
        let settings = try await components.scoring.schedulingSettings(clinicID: clinic.id)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: clinic.timeZone) ?? .gmt
        guard let cutoff = calendar.date(byAdding: .month, value: -settings.consentMonths, to: now) else { return 0 }
        let contacts = try await components.consent.optInsRecorded(before: cutoff, clinicID: clinic.id)
        let components = self.components
        for contactID in contacts {
            try await components.store.db.withTransaction { database in
                _ = try await components.consent.record(
                    .expired, contactID: contactID, clinicID: clinic.id, channelID: nil, source: "retention",
                    evidence: "opt-in older than \(settings.consentMonths) months", on: database
                )
                try await components.events.append(
                    try EventDraft(
                        clinicID: clinic.id, stream: Contact.stream(contactID), type: "consent.expired",
                        encoding: ["months": settings.consentMonths], idempotencyKey: "consent.expired:\(contactID.text(lowercase: true)):\(Int(now.timeIntervalSince1970))"
                    ),
                    on: database
                )
            }
        }
        return contacts.count
    }
}
