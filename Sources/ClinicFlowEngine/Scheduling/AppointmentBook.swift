import ClinicFlowDomain
import ClinicFlowStore
import FluentKit
import Foundation

/// Every way an appointment changes (assistant, console, API, Cal.com) goes through here, inside the
/// caller's transaction: the row, its timeline event, and the follow-ups it sets off (reminders,
/// no-show follow-up, recall) as jobs due at their time.
public struct AppointmentBook: Sendable {
    public struct Changed: Codable, Sendable, Equatable {
        public var appointmentID: UUID
        public var leadID: UUID?
        public var practitionerID: UUID
        public var startsAt: Date
        public var status: AppointmentStatus
        public var source: String
        public var previousStartsAt: Date?
        public var by: UUID?
    }

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case slotTaken
        case transition(from: AppointmentStatus, to: AppointmentStatus)
        case notLive(AppointmentStatus)

        public var description: String {
            switch self {
            case .slotTaken: "the practitioner already has an appointment at that time"
            case .transition(let from, let to): "an appointment that is \(from.rawValue) cannot become \(to.rawValue)"
            case .notLive(let status): "a \(status.rawValue) appointment cannot be rescheduled"
            }
        }
    }

    let components: EngineComponents

    public init(components: EngineComponents) { self.components = components }

    /// Books and schedules its reminders; `.slotTaken` when the time is no longer free.
    public func book(_ booking: SchedulingRepository.Booking, by userID: UUID? = nil, correlationID: String?, on database: any Database) async throws -> Result<SchedulingRepository.Appointment, Problem> {
        guard let appointment = try await components.scheduling.book(booking, on: database) else { return .failure(.slotTaken) }
        try await record("appointment.booked", appointment, previous: nil, by: userID, correlationID: correlationID, on: database)
        try await scheduleReminders(appointment, correlationID: correlationID, on: database)
        return .success(appointment)
    }

    public func reschedule(_ appointment: SchedulingRepository.Appointment, to slot: Slot, by userID: UUID? = nil, correlationID: String?, on database: any Database) async throws -> Result<SchedulingRepository.Appointment, Problem> {
        guard appointment.status.isLive else { return .failure(.notLive(appointment.status)) }
        guard try await components.scheduling.reschedule(appointment.id, clinicID: appointment.clinicID, to: slot, on: database) else { return .failure(.slotTaken) }
        var moved = appointment
        moved.practitionerID = slot.practitionerID
        moved.startsAt = slot.startsAt
        moved.endsAt = slot.endsAt
        try await record("appointment.rescheduled", moved, previous: appointment.startsAt, by: userID, correlationID: correlationID, on: database)
        // Reminders carry the start time they were for; the old ones find it changed and stay silent.
        try await scheduleReminders(moved, correlationID: correlationID, on: database)
        return .success(moved)
    }

    public func setStatus(_ appointment: SchedulingRepository.Appointment, to status: AppointmentStatus, by userID: UUID? = nil, correlationID: String?, on database: any Database) async throws -> Result<SchedulingRepository.Appointment, Problem> {
        if appointment.status == status { return .success(appointment) }
        guard appointment.status.canMove(to: status) else { return .failure(.transition(from: appointment.status, to: status)) }
        try await components.scheduling.setStatus(appointment.id, clinicID: appointment.clinicID, to: status, on: database)
        var changed = appointment
        changed.status = status
        try await record("appointment.\(status.rawValue)", changed, previous: nil, by: userID, correlationID: correlationID, on: database)
        let settings = try await components.scoring.schedulingSettings(clinicID: appointment.clinicID, on: database)
        let now = components.queue.now
        switch status {
        case .noShow:
            if let hours = settings.noShowFollowUpHours {
                try await enqueue(FollowUpPlan(kind: .noShow, dueAt: max(now, appointment.endsAt).addingTimeInterval(TimeInterval(hours) * 3600)), changed, correlationID, database)
            }
        case .done:
            let timeZone = try await zone(appointment.clinicID, on: database)
            if let plan = FollowUpPlan.recall(procedure: appointment.procedure, doneAt: appointment.startsAt, months: settings.recallMonths, timeZone: timeZone) {
                try await enqueue(plan, changed, correlationID, database)
            }
        case .booked, .confirmed, .cancelled:
            break
        }
        return .success(changed)
    }

    private func scheduleReminders(_ appointment: SchedulingRepository.Appointment, correlationID: String?, on database: any Database) async throws {
        let settings = try await components.scoring.schedulingSettings(clinicID: appointment.clinicID, on: database)
        for plan in FollowUpPlan.reminders(startsAt: appointment.startsAt, offsetsHours: settings.reminderHours, now: components.queue.now) {
            try await enqueue(plan, appointment, correlationID, database)
        }
    }

    private func enqueue(_ plan: FollowUpPlan, _ appointment: SchedulingRepository.Appointment, _ correlationID: String?, _ database: any Database) async throws {
        try await components.queue.enqueue(try AppointmentFollowUpJob.request(plan, appointment: appointment, correlationID: correlationID), on: database)
    }

    private func zone(_ clinicID: UUID, on database: any Database) async throws -> TimeZone {
        let clinic = try await components.clinics.find(id: clinicID, on: database)
        return clinic.flatMap { TimeZone(identifier: $0.timeZone) } ?? .gmt
    }

    private func record(_ type: String, _ appointment: SchedulingRepository.Appointment, previous: Date?, by userID: UUID?, correlationID: String?, on database: any Database) async throws {
        let stamp = Int(components.queue.now.timeIntervalSince1970 * 1000)
        try await components.events.append(
            try EventDraft(
                clinicID: appointment.clinicID, stream: Contact.stream(appointment.contactID), type: type,
                encoding: Changed(
                    appointmentID: appointment.id, leadID: appointment.leadID, practitionerID: appointment.practitionerID, startsAt: appointment.startsAt,
                    status: appointment.status, source: appointment.source, previousStartsAt: previous, by: userID
                ),
                correlationID: correlationID,
                idempotencyKey: "\(type):\(appointment.id.text(lowercase: true)):\(Int(appointment.startsAt.timeIntervalSince1970)):\(stamp)"
            ),
            on: database
        )
    }
}
