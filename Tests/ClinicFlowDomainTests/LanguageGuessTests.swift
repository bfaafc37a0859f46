import ClinicFlowDomain
import Testing

/// The language guess is the same in every process, and reads its markers as words and stems.
@Suite struct LanguageGuessTests {
    @Test func aTieBetweenLanguagesAlwaysGoesTheSameWay() {
        // One Portuguese and one Spanish marker. The markers used to be read in a dictionary's order,
        // which changes from process to process, and so did the answer.
        #expect(LanguageGuess.guess("quero cita") == "pt")
        #expect(LanguageGuess.guess("cita quero") == "pt")
        #expect(LanguageGuess.guess("hello hola") == "es")
    }

    @Test func longMarkersCountAsStemsAndShortOnesAsWords() {
        #expect(LanguageGuess.guess("Obrigadíssima!") == "pt", "obrigad… is a stem")
        #expect(LanguageGuess.guess("ola, queremos") == "pt")
        #expect(LanguageGuess.guess("boards") == nil, "a short marker is a whole word only")
    }

    @Test func guessingTheLanguageReadsItsNegations() {
        // Portuguese "no" is "in the", so it negates nothing there; in Spanish it does.
        let pt = FoldedText.guessingLanguage("quero pagar no cartão, tenho dor")
        #expect(pt.find("dor") == .present)
        let es = FoldedText.guessingLanguage("hola, no tengo dolor")
        #expect(es.find("dolor") == .negated)
    }
}
