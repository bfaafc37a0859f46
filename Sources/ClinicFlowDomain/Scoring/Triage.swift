/// Medical red flags in what a person wrote. Any one makes the lead urgent: a human looks at once
/// and the assistant says only a safety message.
public struct Triage: Sendable {
    public enum Flag: String, Sendable, Codable, CaseIterable {
        case bleeding, swelling, fever, severePain = "severe_pain", breathing, trauma, infection
    }

    public struct Result: Sendable, Equatable, Codable {
        public var flags: [Flag]
        public var isUrgent: Bool { !flags.isEmpty }
        public init(flags: [Flag]) { self.flags = flags }
    }

    static let phrases: [Flag: [Phrase]] = [
        .bleeding: [
            "sangr*", "sangue", "hemorrag*", "bleed*", "blood", "sangrado", "sangra", "sangre", "sanger*", "sange", "hemoragi*",
        ],
        .swelling: [
            "inchad*", "inchac*", "inchou", "inflamad*", "swell*", "swollen", "hinchad*", "hinchazon", "inflamado", "umfl*",
        ],
        .fever: ["febre", "febril", "fever", "feverish", "fiebre", "febra", "temperatura alta", "high temperature"],
        .severePain: [
            "dor fort*", "dor intens*", "dor insuportavel", "muita dor", "dor terrivel", "nao aguento de dor", "severe pain",
            "unbearable pain", "excruciating", "terrible pain", "a lot of pain", "dolor fuerte", "dolor intenso", "mucho dolor",
            "dolor insoportable", "durere puternic*", "durere insuportabil*", "dureri mari", "ma doare foarte tare", "ma doare tare",
        ],
        .breathing: [
            "falta de ar", "dificuldade para respirar", "dificuldade de respirar", "nao consigo respirar", "cant breathe",
            "difficulty breathing", "short of breath", "trouble breathing", "dificultad para respirar", "no puedo respirar",
            "me falta el aire", "nu pot respira", "greutate la respirat", "dificultati de respiratie",
        ],
        .trauma: [
            "acidente", "quebrei", "dente caiu", "dente quebrou", "bati o dente", "levei uma pancada", "accident", "knocked out",
            "broke my tooth", "broken tooth", "fell and", "accidente", "se me rompio", "diente roto", "me cai", "accident",
            "dinte rupt", "mi s a rupt", "am cazut",
        ],
        .infection: ["pus", "abscess*", "infeccao", "infeccionad*", "infection", "infected", "infeccion", "infectad*", "infectie", "abces"],
    ]

    public init() {}

    public func assess(_ text: String) -> Result {
        let folded = FoldedText.guessingLanguage(text)
        return Result(flags: Flag.allCases.filter { flag in Self.phrases[flag, default: []].contains(where: folded.contains) })
    }

    /// What the assistant may still say once a lead is urgent, in the person's language.
    public static func safetyMessage(language: String?) -> String {
        switch language {
        case "pt": "Recebemos sua mensagem e uma pessoa da nossa equipe vai falar com você agora. Se for uma emergência (sangramento que não para, dificuldade para respirar, inchaço que aumenta), procure um pronto-socorro ou ligue 192."
        case "es": "Hemos recibido su mensaje y una persona de nuestro equipo le atenderá ahora. Si es una emergencia (sangrado que no para, dificultad para respirar, hinchazón que aumenta), acuda a urgencias o llame al 112."
        case "ro": "Am primit mesajul dumneavoastră și cineva din echipă vă contactează acum. Dacă este o urgență (sângerare care nu se oprește, dificultăți de respirație, umflătură care crește), mergeți la urgențe sau sunați la 112."
        default: "We received your message and someone from our team will contact you now. If this is an emergency (bleeding that will not stop, difficulty breathing, swelling that is getting worse), go to an emergency room or call your local emergency number."
        }
    }
}

/// The language a message is most likely in, among those ClinicFlow speaks (pt, en, es, ro).
public enum LanguageGuess {
    static let markers: [String: Set<String>] = [
        "pt": ["voce", "voces", "nao", "obrigad", "quero", "gostaria", "quanto", "dente", "tenho", "estou", "bom", "boa", "oi", "ola", "com", "uma", "sao", "fazer", "meu", "minha", "amanha", "hoje"],
        "es": ["usted", "quiero", "cuanto", "tengo", "estoy", "hola", "buenas", "gracias", "diente", "muela", "una", "para", "cita", "manana", "hoy", "el", "los", "las", "me", "mi", "puedo"],
        "ro": ["buna", "ziua", "multumesc", "vreau", "doresc", "cat", "costa", "dinte", "masea", "am", "sunt", "si", "pentru", "o", "azi", "maine", "ma", "doare", "aveti", "programare", "nu"],
        "en": ["the", "hello", "hi", "thanks", "want", "would", "like", "how", "much", "tooth", "teeth", "have", "is", "my", "i", "you", "today", "tomorrow", "can", "appointment"],
    ]

    /// The language most people in a clinic's country write, for messages to someone who never wrote.
    public static func of(region: String) -> String? {
        switch region.uppercased() {
        case "BR", "PT": "pt"
        case "ES", "MX", "AR": "es"
        case "RO": "ro"
        case "US", "GB", "CA", "GY": "en"
        default: nil
        }
    }

    /// Best guess, or nil when nothing stands out.
    public static func guess(_ text: String) -> String? {
        guess(tokens: FoldedText(text).tokens)
    }

    /// Best guess from folded words; a tie goes to the language listed first in `ordered`.
    static func guess(tokens: [String]) -> String? {
        var best: (String, Int)?
        for (language, words, stems) in ordered {
            let hits = tokens.filter { token in words.contains(token) || stems.contains(where: token.hasPrefix) }.count
            if hits > (best?.1 ?? 0) { best = (language, hits) }
        }
        return best?.0
    }

    /// The markers in a fixed order (a dictionary's order changes from process to process, and with it
    /// the winner of a tie), with the long ones that also count as stems ("obrigad" in "obrigada").
    private static let ordered: [(language: String, words: Set<String>, stems: [String])] = ["pt", "es", "ro", "en"].map { language in
        let words = markers[language] ?? []
        return (language, words, words.filter { $0.count >= 6 }.sorted())
    }
}
