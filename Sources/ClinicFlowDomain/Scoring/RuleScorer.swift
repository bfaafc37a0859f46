import Foundation

/// The default scorer: no network, explainable, per-clinic words on top of the standard ones.
///
/// Points: a procedure +2, asking to book +2, a price question +1, a budget (an amount of money) +1,
/// financing +1, timing or discomfort +1, an ad or a paid campaign +1, full contact details on a form
/// +1, a returning patient +1. 5+ points is HOT 5, 4 is HOT 4, 2–3 WARM 3, otherwise COLD 2; job
/// seekers, suppliers and wrong numbers are UNQUALIFIED 1 whatever else they say.
public struct RuleScorer: Sendable {
    public let vocabulary: ScoringVocabulary

    public init(vocabulary: ScoringVocabulary = .standard) {
        self.vocabulary = vocabulary
    }

    public func score(_ input: ScoringInput) -> LeadScore {
        let text = FoldedText.guessingLanguage(input.text)
        var points = 0
        var reasons: [String] = []
        var signals = 0
        func add(_ value: Int, _ reason: String) {
            points += value
            signals += 1
            reasons.append(reason)
        }

        if let disqualifier = text.containsAny(vocabulary.disqualifiers) {
            return LeadScore(
                score: 1, temperature: .unqualified, confidence: 0.8, reasons: ["not a patient: \"\(disqualifier)\""], scorer: "rules"
            )
        }
        let procedure = vocabulary.procedures.first { $0.phrases.contains(where: text.contains) }
        if let procedure { add(2, "asks about \(procedure.key)") }
        if let phrase = text.containsAny(vocabulary.bookingIntent) { add(2, "wants to book (\"\(phrase)\")") }
        if text.containsAny(vocabulary.priceQuestions) != nil { add(1, "asks the price") }
        let budget = mentionsAmount(text)
        if budget { add(1, "mentions a budget") }
        if text.containsAny(vocabulary.financing) != nil { add(1, "asks about payment in instalments") }
        var urgency = Urgency.none
        if text.containsAny(vocabulary.timing) != nil {
            add(1, "wants it soon")
            urgency = .soon
        } else if text.containsAny(vocabulary.discomfort) != nil {
            add(1, "is in discomfort")
            urgency = .soon
        }
        if input.cameFromAd { add(1, "came from an ad") } else if let medium = input.utm.medium?.lowercased(), ["cpc", "ppc", "paid", "ads", "paid_social"].contains(medium) {
            add(1, "came from a paid campaign (\(medium))")
        }
        if input.fullContactDetails { add(1, "left phone and email") }
        if input.previousWins > 0 { add(1, "returning patient") }

        let (score, temperature): (Int, Temperature) =
            switch points {
            case 5...: (5, .hot)
            case 4: (4, .hot)
            case 2...3: (3, .warm)
            default: (2, .cold)
            }
        if reasons.isEmpty { reasons = ["no buying signal yet"] }
        return LeadScore(
            score: score, temperature: temperature, confidence: min(0.9, 0.45 + 0.1 * Double(signals)), reasons: reasons,
            procedure: procedure?.key, budgetMentioned: budget, urgency: urgency, scorer: "rules"
        )
    }

    /// "R$ 3.000", "3000 reais", "€2000", "1500 lei": a number next to a currency word.
    private func mentionsAmount(_ text: FoldedText) -> Bool {
        let tokens = text.tokens
        for (index, token) in tokens.enumerated() where token.first?.isNumber == true && (Int(token) ?? 0) >= 50 {
            let neighbours = [index > 0 ? tokens[index - 1] : nil, index + 1 < tokens.count ? tokens[index + 1] : nil].compactMap { $0 }
            if neighbours.contains(where: { neighbour in vocabulary.money.contains { $0.parts.count == 1 && $0.parts[0].matches(neighbour) } }) {
                return true
            }
        }
        return false
    }
}
