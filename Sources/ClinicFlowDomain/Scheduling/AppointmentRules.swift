import Foundation

/// Where an appointment is in its life. Cancelled, no-show and done are final; a no-show can still be
/// corrected to done (the front desk marked the wrong person).
public enum AppointmentStatus: String, Sendable, Codable, CaseIterable {
    case booked, confirmed, cancelled, noShow = "no_show", done

    /// Holds the practitioner's time.
    public var isLive: Bool { self == .booked || self == .confirmed }

    public func canMove(to next: AppointmentStatus) -> Bool {
        switch (self, next) {
        case (.booked, .confirmed), (.booked, .cancelled), (.booked, .noShow), (.booked, .done): true
        case (.confirmed, .cancelled), (.confirmed, .noShow), (.confirmed, .done): true
        case (.noShow, .done): true
        default: false
        }
    }
}

/// A kind of visit the clinic books: a first consultation, a cleaning, an implant evaluation.
public struct AppointmentType: Sendable, Equatable, Codable {
    public var key: String
    public var name: String
    public var minutes: Int
    /// The procedure it is for, so only practitioners who do it are offered.
    public var procedure: String?

    public init(key: String, name: String, minutes: Int, procedure: String? = nil) {
        self.key = key
        self.name = name
        self.minutes = minutes
        self.procedure = procedure
    }
}

/// A day a practitioner's weekly hours do not apply: a holiday (no hours) or a different shift.
public struct AvailabilityException: Sendable, Equatable, Codable {
    /// `YYYY-MM-DD` in the clinic's time zone.
    public var date: String
    /// Empty: not working that day.
    public var hours: [String]

    public init(date: String, hours: [String] = []) {
        self.date = date
        self.hours = hours
    }

    /// The day's intervals in minutes since midnight; throws the problem in words.
    public func intervals() throws(WorkingHours.Problem) -> [ClosedRange<Int>] {
        try WorkingHours(["mon": hours]).intervals["mon", default: []]
    }

    public static func isValidDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-")
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let month = Int(parts[1]), let day = Int(parts[2]), Int(parts[0]) != nil
        else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
    }
}

/// What follows an appointment: reminders before it, a follow-up after a no-show, a recall months
/// after the treatment. Each is a job with a due time; the job re-checks the appointment when it runs.
public enum FollowUpKind: String, Sendable, Codable, CaseIterable {
    case reminder, noShow = "no_show", recall, bookingConfirmation = "booking_confirmation", missedCall = "missed_call"
}

public struct FollowUpPlan: Sendable, Equatable {
    public var kind: FollowUpKind
    public var dueAt: Date
    /// Hours before the appointment, for reminders.
    public var offsetHours: Int?

    public init(kind: FollowUpKind, dueAt: Date, offsetHours: Int? = nil) {
        self.kind = kind
        self.dueAt = dueAt
        self.offsetHours = offsetHours
    }

    /// Reminders still ahead: one booked 3 h before its start gets the 2 h one only.
    public static func reminders(startsAt: Date, offsetsHours: [Int], now: Date) -> [FollowUpPlan] {
        Set(offsetsHours).sorted(by: >).compactMap { hours in
            let due = startsAt.addingTimeInterval(-TimeInterval(hours) * 3600)
            return due > now ? FollowUpPlan(kind: .reminder, dueAt: due, offsetHours: hours) : nil
        }
    }

    /// The recall for a procedure done at `date`, when the clinic recalls it.
    public static func recall(procedure: String?, doneAt date: Date, months: [String: Int], timeZone: TimeZone) -> FollowUpPlan? {
        guard let procedure, let count = months[procedure], count > 0 else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        guard let due = calendar.date(byAdding: .month, value: count, to: date) else { return nil }
        return FollowUpPlan(kind: .recall, dueAt: due)
    }
}
