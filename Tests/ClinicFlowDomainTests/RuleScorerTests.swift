import ClinicFlowDomain
import Testing

@Suite struct RuleScorerTests {
    let scorer = RuleScorer()

    struct Case: Sendable, CustomTestStringConvertible {
        var language: String
        var text: String
        var temperature: Temperature
        var procedure: String?
        var testDescription: String { "\(language): \(text)" }
    }

    static let table: [Case] = [
        // Portuguese
        .init(language: "pt", text: "Olá! Quanto custa o implante? Queria agendar uma avaliação essa semana", temperature: .hot, procedure: "implant"),
        .init(language: "pt", text: "Vocês fazem clareamento? Qual o valor?", temperature: .warm, procedure: "whitening"),
        .init(language: "pt", text: "Bom dia", temperature: .cold),
        .init(language: "pt", text: "Estou procurando vaga de emprego de auxiliar, posso enviar currículo?", temperature: .unqualified),
        .init(language: "pt", text: "QUERO MARCAR APARELHO INVISÍVEL, PARCELA EM 12X?", temperature: .hot, procedure: "orthodontics"),
        // English
        .init(language: "en", text: "Hi, how much is teeth whitening? Can I book for tomorrow?", temperature: .hot, procedure: "whitening"),
        .init(language: "en", text: "Do you do veneers?", temperature: .warm, procedure: "veneers"),
        .init(language: "en", text: "Sorry, wrong number", temperature: .unqualified),
        .init(language: "en", text: "thanks", temperature: .cold),
        // Spanish
        .init(language: "es", text: "Hola, ¿cuánto cuesta una limpieza? Quiero pedir cita", temperature: .hot, procedure: "cleaning"),
        .init(language: "es", text: "¿Tienen financiación para implantes?", temperature: .warm, procedure: "implant"),
        .init(language: "es", text: "Busco trabajo como higienista", temperature: .unqualified),
        // Romanian
        .init(language: "ro", text: "Bună ziua, cât costă un implant dentar? Aș dori o programare", temperature: .hot, procedure: "implant"),
        .init(language: "ro", text: "Faceți albire?", temperature: .warm, procedure: "whitening"),
        .init(language: "ro", text: "Mulțumesc", temperature: .cold),
    ]

    @Test(arguments: table)
    func scoresEachLanguage(testCase: Case) {
        let score = scorer.score(ScoringInput(text: testCase.text))
        #expect(score.temperature == testCase.temperature, "\(score.reasons)")
        #expect(score.procedure == testCase.procedure)
        #expect(score.scorer == "rules")
        #expect((1...5).contains(score.score))
        #expect(!score.reasons.isEmpty)
    }

    @Test func matchingIgnoresAccentsAndCase() {
        let plain = scorer.score(ScoringInput(text: "quanto custa clareamento avaliacao"))
        let accented = scorer.score(ScoringInput(text: "QUANTO CUSTA CLAREAMENTO AVALIAÇÃO"))
        #expect(plain == accented)
    }

    @Test func negatedDiscomfortDoesNotCount() {
        let pain = scorer.score(ScoringInput(text: "tenho dor no dente"))
        let noPain = scorer.score(ScoringInput(text: "não tenho dor, só quero saber"))
        #expect(pain.urgency == .soon)
        #expect(noPain.urgency == .none)
        #expect(scorer.score(ScoringInput(text: "no pain at all")).urgency == .none)
        #expect(scorer.score(ScoringInput(text: "sin dolor")).urgency == .none)
        #expect(scorer.score(ScoringInput(text: "nu am dureri")).urgency == .none)
    }

    @Test func budgetsAreAmountsNextToAMoney() {
        #expect(scorer.score(ScoringInput(text: "tenho uns R$ 3000 para o tratamento")).budgetMentioned)
        #expect(scorer.score(ScoringInput(text: "my budget is 2000 euros")).budgetMentioned)
        #expect(scorer.score(ScoringInput(text: "am 1500 lei")).budgetMentioned)
        #expect(!scorer.score(ScoringInput(text: "tenho 30 anos")).budgetMentioned)
    }

    @Test func channelAndHistorySignalsAddUp() {
        let bare = scorer.score(ScoringInput(text: "Vocês fazem clareamento?"))
        let rich = scorer.score(ScoringInput(
            text: "Vocês fazem clareamento?", utm: UTM(source: "google", medium: "cpc"), fullContactDetails: true, previousWins: 1
        ))
        #expect(bare.temperature == .warm)
        #expect(rich.temperature == .hot)
        #expect(rich.reasons.contains("came from a paid campaign (cpc)"))
        #expect(rich.reasons.contains("returning patient"))
    }

    @Test func clinicsCanTeachTheirOwnProcedures() {
        let custom = RuleScorer(vocabulary: ScoringVocabulary.standard.adding(ScoringVocabulary(
            procedures: [.init(key: "hair_transplant", phrases: ["transplante capilar", "implante capilar"])],
            priceQuestions: [], money: [], bookingIntent: [], timing: [], financing: [], discomfort: [], disqualifiers: []
        )))
        #expect(custom.score(ScoringInput(text: "quero fazer transplante capilar")).procedure == "hair_transplant")
    }
}

@Suite struct TriageTests {
    @Test(arguments: [
        ("Meu dente está sangrando muito desde ontem", Triage.Flag.bleeding),
        ("O rosto está inchado e tenho febre", .swelling),
        ("My face is swollen after the extraction", .swelling),
        ("I have a fever and severe pain", .fever),
        ("Estoy con dolor fuerte, no puedo dormir", .severePain),
        ("Am febră și mă doare foarte tare", .fever),
        ("Tenho falta de ar depois da anestesia", .breathing),
        ("Caí de bicicleta e quebrei o dente da frente", .trauma),
        ("Tem pus saindo da gengiva", .infection),
        ("Sângerez de la gingie", .bleeding),
    ])
    func flagsRedFlags(text: String, flag: Triage.Flag) {
        let result = Triage().assess(text)
        #expect(result.isUrgent)
        #expect(result.flags.contains(flag), "\(result.flags)")
    }

    @Test(arguments: [
        "Não tenho febre nem dor, só quero um orçamento",
        "No bleeding, just asking about whitening",
        "Quero clarear os dentes para o casamento",
        "Sin fiebre, solo información",
        "Nu am febră, vreau doar o programare",
    ])
    func negationsAndOrdinaryQuestionsAreNotFlagged(text: String) {
        #expect(!Triage().assess(text).isUrgent, "\(Triage().assess(text).flags)")
    }

    @Test func safetyMessagesExistInEveryLanguage() {
        for language in ["pt", "es", "ro", "en", nil] {
            #expect(Triage.safetyMessage(language: language).count > 40)
        }
        #expect(Triage.safetyMessage(language: "pt").contains("192"))
    }

    @Test(arguments: [("Olá, quanto custa um implante?", "pt"), ("Hola, cuánto cuesta una limpieza", "es"), ("Bună ziua, cât costă", "ro"), ("Hi, how much is it", "en")])
    func guessesTheLanguage(text: String, language: String) {
        #expect(LanguageGuess.guess(text) == language)
    }
}
