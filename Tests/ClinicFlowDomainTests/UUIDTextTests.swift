import ClinicFlowDomain
import Foundation
import Testing

/// `UUID.text` and `UUID(text:)` agree with Foundation's `uuidString` and `UUID(uuidString:)`.
@Suite struct UUIDTextTests {
    @Test func theTextIsFoundationsInBothCases() {
        var generator = SystemRandomNumberGenerator()
        let fixed = [UUID(uuid: (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)), UUID(uuid: (255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255, 255))]
        for uuid in fixed + (0..<2_000).map({ _ in UUID.timeOrdered(at: Date(), using: &generator) }) + (0..<2_000).map({ _ in UUID() }) {
            #expect(uuid.text() == uuid.uuidString)
            #expect(uuid.text(lowercase: true) == uuid.uuidString.lowercased())
            #expect(UUID(text: uuid.uuidString) == uuid)
            #expect(UUID(text: uuid.uuidString.lowercased()) == uuid)
        }
    }

    @Test func anythingButTheCanonicalFormIsNotParsed() {
        let valid = "01A237C8-D323-72AE-B3F0-CEBF9BD8D49F"
        #expect(UUID(text: valid) == UUID(uuidString: valid))
        for text in [
            "", "01A237C8-D323-72AE-B3F0-CEBF9BD8D49", "01A237C8-D323-72AE-B3F0-CEBF9BD8D49F0", "01A237C8D32372AEB3F0CEBF9BD8D49F",
            "01A237C8-D323-72AE-B3F0_CEBF9BD8D49F", "01A237C8-D323-72AE-B3F0-CEBF9BD8D49G", "{1A237C8-D323-72AE-B3F0-CEBF9BD8D49}",
            " 1A237C8-D323-72AE-B3F0-CEBF9BD8D49F", "+1A237C8-D323-72AE-B3F0-CEBF9BD8D49F", "01A237C8-D323-72AE-B3F0-CEBF9BD8D4éF",
        ] {
            #expect(UUID(text: text) == nil, "\(text)")
        }
    }

    /// Random texts of the right shape: wherever ours parses, Foundation parses the same id, and
    /// wherever both should (hex digits only), both do.
    @Test func randomTextsParseAsFoundationParsesThem() {
        var generator = SystemRandomNumberGenerator()
        let alphabet = Array("0123456789abcdefABCDEFgG- x")
        for _ in 0..<5_000 {
            var characters = (0..<36).map { _ in alphabet[Int.random(in: 0..<alphabet.count, using: &generator)] }
            if Bool.random(using: &generator) { for dash in [8, 13, 18, 23] { characters[dash] = "-" } }
            let text = String(characters)
            if let ours = UUID(text: text) { #expect(UUID(uuidString: text) == ours, "\(text)") }
            let canonical = text.enumerated().allSatisfy { index, character in
                [8, 13, 18, 23].contains(index) ? character == "-" : character.isHexDigit
            }
            #expect((UUID(text: text) != nil) == canonical, "\(text)")
        }
    }
}
