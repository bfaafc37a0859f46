import Foundation

/// `2026-12-02T19:48:12Z`: a date as Foundation's `.iso8601` strategy writes it, in UTC and
/// whole seconds (fractions dropped, towards the past).
enum ISO8601Seconds {
    /// From 1600-01-01 up to 10000-01-01: Foundation's calendar is Julian before 1582 and
    /// writes years past 9999 with more digits; outside those years nil, and the caller asks Foundation.
    private static let supported: ClosedRange<Double> = -12_654_403_200 ... 252_423_993_599

    static func text(_ date: Date) -> String? {
        // From the reference date, as Date stores it: adding 1970's offset first could round a
        // fraction just below a second up to it.
        let sinceReference = date.timeIntervalSinceReferenceDate.rounded(.down)
        guard supported.contains(sinceReference) else { return nil }
        let seconds = Int64(sinceReference) + 978_307_200
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let secondOfDay = Int(seconds - days * 86_400)
        let (year, month, day) = civil(daysSince1970: days)
        return String(unsafeUninitializedCapacity: 20) { output in
            func put(_ value: Int, _ width: Int, at start: Int) {
                var value = value
                for index in stride(from: start + width - 1, through: start, by: -1) {
                    output[index] = UInt8(ascii: "0") + UInt8(value % 10)
                    value /= 10
                }
            }
            put(year, 4, at: 0)
            output[4] = UInt8(ascii: "-")
            put(month, 2, at: 5)
            output[7] = UInt8(ascii: "-")
            put(day, 2, at: 8)
            output[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, 2, at: 11)
            output[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, 2, at: 14)
            output[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, 2, at: 17)
            output[19] = UInt8(ascii: "Z")
            return 20
        }
    }

    /// The proleptic Gregorian date of a day count (Howard Hinnant's `civil_from_days`).
    private static func civil(daysSince1970 days: Int64) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthFromMarch = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthFromMarch + 2) / 5 + 1
        let month = monthFromMarch < 10 ? monthFromMarch + 3 : monthFromMarch - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (Int(year), Int(month), Int(day))
    }
}
