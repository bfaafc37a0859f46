/// A phone number in E.164 (`+5511987654321`): the one form contacts are matched on, whatever the
/// channel or the person typed.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    public let e164: String

    public var description: String { e164 }

    init(unchecked e164: String) { self.e164 = e164 }

    public enum ParseError: Error, Equatable, CustomStringConvertible {
        case empty
        case invalidCharacters
        case tooShort
        case tooLong
        case invalidForRegion(String)
        case unknownRegion(String)

        public var description: String {
            switch self {
            case .empty: "the phone number is empty"
            case .invalidCharacters: "the phone number has characters other than digits, spaces, +, -, ., / and ()"
            case .tooShort: "the phone number is too short"
            case .tooLong: "the phone number is longer than E.164 allows (15 digits)"
            case .invalidForRegion(let region): "the phone number does not fit the numbering plan of \(region)"
            case .unknownRegion(let region): "\(region) is not a region ClinicFlow knows; write the number with its + country code"
            }
        }
    }

    /// Parses what a person or provider wrote. Numbers with `+` or `00` are international; others are
    /// read in `defaultRegion` (the clinic's country), unless they only make sense with a country code
    /// in front (WhatsApp ids: `5511987654321`).
    public static func parse(_ raw: String, defaultRegion: String) -> Result<PhoneNumber, ParseError> {
        var text = raw.trimming(.whitespacesAndNewlines)
        if text.lowercased().hasPrefix("whatsapp:") { text = String(text.dropFirst("whatsapp:".count)) }
        guard !text.isEmpty else { return .failure(.empty) }
        guard text.allSatisfy({ $0.isNumber || " +-./()\u{00A0}".contains($0) }) else { return .failure(.invalidCharacters) }
        let digits = text.asciiDigits
        guard !digits.isEmpty else { return .failure(.empty) }

        if text.hasPrefix("+") { return fromInternational(digits) }
        if digits.hasPrefix("00") { return fromInternational(String(digits.dropFirst(2))) }

        guard let region = PhoneRegion.named(defaultRegion) else {
            // Without a plan for the clinic's country only full international numbers can be read.
            return digits.count >= 11 ? fromInternational(digits) : .failure(.unknownRegion(defaultRegion))
        }
        if let national = nationalNumber(digits, in: region) {
            return .success(PhoneNumber(unchecked: "+" + region.callingCode + national))
        }
        // Not a national number of the clinic's country: maybe international without the + (WhatsApp ids),
        // accepted only for plans known here so that a mistyped number is not taken for a foreign one.
        if digits.count >= 10, PhoneRegion.forInternational(digits) != nil, case .success(let number) = fromInternational(digits) {
            return .success(number)
        }
        return .failure(digits.count < region.nationalLengths.lowerBound ? .tooShort : .invalidForRegion(region.regions[0]))
    }

    /// Convenience: the E.164 form, or nil when it cannot be read.
    public static func normalize(_ raw: String?, defaultRegion: String) -> PhoneNumber? {
        guard let raw, case .success(let number) = parse(raw, defaultRegion: defaultRegion) else { return nil }
        return number
    }

    private static func fromInternational(_ digits: String) -> Result<PhoneNumber, ParseError> {
        guard digits.count >= 8 else { return .failure(.tooShort) }
        guard digits.count <= 15 else { return .failure(.tooLong) }
        guard let region = PhoneRegion.forInternational(digits) else {
            // A country without a plan here: E.164's length limit is all that can be checked.
            return .success(PhoneNumber(unchecked: "+" + digits))
        }
        let national = region.canonicalNational(String(digits.dropFirst(region.callingCode.count)))
        guard region.nationalLengths.contains(national.count) else {
            return .failure(national.count < region.nationalLengths.lowerBound ? .tooShort : .invalidForRegion(region.regions[0]))
        }
        return .success(PhoneNumber(unchecked: "+" + region.callingCode + national))
    }

    /// The canonical national significant number when `digits` is a national number of `region`.
    private static func nationalNumber(_ digits: String, in region: PhoneRegion) -> String? {
        var candidates: [String] = []
        if let trunk = region.trunkPrefix, digits.hasPrefix(trunk) {
            let stripped = String(digits.dropFirst(trunk.count))
            candidates.append(stripped)
            // Brazil's long-distance carrier code: 0 + 2-digit carrier + area code + number.
            if region.callingCode == "55" { candidates.append(String(stripped.dropFirst(2))) }
        }
        candidates.append(digits)
        return candidates.lazy.map(region.canonicalNational).first { region.nationalLengths.contains($0.count) }
    }
}

private extension String {
    /// The decimal digits, any script (Arabic-Indic, full-width), as ASCII.
    var asciiDigits: String {
        String(unicodeScalars.compactMap { scalar -> Character? in
            guard let value = scalar.properties.numericType == .decimal ? scalar.properties.numericValue : nil else { return nil }
            return Character(String(Int(value)))
        })
    }
}

import Foundation

extension PhoneNumber {
    /// Calling code (`+55`), country (`BR`) and national number, for CRMs that store them apart (Twenty).
    public var parts: (callingCode: String, region: String?, national: String) {
        let digits = String(e164.dropFirst())
        guard let region = PhoneRegion.forInternational(digits) else { return ("", nil, e164) }
        return ("+" + region.callingCode, region.regions.first, String(digits.dropFirst(region.callingCode.count)))
    }
}
