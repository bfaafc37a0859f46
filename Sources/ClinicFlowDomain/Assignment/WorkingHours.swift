import Foundation

/// When a consultant works, per weekday, in the clinic's time zone: `{"mon": ["09:00-12:00", "14:00-18:00"]}`.
public struct WorkingHours: Sendable, Equatable, Codable {
    /// Weekday (`mon`…`sun`) → intervals as minutes since midnight.
    public private(set) var intervals: [String: [ClosedRange<Int>]]

    public static let weekdays = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case unknownDay(String)
        case badInterval(String)

        public var description: String {
            switch self {
            case .unknownDay(let day): "\(day) is not a weekday (mon, tue, wed, thu, fri, sat, sun)"
            case .badInterval(let text): "\(text) is not an interval like 09:00-18:00"
            }
        }
    }

    public init(_ schedule: [String: [String]]) throws(Problem) {
        var intervals: [String: [ClosedRange<Int>]] = [:]
        for (day, ranges) in schedule {
            let key = day.lowercased()
            guard Self.weekdays.contains(key) else { throw .unknownDay(day) }
            intervals[key] = try ranges.map { text throws(Problem) in
                let parts = text.split(separator: "-").map { $0.trimmingCharacters(in: .whitespaces) }
                guard parts.count == 2, let start = Self.minutes(parts[0]), let end = Self.minutes(parts[1]), start < end else {
                    throw .badInterval(text)
                }
                return start...(end - 1)
            }
        }
        self.intervals = intervals
    }

    /// Every day, all day: a consultant without a schedule.
    public static let always = try! WorkingHours(Dictionary(uniqueKeysWithValues: weekdays.map { ($0, ["00:00-24:00"]) }))

    public func contains(_ date: Date, timeZone: TimeZone) -> Bool {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.weekday, .hour, .minute], from: date)
        guard let weekday = parts.weekday, let hour = parts.hour, let minute = parts.minute else { return false }
        let minutes = hour * 60 + minute
        return intervals[Self.weekdays[weekday - 1], default: []].contains { $0.contains(minutes) }
    }

    /// The schedule as written: `["mon": ["09:00-18:00"]]`.
    public var schedule: [String: [String]] {
        intervals.mapValues { ranges in ranges.map { "\(Self.clock($0.lowerBound))-\(Self.clock($0.upperBound + 1))" } }
    }

    public init(from decoder: any Decoder) throws {
        try self.init(try decoder.singleValueContainer().decode([String: [String]].self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(schedule)
    }

    private static func minutes(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, let hours = Int(parts[0]), let minutes = Int(parts[1]), (0...24).contains(hours), (0...59).contains(minutes),
            hours * 60 + minutes <= 24 * 60
        else { return nil }
        return hours * 60 + minutes
    }

    private static func clock(_ minutes: Int) -> String {
        String(format: "%02d:%02d", minutes / 60, minutes % 60)
    }
}
