import ClinicFlowDomain
import Foundation
import Testing

/// The rule scorer against the labelled set in Tests/Fixtures (128 messages, 4 languages). The floor
/// keeps the figures in docs/scoring.md from silently getting worse.
@Suite struct ScoringEvaluationTests {
    static func samples() throws -> [ScoringEvaluation.Sample] {
        let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/scoring-eval.jsonl")
        return try String(contentsOf: url, encoding: .utf8).split(separator: "\n").map {
            try JSONDecoder().decode(ScoringEvaluation.Sample.self, from: Data($0.utf8))
        }
    }

    @Test func theLabelledSetIsLargeAndCoversEveryLanguageAndClass() throws {
        let samples = try Self.samples()
        #expect(samples.count >= 120)
        #expect(Set(samples.map(\.language)) == ["pt", "en", "es", "ro"])
        #expect(Set(samples.map(\.temperature)) == Set(Temperature.allCases))
        #expect(samples.filter(\.redFlag).count >= 16)
    }

    @Test func theRuleScorerMeetsItsFloor() throws {
        let report = ScoringEvaluation(score: RuleScorer().score).evaluate(try Self.samples())
        #expect(report.accuracy >= 0.85, "\(report.text)\nmisses: \(report.misses.map { "\($0.sample.text) → \($0.predicted)" })")
        #expect(report.redFlagRecall == 1, "\(report.text)")
        #expect(report.falseAlarms == 0)
        #expect(report.text.contains("confusion"))
    }

    @Test func theReportCountsWhatItIsGiven() {
        let samples = [
            ScoringEvaluation.Sample(text: "quero agendar implante hoje", language: "pt", temperature: .hot, redFlag: false),
            ScoringEvaluation.Sample(text: "oi", language: "pt", temperature: .warm, redFlag: false),
            ScoringEvaluation.Sample(text: "estou sangrando", language: "pt", temperature: .hot, redFlag: true),
        ]
        let report = ScoringEvaluation(score: RuleScorer().score).evaluate(samples)
        #expect(report.total == 3)
        #expect(report.correct == 2)
        #expect(report.confusion[.warm]?[.cold] == 1)
        #expect(report.redFlagRecall == 1)
    }
}
