import Foundation

/// Reads what a message says about the facts the assistant collects, in pt, en, es and ro. A bare
/// answer is read against the question that was pending ("next month" after "when?").
public struct FactExtractor: Sendable {
    let vocabulary: ScoringVocabulary

    public init(vocabulary: ScoringVocabulary = .standard) { self.vocabulary = vocabulary }

    /// - Parameter language: the conversation's language when known; a short answer ("No próximo
    ///   mês") is too short to guess, and Portuguese "no" (in the) must not negate what follows.
    public func facts(in text: String, pending: AssistantState.Question?, language: String? = nil) -> AssistantFacts {
        let folded = language.map { FoldedText(text, language: $0) } ?? FoldedText.guessingLanguage(text)
        var facts = AssistantFacts()
        facts.procedure = vocabulary.procedures.first { procedure in procedure.phrases.contains(where: folded.contains) }?.key
        facts.timing = Self.timing.first { _, phrases in phrases.contains(where: folded.contains) }?.key
        facts.budget = budget(folded, pending: pending)
        facts.weekdays = WorkingHours.weekdays.filter { day in Self.weekdayNames[day, default: []].contains(where: folded.contains) }
        facts.periods = DayPeriod.allCases.filter { period in Self.periodNames[period, default: []].contains(where: folded.contains) }
        // "mañana" alone is tomorrow; "por la mañana" is the morning.
        if facts.periods == [.morning], !folded.contains("la manana"), folded.contains("manana"), !folded.contains("de manha") {
            facts.periods = folded.tokens.contains("manha") ? [.morning] : []
        }
        switch pending {
        case .timing? where facts.timing == nil: facts.timing = "unknown"
        case .budget? where facts.budget == nil: facts.budget = "unknown"
        default: break
        }
        return facts
    }

    /// Yes, no or neither, for "shall I look for a time?".
    /// The word that comes first decides: "sim, pode ser no sábado" is a yes although Portuguese
    /// "no" (in the) follows.
    public func answer(_ text: String) -> Bool? {
        let folded = FoldedText(text)
        if folded.tokens == ["da"] { return true }  // Romanian yes, but Portuguese "of the" inside sentences
        switch (Self.firstPosition(of: Self.yes, in: folded), Self.firstPosition(of: Self.no, in: folded)) {
        case (let yes?, let no?): return yes < no
        case (_?, nil): return true
        case (nil, _?): return false
        case (nil, nil): return nil
        }
    }

    static func firstPosition(of phrases: [Phrase], in folded: FoldedText) -> Int? {
        let tokens = folded.tokens
        var best: Int?
        for phrase in phrases where !phrase.parts.isEmpty && tokens.count >= phrase.parts.count {
            for start in 0...(tokens.count - phrase.parts.count) where best.map({ start < $0 }) ?? true {
                if phrase.parts.enumerated().allSatisfy({ $1.matches(tokens[start + $0]) }) {
                    best = start
                    break
                }
            }
        }
        return best
    }

    /// Which offered slot the person picked: "2", "a primeira", "quinta", "the 10:30 one".
    public func chosenSlot(_ text: String, offered: [Slot], timeZone: TimeZone) -> Slot? {
        let folded = FoldedText(text)
        for (index, words) in Self.ordinals.enumerated() where index < offered.count {
            if words.contains(where: { folded.tokens.contains($0) }) { return offered[index] }
        }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let days = WorkingHours.weekdays.filter { day in Self.weekdayNames[day, default: []].contains(where: folded.contains) }
        let hours = folded.tokens.compactMap { token -> Int? in
            guard let hour = Int(token.prefix { $0.isNumber }), token.count <= 5, (6...22).contains(hour) else { return nil }
            return hour
        }
        let matching = offered.filter { slot in
            let weekday = WorkingHours.weekdays[calendar.component(.weekday, from: slot.startsAt) - 1]
            let hour = calendar.component(.hour, from: slot.startsAt)
            return (days.isEmpty || days.contains(weekday)) && (hours.isEmpty || hours.contains(hour))
        }
        return (!days.isEmpty || !hours.isEmpty) && matching.count == 1 ? matching[0] : nil
    }

    /// Whether the person asks for a person.
    public func wantsHuman(_ text: String, language: String? = nil) -> Bool {
        (language.map { FoldedText(text, language: $0) } ?? FoldedText.guessingLanguage(text)).containsAny(Self.human) != nil
    }

    private func budget(_ folded: FoldedText, pending: AssistantState.Question?) -> String? {
        if folded.containsAny(vocabulary.financing) != nil { return "installments" }
        let tokens = folded.tokens
        for (index, token) in tokens.enumerated() {
            guard var amount = Int(token), amount > 0 else { continue }
            let next = index + 1 < tokens.count ? tokens[index + 1] : ""
            if ["mil", "k", "mii"].contains(next) { amount *= 1000 }
            let previous = index > 0 ? tokens[index - 1] : ""
            let isMoney = Self.currencyWords.contains(previous) || Self.currencyWords.contains(next) || ["mil", "k", "mii"].contains(next)
            if (isMoney || pending == .budget) && amount >= 50 { return String(amount) }
        }
        return nil
    }

    static let timing: KeyValuePairs<String, [Phrase]> = [
        "now": ["hoje", "agora", "urgente", "o quanto antes", "today", "asap", "as soon as possible", "right away", "hoy", "ahora", "cuanto antes", "azi", "acum", "cat mai repede", "urgent"],
        "this_week": ["amanha", "esta semana", "essa semana", "tomorrow", "this week", "manana", "esta semana", "maine", "saptamana asta", "saptamana aceasta"],
        "this_month": ["este mes", "esse mes", "proxima semana", "semana que vem", "this month", "next week", "la proxima semana", "luna asta", "saptamana viitoare"],
        "later": ["proximo mes", "mes que vem", "sem pressa", "so pesquisando", "next month", "no rush", "just looking", "el proximo mes", "sin prisa", "luna viitoare", "nu ma grabesc", "ano que vem", "next year"],
    ]

    static let weekdayNames: [String: [Phrase]] = [
        "mon": ["segunda", "seg", "monday", "mon", "lunes", "luni"],
        "tue": ["terca", "ter", "tuesday", "tue", "martes", "marti"],
        "wed": ["quarta", "qua", "wednesday", "wed", "miercoles", "miercuri"],
        "thu": ["quinta", "qui", "thursday", "thu", "jueves", "joi"],
        "fri": ["sexta", "sex", "friday", "fri", "viernes", "vineri"],
        "sat": ["sabado", "sab", "saturday", "sat", "sambata"],
        "sun": ["domingo", "dom", "sunday", "sun", "duminica"],
    ]

    static let periodNames: [DayPeriod: [Phrase]] = [
        .morning: ["manha", "de manha", "morning", "manana", "dimineata", "dimineti"],
        .afternoon: ["tarde", "afternoon", "dupa amiaza", "dupa masa"],
        .evening: ["noite", "evening", "noche", "seara"],
    ]

    static let ordinals: [[String]] = [
        ["1", "primeira", "primeiro", "first", "primera", "primero", "prima", "primul"],
        ["2", "segunda", "segundo", "second", "segunda", "doua", "al doilea"],
        ["3", "terceira", "terceiro", "third", "tercera", "tercero", "treia", "al treilea"],
    ]

    static let yes: [Phrase] = ["sim", "quero", "pode", "claro", "ok", "okay", "yes", "yeah", "sure", "please", "si", "vale", "bine", "perfeito", "perfect", "perfecto", "vamos"]
    static let no: [Phrase] = ["nao", "agora nao", "no", "not now", "no thanks", "ahora no", "nu", "nu acum", "talvez depois", "maybe later"]
    static let human: [Phrase] = [
        "atendente", "humano", "falar com alguem", "uma pessoa", "pessoa real", "consultor*", "human", "a person", "real person", "agent",
        "speak to someone", "talk to someone", "una persona", "agente", "alguien", "operator", "operador", "cineva", "un om", "consultant",
    ]
    static let currencyWords: Set<String> = ["r", "reais", "real", "eur", "euro", "euros", "usd", "dolares", "dollars", "lei", "ron", "gbp", "pounds"]
}
