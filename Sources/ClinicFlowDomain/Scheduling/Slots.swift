import Foundation

/// Someone who sees patients, with the hours they take appointments.
public struct Practitioner: Sendable, Equatable, Identifiable, Codable {
    public var id: UUID
    public var clinicID: UUID
    public var name: String
    public var active: Bool
    public var availability: WorkingHours
    /// Procedure keys they do; empty is everything.
    public var procedures: [String]
    /// Their calendar address: Cal.com bookings are matched to them by the organizer's email.
    public var email: String?
    /// Holidays and changed shifts, by date.
    public var exceptions: [AvailabilityException]

    public init(
        id: UUID = UUID(), clinicID: UUID, name: String, active: Bool = true, availability: WorkingHours, procedures: [String] = [],
        email: String? = nil, exceptions: [AvailabilityException] = []
    ) {
        self.id = id
        self.clinicID = clinicID
        self.name = name
        self.active = active
        self.availability = availability
        self.procedures = procedures
        self.email = email
        self.exceptions = exceptions
    }

    /// The hours they work on `day` (local midnight): the exception for that date, else the weekly hours.
    func intervals(on day: Date, calendar: Calendar) -> [ClosedRange<Int>] {
        let parts = calendar.dateComponents([.year, .month, .day, .weekday], from: day)
        let date = String(format: "%04d-%02d-%02d", parts.year ?? 0, parts.month ?? 0, parts.day ?? 0)
        if let exception = exceptions.first(where: { $0.date == date }) { return (try? exception.intervals()) ?? [] }
        return availability.intervals[WorkingHours.weekdays[(parts.weekday ?? 1) - 1], default: []]
    }
}

public struct Slot: Sendable, Equatable, Hashable, Codable {
    public var practitionerID: UUID
    public var startsAt: Date
    public var endsAt: Date

    public init(practitionerID: UUID, startsAt: Date, endsAt: Date) {
        self.practitionerID = practitionerID
        self.startsAt = startsAt
        self.endsAt = endsAt
    }

    public func overlaps(_ start: Date, _ end: Date) -> Bool { startsAt < end && start < endsAt }
}

/// A part of the day people ask for: "de manhã", "in the afternoon".
public enum DayPeriod: String, Sendable, Codable, CaseIterable {
    case morning, afternoon, evening

    func contains(minute: Int) -> Bool {
        switch self {
        case .morning: minute < 12 * 60
        case .afternoon: minute >= 12 * 60 && minute < 18 * 60
        case .evening: minute >= 18 * 60
        }
    }
}

/// Free slots: inside a practitioner's hours, clear of booked appointments, on the days and at the
/// time of day the person prefers, from `after` on, in steps of the appointment's length.
public struct SlotFinder: Sendable {
    public var duration: TimeInterval
    public var horizonDays: Int

    public init(duration: TimeInterval = 30 * 60, horizonDays: Int = 14) {
        self.duration = duration
        self.horizonDays = horizonDays
    }

    public func free(
        practitioners: [Practitioner], booked: [Slot], after: Date, timeZone: TimeZone, weekdays: Set<String> = [], periods: Set<DayPeriod> = [],
        procedure: String? = nil, limit: Int = 3
    ) -> [Slot] {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let step = Int(duration / 60)
        let candidates = practitioners.filter { $0.active && (procedure == nil || $0.procedures.isEmpty || $0.procedures.contains(procedure!)) }
        var found: [Slot] = []
        let startDay = calendar.startOfDay(for: after)
        for dayOffset in 0..<horizonDays {
            guard let day = calendar.date(byAdding: .day, value: dayOffset, to: startDay) else { continue }
            let weekday = WorkingHours.weekdays[calendar.component(.weekday, from: day) - 1]
            if !weekdays.isEmpty, !weekdays.contains(weekday) { continue }
            var daySlots: [Slot] = []
            for practitioner in candidates {
                for interval in practitioner.intervals(on: day, calendar: calendar) {
                    var minute = interval.lowerBound
                    while minute + step - 1 <= interval.upperBound {
                        defer { minute += step }
                        if !periods.isEmpty, !periods.contains(where: { $0.contains(minute: minute) }) { continue }
                        let start = day.addingTimeInterval(TimeInterval(minute * 60))
                        let end = start.addingTimeInterval(duration)
                        // Minutes are local: a day with a DST change shifts by its offset.
                        guard start > after else { continue }
                        if booked.contains(where: { $0.practitionerID == practitioner.id && $0.overlaps(start, end) }) { continue }
                        daySlots.append(Slot(practitionerID: practitioner.id, startsAt: start, endsAt: end))
                    }
                }
            }
            found += daySlots.sorted { ($0.startsAt, $0.practitionerID.uuidString) < ($1.startsAt, $1.practitionerID.uuidString) }
            if found.count >= limit { break }
        }
        // Spread the offer: not three slots in the same hour when the day has more.
        return Array(Self.spread(found, limit: limit))
    }

    static func spread(_ slots: [Slot], limit: Int) -> [Slot] {
        var chosen: [Slot] = []
        for slot in slots where !chosen.contains(where: { abs($0.startsAt.timeIntervalSince(slot.startsAt)) < 2 * 3600 }) {
            chosen.append(slot)
            if chosen.count == limit { return chosen }
        }
        for slot in slots where !chosen.contains(slot) {
            chosen.append(slot)
            if chosen.count == limit { break }
        }
        return chosen.sorted { $0.startsAt < $1.startsAt }
    }
}
