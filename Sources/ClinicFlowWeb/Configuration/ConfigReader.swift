import Foundation

/// Typed reads over a `ConfigSource` that collect every problem, so one start-up failure lists them all.
struct ConfigReader {
    let source: ConfigSource
    var problems: [String] = []

    init(source: ConfigSource) { self.source = source }

    func raw(_ setting: ConfigSource.Setting) -> String? { source.value(setting)?.value }

    mutating func string(_ setting: ConfigSource.Setting, default fallback: String) -> String {
        source.value(setting)?.value ?? fallback
    }

    mutating func int(_ setting: ConfigSource.Setting, default fallback: Int, in range: ClosedRange<Int>) -> Int {
        guard let (text, origin) = source.value(setting) else { return fallback }
        guard let value = Int(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            problems.append("\(origin) must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return value
    }

    mutating func seconds(_ setting: ConfigSource.Setting, default fallback: Double, in range: ClosedRange<Double>) -> Double {
        guard let (text, origin) = source.value(setting) else { return fallback }
        guard let value = Double(text.trimmingCharacters(in: .whitespaces)), range.contains(value) else {
            problems.append("\(origin) must be a number of seconds from \(range.lowerBound) to \(range.upperBound)")
            return fallback
        }
        return value
    }

    mutating func bool(_ setting: ConfigSource.Setting, default fallback: Bool) -> Bool {
        guard let (text, origin) = source.value(setting) else { return fallback }
        switch text.lowercased() {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default:
            problems.append("\(origin) must be true or false")
            return fallback
        }
    }

    mutating func oneOf<T: RawRepresentable>(_ setting: ConfigSource.Setting, default fallback: T, _ cases: [T]) -> T
    where T.RawValue == String {
        guard let (text, origin) = source.value(setting) else { return fallback }
        guard let value = T(rawValue: text.lowercased()) else {
            problems.append("\(origin) must be one of: \(cases.map(\.rawValue).joined(separator: ", "))")
            return fallback
        }
        return value
    }

    mutating func fail(_ problem: String) { problems.append(problem) }
}
