import ClinicFlowDomain
import Testing

@Suite struct PhoneNumberTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var raw: String
        var region: String
        var e164: String
        var testDescription: String { "\(region): \(raw)" }
    }

    static let valid: [Case] = [
        // Brazil: area code + 9-digit mobile, or 8-digit landline; ninth digit restored; trunk and carrier codes.
        .init(raw: "(11) 98765-4321", region: "BR", e164: "+5511987654321"),
        .init(raw: "11 8765-4321", region: "BR", e164: "+5511987654321"),
        .init(raw: "(21) 3456-7890", region: "BR", e164: "+552134567890"),
        .init(raw: "011 98765-4321", region: "BR", e164: "+5511987654321"),
        .init(raw: "0 21 11 98765-4321", region: "BR", e164: "+5511987654321"),
        .init(raw: "+55 11 98765-4321", region: "PT", e164: "+5511987654321"),
        .init(raw: "551187654321", region: "BR", e164: "+5511987654321"),
        .init(raw: "5511987654321", region: "BR", e164: "+5511987654321"),
        .init(raw: "whatsapp:+5511987654321", region: "US", e164: "+5511987654321"),
        // Portugal, Spain: 9 digits, no trunk prefix.
        .init(raw: "912 345 678", region: "PT", e164: "+351912345678"),
        .init(raw: "+351 21 123 4567", region: "BR", e164: "+351211234567"),
        .init(raw: "351912345678", region: "BR", e164: "+351912345678"),
        .init(raw: "612 34 56 78", region: "ES", e164: "+34612345678"),
        .init(raw: "0034 612345678", region: "PT", e164: "+34612345678"),
        // Romania, France, UK, Germany: trunk 0.
        .init(raw: "0721 123 456", region: "RO", e164: "+40721123456"),
        .init(raw: "+40 721 123 456", region: "RO", e164: "+40721123456"),
        .init(raw: "06 12 34 56 78", region: "FR", e164: "+33612345678"),
        .init(raw: "07911 123456", region: "GB", e164: "+447911123456"),
        .init(raw: "020 7946 0958", region: "GB", e164: "+442079460958"),
        .init(raw: "030 1234567", region: "DE", e164: "+49301234567"),
        .init(raw: "0151 23456789", region: "DE", e164: "+4915123456789"),
        // North America: 10 digits, optional leading 1.
        .init(raw: "(415) 555-2671", region: "US", e164: "+14155552671"),
        .init(raw: "1-415-555-2671", region: "US", e164: "+14155552671"),
        .init(raw: "416 555 0199", region: "CA", e164: "+14165550199"),
        // Guyana: 7 digits.
        .init(raw: "222 1234", region: "GY", e164: "+5922221234"),
        .init(raw: "+592 600 1234", region: "BR", e164: "+5926001234"),
        // Italy keeps the landline 0.
        .init(raw: "06 1234 5678", region: "IT", e164: "+390612345678"),
        .init(raw: "333 123 4567", region: "IT", e164: "+393331234567"),
        // Mexico: the old mobile "1" after +52 (still in WhatsApp ids) is dropped.
        .init(raw: "55 1234 5678", region: "MX", e164: "+525512345678"),
        .init(raw: "5215512345678", region: "MX", e164: "+525512345678"),
        .init(raw: "+52 1 55 1234 5678", region: "US", e164: "+525512345678"),
        // Argentina: 0 <area> 15 <number> at home is +54 9 <area> <number>.
        .init(raw: "011 15-2345-6789", region: "AR", e164: "+5491123456789"),
        .init(raw: "+54 9 11 2345-6789", region: "AR", e164: "+5491123456789"),
        .init(raw: "011 4321-5678", region: "AR", e164: "+541143215678"),
        // Other scripts' digits.
        .init(raw: "٠٧٢١١٢٣٤٥٦", region: "RO", e164: "+40721123456"),
    ]

    @Test(arguments: valid)
    func normalisesToE164(testCase: Case) {
        #expect(PhoneNumber.parse(testCase.raw, defaultRegion: testCase.region) == .success(PhoneNumber.normalize(testCase.e164, defaultRegion: "US")!))
        #expect(PhoneNumber.normalize(testCase.raw, defaultRegion: testCase.region)?.e164 == testCase.e164)
    }

    @Test func theSamePersonWrittenDifferentlyIsOneNumber() {
        let forms = ["(11) 98765-4321", "11987654321", "+55 11 98765 4321", "5511987654321", "551187654321", "011 98765-4321"]
        #expect(Set(forms.compactMap { PhoneNumber.normalize($0, defaultRegion: "BR") }).count == 1)
    }

    @Test(arguments: [
        ("", "BR", PhoneNumber.ParseError.empty),
        ("call me", "BR", .invalidCharacters),
        ("12345", "PT", .tooShort),
        ("91234567890123", "PT", .invalidForRegion("PT")),
        ("+1234567890123456", "US", .tooLong),
        ("123 4567", "ZZ", .unknownRegion("ZZ")),
        ("+55 11 123", "BR", .tooShort),
    ])
    func refusesWhatIsNotAPhoneNumber(raw: String, region: String, error: PhoneNumber.ParseError) {
        #expect(PhoneNumber.parse(raw, defaultRegion: region) == .failure(error))
    }

    @Test func unknownCountriesPassThroughWithTheirPlus() {
        #expect(PhoneNumber.normalize("+81 90-1234-5678", defaultRegion: "BR")?.e164 == "+819012345678")
    }
}
