import ClinicFlowDomain
import Foundation
import Testing

/// `trimming` gives what Foundation's `trimmingCharacters(in:)` gives.
@Suite struct StringTrimmingTests {
    @Test func randomTextsTrimAsFoundationTrimsThem() {
        let pieces = ["a", "Zé", " ", "\t", "\n", "\r\n", "\u{A0}", "\u{2003}", "\u{3000}", "\u{2028}", "\u{85}", "+55 11", "😀", "e\u{301}", "\u{200B}", "\u{FEFF}"]
        var random = SystemRandomNumberGenerator()
        for _ in 0..<5_000 {
            let text = (0..<Int.random(in: 0...6, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            for set in [CharacterSet.whitespaces, .whitespacesAndNewlines] {
                #expect(Array(text.trimming(set).utf8) == Array(text.trimmingCharacters(in: set).utf8), "\(text.debugDescription)")
            }
        }
    }
}
