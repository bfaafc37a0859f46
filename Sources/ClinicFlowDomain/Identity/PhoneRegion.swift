/// What ClinicFlow knows about one country's numbering plan: enough to turn what people type
/// ("(11) 98765-4321", "07xx xxx xxx") into E.164, not a full libphonenumber.
struct PhoneRegion: Sendable {
    /// ISO 3166 code, or several for shared plans (US and CA share +1).
    var regions: [String]
    var callingCode: String
    /// Lengths of the national significant number (without trunk prefix or country code).
    var nationalLengths: ClosedRange<Int>
    /// Dialled before national numbers at home ("0" in most of Europe, "1" in the NANP).
    var trunkPrefix: String?
    /// Italy keeps the leading 0 of landlines in international form.
    var keepsTrunkZero = false

    static let all: [PhoneRegion] = [
        PhoneRegion(regions: ["BR"], callingCode: "55", nationalLengths: 10...11, trunkPrefix: "0"),
        PhoneRegion(regions: ["PT"], callingCode: "351", nationalLengths: 9...9, trunkPrefix: nil),
        PhoneRegion(regions: ["RO"], callingCode: "40", nationalLengths: 9...9, trunkPrefix: "0"),
        PhoneRegion(regions: ["ES"], callingCode: "34", nationalLengths: 9...9, trunkPrefix: nil),
        PhoneRegion(regions: ["DE"], callingCode: "49", nationalLengths: 6...13, trunkPrefix: "0"),
        PhoneRegion(regions: ["GB"], callingCode: "44", nationalLengths: 9...10, trunkPrefix: "0"),
        PhoneRegion(regions: ["US", "CA"], callingCode: "1", nationalLengths: 10...10, trunkPrefix: "1"),
        PhoneRegion(regions: ["GY"], callingCode: "592", nationalLengths: 7...7, trunkPrefix: nil),
        PhoneRegion(regions: ["FR"], callingCode: "33", nationalLengths: 9...9, trunkPrefix: "0"),
        PhoneRegion(regions: ["IT"], callingCode: "39", nationalLengths: 6...11, trunkPrefix: nil, keepsTrunkZero: true),
        PhoneRegion(regions: ["MX"], callingCode: "52", nationalLengths: 10...10, trunkPrefix: nil),
        PhoneRegion(regions: ["AR"], callingCode: "54", nationalLengths: 10...11, trunkPrefix: "0"),
    ]

    static func named(_ region: String) -> PhoneRegion? {
        let upper = region.uppercased()
        return all.first { $0.regions.contains(upper) }
    }

    /// The plan whose calling code starts `digits`, longest code first (+592 before +59x guesses).
    static func forInternational(_ digits: String) -> PhoneRegion? {
        all.sorted { $0.callingCode.count > $1.callingCode.count }.first { digits.hasPrefix($0.callingCode) }
    }

    /// The country-specific clean-ups, applied to a national significant number.
    func canonicalNational(_ national: String) -> String {
        switch callingCode {
        case "55": Self.brazil(national)
        case "52": Self.mexico(national)
        case "54": Self.argentina(national)
        default: national
        }
    }

    /// Brazil: mobiles gained a ninth digit (a leading 9) in 2012–2016; numbers still written, or kept
    /// by WhatsApp, without it are two-digit area code + 8 digits starting 6–9. Landlines start 2–5.
    static func brazil(_ national: String) -> String {
        guard national.count == 10, let first = national.dropFirst(2).first, ("6"..."9").contains(first) else { return national }
        return String(national.prefix(2)) + "9" + national.dropFirst(2)
    }

    /// Mexico dropped the "1" that mobiles carried after +52 in 2019; WhatsApp ids often still have it.
    static func mexico(_ national: String) -> String {
        national.count == 11 && national.hasPrefix("1") ? String(national.dropFirst()) : national
    }

    /// Argentina: mobiles are +54 9 <area> <number> internationally; at home they are written
    /// 0 <area> 15 <number>. Both become 9 + 10 digits.
    static func argentina(_ national: String) -> String {
        if national.count == 11, national.hasPrefix("9") { return national }
        if national.count == 12 {
            // "15" follows the 2–4 digit area code.
            for areaLength in 2...4 {
                let start = national.index(national.startIndex, offsetBy: areaLength)
                if national[start...].hasPrefix("15") {
                    let area = national[..<start]
                    let number = national[national.index(start, offsetBy: 2)...]
                    return "9" + area + number
                }
            }
        }
        return national
    }
}
