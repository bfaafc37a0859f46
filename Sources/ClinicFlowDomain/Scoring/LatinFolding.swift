import Foundation

/// `FoldedText`'s tokens for text in Latin letters (ASCII, Latin-1 and Latin Extended-A: the
/// clinics' languages) read scalar by scalar. Foundation's `folding` bridges every text to an
/// `NSString`, and splitting it into characters finds grapheme boundaries: in each lead's intake
/// (scoring, triage, facts, opt-out) that was about 4 % of SQLite's thread. The table below is
/// made by Foundation's own folding, one scalar at a time; anything outside it (combining marks,
/// other scripts, emoji) gets nil, and `FoldedText` folds the whole text with Foundation instead.
enum LatinFolding {
    static func tokens(of text: String) -> [String]? {
        var tokens: [String] = []
        var current: [UInt8] = []
        func endToken() {
            if !current.isEmpty {
                tokens.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            }
        }
        for scalar in text.unicodeScalars {
            let value = scalar.value
            if value < 0x80 {
                let byte = UInt8(value)
                switch byte {
                case UInt8(ascii: "A")...UInt8(ascii: "Z"): current.append(byte + 32)
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"): current.append(byte)
                default: endToken()
                }
                continue
            }
            guard value >= firstInTable, Int(value - firstInTable) < table.count, let folded = table[Int(value - firstInTable)] else { return nil }
            switch folded {
            case .word(let bytes): current.append(contentsOf: bytes)
            case .separator: endToken()
            case .nothing: break
            }
        }
        endToken()
        return tokens
    }

    enum Folded {
        /// Letters or digits, folded and lower-cased, as UTF-8.
        case word([UInt8])
        case separator
        /// Folds away entirely.
        case nothing
    }

    private static let firstInTable: UInt32 = 0xA0

    /// U+00A0 to U+017F; nil where one scalar's folding is not simply a word, a separator or nothing.
    static let table: [Folded?] = (firstInTable...0x17F).map { value in
        let folded = String(Character(Unicode.Scalar(value)!)).folding(options: FoldedText.foldingOptions, locale: nil).lowercased()
        if folded.isEmpty { return .nothing }
        // A leading combining mark would join the character before it, which a table cannot know.
        guard let first = folded.unicodeScalars.first, !first.properties.isGraphemeExtend else { return nil }
        if folded.allSatisfy(FoldedText.isWordCharacter) { return .word(Array(folded.utf8)) }
        if !folded.contains(where: FoldedText.isWordCharacter) { return .separator }
        return nil
    }
}
