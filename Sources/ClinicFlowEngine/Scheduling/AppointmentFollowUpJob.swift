import ClinicFlowDomain
import ClinicFlowStore
import Foundation

/// `appointment.follow_up`: a reminder, no-show follow-up or recall, due at its time. Enqueued once per
/// appointment, kind and start time (idempotency key), leased by one worker, and re-checked when it
/// runs: a cancelled or moved appointment, or one already followed by a new booking, sends nothing.
public struct AppointmentFollowUpJob: Sendable {
    public static let kind = "appointment.follow_up"

    public struct Payload: Codable, Sendable, Equatable {
        public var appointmentID: UUID
        public var kind: FollowUpKind
        /// The start time the follow-up was planned for.
        public var startsAt: Date
        public var offsetHours: Int?
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    public func register(in registry: inout JobRegistry) {
        registry.register(Self.kind, payload: Payload.self) { payload, context in
            try await run(payload, context: context)
        }
    }

    static func request(_ plan: FollowUpPlan, appointment: SchedulingRepository.Appointment, correlationID: String?) throws -> JobRequest {
        let payload = Payload(appointmentID: appointment.id, kind: plan.kind, startsAt: appointment.startsAt, offsetHours: plan.offsetHours)
        return try JobRequest(
            kind: kind, encoding: payload, runAt: plan.dueAt, idempotencyKey: key(payload), maxAttempts: 5, clinicID: appointment.clinicID,
            correlationID: correlationID
        )
    }

    static func key(_ payload: Payload) -> String {
        "\(kind):\(payload.kind.rawValue):\(payload.appointmentID.text(lowercase: true)):\(Int(payload.startsAt.timeIntervalSince1970)):\(payload.offsetHours ?? 0)"
    }

    func run(_ payload: Payload, context: JobContext) async throws {
        guard let appointment = try await components.scheduling.appointment(id: payload.appointmentID),
            let clinic = try await components.clinics.find(id: appointment.clinicID)
        else { return }
        guard try await isStillDue(payload, appointment) else {
            context.logger.info("follow-up no longer due", metadata: ["kind": "\(payload.kind.rawValue)", "appointment": "\(appointment.id)"])
            return
        }
        let practitioner = try await components.scheduling.practitioners(clinicID: clinic.id).first { $0.id == appointment.practitionerID }?.name
        let components = self.components
        try await components.store.db.withTransaction { database in
            let skipped = try await FollowUpMessenger(components: components).send(
                payload.kind, contactID: appointment.contactID, clinic: clinic, when: appointment.startsAt, practitioner: practitioner,
                key: Self.key(payload), correlationID: context.job.correlationID, on: database
            )
            if let skipped {
                try await components.events.append(
                    try EventDraft(
                        clinicID: clinic.id, stream: Contact.stream(appointment.contactID), type: "follow_up.skipped",
                        encoding: ["kind": payload.kind.rawValue, "appointment_id": appointment.id.text(lowercase: true), "reason": skipped.description],
                        correlationID: context.job.correlationID, idempotencyKey: "follow_up.skipped:\(Self.key(payload))"
                    ),
                    on: database
                )
            }
        }
    }

    private func isStillDue(_ payload: Payload, _ appointment: SchedulingRepository.Appointment) async throws -> Bool {
        switch payload.kind {
        case .reminder:
            return appointment.status.isLive && appointment.startsAt == payload.startsAt && appointment.startsAt > components.queue.now
        case .noShow, .recall:
            let expected: AppointmentStatus = payload.kind == .noShow ? .noShow : .done
            let rebooked = try await components.scheduling.upcoming(contactID: appointment.contactID, after: appointment.startsAt)
            return appointment.status == expected && rebooked.isEmpty
        case .bookingConfirmation, .missedCall:
            return false
        }
    }
}
