/// HTML built by interpolation that escapes every value unless it is itself `HTML`: a patient's
/// name with `<script>` in it is text, never markup.
struct HTML: Sendable, ExpressibleByStringInterpolation, CustomStringConvertible {
    var rendered: String

    init(stringLiteral value: String) { rendered = value }
    init(raw: String) { rendered = raw }
    init(stringInterpolation: Interpolation) { rendered = stringInterpolation.output }

    var description: String { rendered }

    struct Interpolation: StringInterpolationProtocol {
        var output = ""
        init(literalCapacity: Int, interpolationCount: Int) { output.reserveCapacity(literalCapacity * 2) }
        mutating func appendLiteral(_ literal: String) { output += literal }
        mutating func appendInterpolation(_ value: HTML) { output += value.rendered }
        mutating func appendInterpolation(_ values: [HTML]) { for value in values { output += value.rendered } }
        mutating func appendInterpolation<T>(_ value: T) { output += HTML.escape(String(describing: value)) }
        mutating func appendInterpolation<T>(_ value: T?) { if let value { output += HTML.escape(String(describing: value)) } }
    }

    static func escape(_ text: String) -> String {
        var escaped = ""
        escaped.reserveCapacity(text.utf8.count)
        for character in text {
            switch character {
            case "&": escaped += "&amp;"
            case "<": escaped += "&lt;"
            case ">": escaped += "&gt;"
            case "\"": escaped += "&quot;"
            case "'": escaped += "&#39;"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}
