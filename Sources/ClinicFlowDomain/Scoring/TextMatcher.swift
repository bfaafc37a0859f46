import Foundation

/// Folded text and phrase matching for the rule scorer and triage: case- and accent-insensitive,
/// on whole words, with stems (`sangr*` matches "sangrando") and negation ("não tenho dor").
public struct FoldedText: Sendable {
    public let tokens: [String]
    private let negations: Set<String>

    /// - Parameter language: when known, its negation words only. Portuguese "no" means "in the"
    ///   ("pagar no cartão"), while Spanish and English "no" negates.
    public init(_ text: String, language: String? = nil) {
        self.init(tokens: LatinFolding.tokens(of: text) ?? Self.foldedTokens(of: text), language: language)
    }

    static let foldingOptions: String.CompareOptions = [.diacriticInsensitive, .caseInsensitive, .widthInsensitive]

    /// Folded with Foundation and split into words of letters and digits: what `LatinFolding`
    /// gives faster for the texts it covers.
    static func foldedTokens(of text: String) -> [String] {
        let folded = text.folding(options: foldingOptions, locale: nil).lowercased()
        var tokens: [String] = []
        var current = ""
        for character in folded {
            if isWordCharacter(character) {
                current.append(character)
            } else if !current.isEmpty {
                tokens.append(current)
                current = ""
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    static func isWordCharacter(_ character: Character) -> Bool { character.isLetter || character.isNumber }

    private init(tokens: [String], language: String?) {
        self.tokens = tokens
        self.negations = language.flatMap { Self.negationsByLanguage[$0] } ?? Self.negations
    }

    /// Folded text read with the negations of the language it is guessed to be in (folded once).
    public static func guessingLanguage(_ text: String) -> FoldedText {
        let tokens = FoldedText(text).tokens
        return FoldedText(tokens: tokens, language: LanguageGuess.guess(tokens: tokens))
    }

    /// Words that negate what follows within a few words.
    static let negationsByLanguage: [String: Set<String>] = [
        "pt": ["nao", "nem", "sem", "nunca", "jamais", "nenhum", "nenhuma"],
        "en": ["no", "not", "never", "without", "dont", "doesnt", "didnt", "isnt", "havent", "nor"],
        "es": ["no", "ni", "sin", "nunca", "tampoco", "ningun", "ninguna", "jamas"],
        "ro": ["nu", "fara", "niciun", "nicio", "nici", "n"],
    ]
    static let negations: Set<String> = negationsByLanguage.values.reduce(into: []) { $0.formUnion($1) }

    /// How a phrase occurs: not at all, or at least once not negated, or only negated.
    public enum Occurrence: Sendable, Equatable {
        case absent, present, negated
    }

    public func find(_ phrase: Phrase) -> Occurrence {
        var sawNegated = false
        guard !phrase.parts.isEmpty, tokens.count >= phrase.parts.count else { return .absent }
        for start in 0...(tokens.count - phrase.parts.count) {
            guard phrase.parts.enumerated().allSatisfy({ $1.matches(tokens[start + $0]) }) else { continue }
            let window = tokens[max(0, start - 3)..<start]
            if window.contains(where: negations.contains) { sawNegated = true } else { return .present }
        }
        return sawNegated ? .negated : .absent
    }

    public func contains(_ phrase: Phrase) -> Bool { find(phrase) == .present }

    public func containsAny(_ phrases: [Phrase]) -> Phrase? { phrases.first(where: contains) }
}

/// A word sequence to look for; `*` ends a stem. Written folded: "dor fort*", "falta de ar".
public struct Phrase: Sendable, Hashable, Codable, ExpressibleByStringLiteral, CustomStringConvertible {
    public let text: String
    let parts: [Part]

    struct Part: Sendable, Hashable {
        var word: String
        var isStem: Bool
        func matches(_ token: String) -> Bool { isStem ? token.hasPrefix(word) : token == word }
    }

    public init(_ text: String) {
        self.text = text
        parts = text.split(whereSeparator: \.isWhitespace).flatMap { word -> [Part] in
            let words = FoldedText(String(word)).tokens
            guard !words.isEmpty else { return [] }
            var parts = words.map { Part(word: $0, isStem: false) }
            if word.hasSuffix("*") { parts[parts.count - 1].isStem = true }
            return parts
        }
    }

    public init(stringLiteral value: String) { self.init(value) }
    public init(from decoder: any Decoder) throws { self.init(try decoder.singleValueContainer().decode(String.self)) }
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }

    public var description: String { text }
    public static func == (lhs: Phrase, rhs: Phrase) -> Bool { lhs.text == rhs.text }
    public func hash(into hasher: inout Hasher) { hasher.combine(text) }
}
