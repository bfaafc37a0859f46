/// The words the rule scorer knows, in Portuguese, English, Spanish and Romanian, folded (no
/// accents, lower case). Clinics add their own procedures and words on top.
public struct ScoringVocabulary: Sendable, Equatable, Codable {
    public struct Procedure: Sendable, Equatable, Codable {
        /// Stable key reported as the procedure of interest (`implant`).
        public var key: String
        public var phrases: [Phrase]
        public init(key: String, phrases: [Phrase]) {
            self.key = key
            self.phrases = phrases
        }
    }

    public var procedures: [Procedure]
    public var priceQuestions: [Phrase]
    public var money: [Phrase]
    public var bookingIntent: [Phrase]
    public var timing: [Phrase]
    public var financing: [Phrase]
    public var discomfort: [Phrase]
    public var disqualifiers: [Phrase]

    public init(
        procedures: [Procedure], priceQuestions: [Phrase], money: [Phrase], bookingIntent: [Phrase], timing: [Phrase],
        financing: [Phrase], discomfort: [Phrase], disqualifiers: [Phrase]
    ) {
        self.procedures = procedures
        self.priceQuestions = priceQuestions
        self.money = money
        self.bookingIntent = bookingIntent
        self.timing = timing
        self.financing = financing
        self.discomfort = discomfort
        self.disqualifiers = disqualifiers
    }

    /// A clinic's own words added to these (procedures with the same key are merged).
    public func adding(_ extra: ScoringVocabulary) -> ScoringVocabulary {
        var merged = self
        for procedure in extra.procedures {
            if let index = merged.procedures.firstIndex(where: { $0.key == procedure.key }) {
                merged.procedures[index].phrases += procedure.phrases
            } else {
                merged.procedures.append(procedure)
            }
        }
        merged.priceQuestions += extra.priceQuestions
        merged.money += extra.money
        merged.bookingIntent += extra.bookingIntent
        merged.timing += extra.timing
        merged.financing += extra.financing
        merged.discomfort += extra.discomfort
        merged.disqualifiers += extra.disqualifiers
        return merged
    }

    public static let empty = ScoringVocabulary(procedures: [], priceQuestions: [], money: [], bookingIntent: [], timing: [], financing: [], discomfort: [], disqualifiers: [])

    /// Dental and aesthetic clinics, the first customers.
    public static let standard = ScoringVocabulary(
        procedures: [
            .init(key: "implant", phrases: ["implant*", "protocolo", "all on 4", "dente fix*", "implante*", "implantes"]),
            .init(key: "orthodontics", phrases: ["aparelho*", "ortodont*", "invisalign", "alinhador*", "aligner*", "brackets", "braces", "ortodonc*", "aparat dentar", "alineador*"]),
            .init(key: "whitening", phrases: ["clareament*", "clarear", "branqueament*", "whitening", "blanqueamiento", "blanquear", "albire", "albirea"]),
            .init(key: "veneers", phrases: ["lente de contato", "lentes de contato", "faceta*", "veneer*", "carilla*", "fatete"]),
            .init(key: "cleaning", phrases: ["limpeza", "profilaxia", "cleaning", "limpieza", "detartraj*", "igienizare"]),
            .init(key: "root_canal", phrases: ["canal", "endodont*", "root canal", "endodoncia", "tratament de canal"]),
            .init(key: "extraction", phrases: ["extra* dente", "extrair", "extracao", "siso", "wisdom tooth", "extraction", "extraccion", "muela del juicio", "extractie", "masea de minte"]),
            .init(key: "aesthetics", phrases: ["botox", "preenchiment*", "harmonizacao", "filler*", "relleno", "acido hialuronic*", "hyaluronic", "acid hialuronic"]),
            .init(key: "consultation", phrases: ["avaliacao", "consulta", "checkup", "check up", "consultation", "revision", "consultatie"]),
        ],
        priceQuestions: [
            "quanto custa", "quanto fica", "quanto e", "qual o valor", "qual valor", "valor", "valores", "preco*", "orcamento", "custa",
            "how much", "price*", "cost*", "quote", "pricing", "cuanto cuesta", "cuanto vale", "cuanto sale", "precio*", "presupuesto",
            "cat costa", "cat ar costa", "pret*", "tarif*", "cost",
        ],
        money: ["r", "reais", "real", "euro*", "eur", "dolar*", "dollar*", "usd", "lei", "ron", "pesos"],
        bookingIntent: [
            "agendar", "agenda*", "marcar", "marco", "horario*", "vaga*", "quero fazer", "gostaria de fazer", "appointment", "book",
            "booking", "schedule", "available", "availability", "slot*", "cita", "pedir cita", "reservar", "turno", "programare",
            "programez", "programa", "disponibilitate", "liber",
        ],
        timing: [
            "hoje", "amanha", "essa semana", "esta semana", "urgente", "logo", "o quanto antes", "today", "tomorrow", "this week",
            "asap", "urgent*", "soon", "hoy", "manana", "pronto", "cuanto antes", "azi", "maine", "saptamana aceasta", "cat mai repede",
        ],
        financing: [
            "parcel*", "cartao", "financiament*", "12x", "10x", "installment*", "financing", "payment plan*", "monthly",
            "cuotas", "financiacion", "plazos", "rate", "in rate", "finantare",
        ],
        discomfort: ["dor*", "doendo", "doi", "pain*", "hurt*", "ache*", "dolor", "duele", "durere", "dureri", "ma doare", "sensibilidade", "sensitiv*"],
        disqualifiers: [
            "vaga de emprego", "emprego", "curriculo", "trabalhar com voces", "estagio", "numero errado", "engano", "parceria",
            "marketing digital", "trafego pago", "seo", "fornecedor", "job", "resume", "cv", "hiring", "wrong number", "partnership",
            "supplier", "empleo", "trabajo", "curriculum", "numero equivocado", "proveedor", "loc de munca", "angajare",
            "numar gresit", "colaborare", "furnizor",
        ]
    )
}
