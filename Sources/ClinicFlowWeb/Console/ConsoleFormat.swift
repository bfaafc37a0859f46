import Foundation

/// How the console writes times: to the minute, in the clinic's time zone.
enum ConsoleFormat {
    static func minute(_ date: Date, _ timeZone: TimeZone) -> String {
        date.formatted(Date.VerbatimFormatStyle(
            format: "\(year: .defaultDigits)-\(month: .twoDigits)-\(day: .twoDigits) \(hour: .twoDigits(clock: .twentyFourHour, hourCycle: .zeroBased)):\(minute: .twoDigits)",
            timeZone: timeZone, calendar: Calendar(identifier: .gregorian)
        ))
    }
}
