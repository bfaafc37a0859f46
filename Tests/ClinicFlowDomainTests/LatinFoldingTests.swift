@testable import ClinicFlowDomain
import Foundation
import Testing

/// `FoldedText`'s tokens read scalar by scalar are exactly what folding the whole text with
/// Foundation gives, for every text `LatinFolding` takes on; it declines the others.
@Suite struct LatinFoldingTests {
    @Test func everyScalarOfTheTableFoldsInTextAsItFoldsAlone() throws {
        for value in UInt32(0x20)...0x17F {
            let scalar = try #require(Unicode.Scalar(value))
            for text in ["\(scalar)", "a\(scalar)b", "A \(scalar)9", "\(scalar)\(scalar)", "São \(scalar)Paulo"] {
                guard let tokens = LatinFolding.tokens(of: text) else { continue }
                #expect(tokens == FoldedText.foldedTokens(of: text), "U+\(String(value, radix: 16)) in \(text.debugDescription)")
            }
        }
    }

    @Test func randomTextsGiveFoundationsTokens() {
        let pieces = [
            "a", "Z", "0", "9", " ", "\t", "\n", "\r\n", ",", "!", "?", "-", "_", "'", "\"", "/", "@", ".", "é", "É", "ç", "Ç", "ã", "õ", "ñ", "ß",
            "ø", "æ", "Œ", "ł", "ı", "İ", "ș", "ț", "ă", "â", "î", "ª", "º", "°", "²", "½", "×", "¿", "¡", "«", "»", "\u{A0}", "\u{AD}", "µ", "ÿ",
            "dor", "Não", "implante", "AÇÚCAR", "niño",
        ]
        var random = SystemRandomNumberGenerator()
        var covered = 0
        for _ in 0..<20_000 {
            let text = (0..<Int.random(in: 0...12, using: &random)).map { _ in pieces.randomElement(using: &random)! }.joined()
            guard let tokens = LatinFolding.tokens(of: text) else { continue }
            covered += 1
            #expect(tokens == FoldedText.foldedTokens(of: text), "\(text.debugDescription)")
        }
        #expect(covered > 15_000, "the table covers these letters")
    }

    @Test func textsOutsideTheTableAreLeftToFoundation() {
        for text in ["e\u{301}", "Привет", "你好", "😀 dor", "ｆｕｌｌ", "Σίσυφος", "١٢٣"] {
            #expect(LatinFolding.tokens(of: text) == nil, "\(text)")
            #expect(FoldedText(text).tokens == FoldedText.foldedTokens(of: text))
        }
        #expect(FoldedText("Olá, quanto custa um IMPLANTE dentário?").tokens == ["ola", "quanto", "custa", "um", "implante", "dentario"])
    }
}
