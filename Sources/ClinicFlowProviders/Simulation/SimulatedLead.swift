import ClinicFlowDomain
import Foundation

/// Realistic people writing to a clinic, for demos and load tests: names, phones and first messages in
/// Portuguese, Spanish, English and Romanian, as they arrive in the clinics ClinicFlow is built for.
public struct SimulatedLead: Sendable, Equatable {
    public var name: String
    /// International digits without `+` (WhatsApp's `wa_id` form).
    public var waID: String
    public var email: String
    public var text: String
    public var language: String

    static let people: [(names: [String], country: String, lengths: Int, language: String)] = [
        (["Maria Silva", "João Santos", "Ana Oliveira", "Pedro Costa", "Beatriz Lima", "Lucas Pereira"], "5511", 9, "pt"),
        (["Inês Martins", "Rui Ferreira", "Sofia Almeida"], "3519", 8, "pt"),
        (["Carmen García", "Javier López", "Lucía Martínez"], "346", 8, "es"),
        (["Ioana Popescu", "Andrei Ionescu", "Elena Dumitru"], "407", 8, "ro"),
        (["Emily Johnson", "Michael Brown", "Sarah Davis"], "1415", 7, "en"),
    ]

    static let messages: [String: [String]] = [
        "pt": [
            "Olá, quanto custa um implante dentário?", "Boa tarde! Vocês fazem clareamento? Qual o valor?",
            "Quero agendar uma avaliação para aparelho invisível", "Oi, estou com muita dor de dente, tem horário hoje?",
            "Vocês parcelam o tratamento em 12x?", "Gostaria de saber o preço da lente de contato dental",
        ],
        "es": [
            "Hola, ¿cuánto cuesta una limpieza dental?", "Buenas, quiero pedir cita para ortodoncia",
            "¿Tienen financiación para implantes?", "Me sangra la encía desde ayer, ¿pueden atenderme?",
        ],
        "ro": [
            "Bună ziua, cât costă un implant dentar?", "Aș dori o programare pentru albire",
            "Aveți disponibilitate săptămâna aceasta?", "Mă doare foarte tare o măsea, mă puteți primi azi?",
        ],
        "en": [
            "Hi, how much is teeth whitening?", "I'd like to book a consultation for Invisalign",
            "Do you offer payment plans for implants?", "My face is swollen after an extraction, what should I do?",
        ],
    ]

    /// The `index`-th lead of a stream seeded by `seed`: the same inputs always give the same lead.
    public static func make(_ index: Int, seed: UInt64 = 42) -> SimulatedLead {
        var random = SplitMix64(seed: seed &+ UInt64(truncatingIfNeeded: index) &* 0x9E37_79B9)
        let group = people[Int(random.next() % UInt64(people.count))]
        let name = group.names[Int(random.next() % UInt64(group.names.count))]
        var digits = group.country
        for _ in 0..<group.lengths { digits += String(random.next() % 10) }
        let texts = messages[group.language]!
        let text = texts[Int(random.next() % UInt64(texts.count))]
        let handle = name.lowercased().folding(options: .diacriticInsensitive, locale: nil).replacingOccurrences(of: " ", with: ".")
        return SimulatedLead(name: name, waID: digits, email: "\(handle).\(index)@example.com", text: text, language: group.language)
    }
}

/// A tiny deterministic generator, so simulations and benchmarks can be repeated exactly.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
