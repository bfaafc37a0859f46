import ArgumentParser
import ClinicFlowDomain
import Foundation

/// `clinicflow eval-scoring FILE.jsonl`: accuracy, confusion matrix and red-flag recall of the rule
/// scorer (with triage) on a labelled set: one JSON object per line with `text`, `language`,
/// `temperature` (HOT, WARM, COLD, UNQUALIFIED) and `red_flag`.
struct EvalScoring: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval-scoring", abstract: "Evaluate the rule scorer and triage on a labelled JSONL set."
    )

    @Argument(help: "Labelled messages, one JSON object per line.")
    var file: String

    @Flag(help: "List every message scored differently from its label.")
    var showMisses = false

    func run() throws {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw ValidationError("cannot read \(file)")
        }
        var samples: [ScoringEvaluation.Sample] = []
        for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: true).enumerated() {
            do {
                samples.append(try JSONCoding.plainDecoder.decode(ScoringEvaluation.Sample.self, from: Data(line.utf8)))
            } catch {
                throw ValidationError("line \(number + 1) is not a labelled sample: \(error)")
            }
        }
        let report = ScoringEvaluation(score: RuleScorer().score).evaluate(samples)
        print(report.text)
        if showMisses {
            print("\nmisses:")
            for miss in report.misses { print("  [\(miss.sample.language)] expected \(miss.sample.temperature.rawValue), got \(miss.predicted.rawValue): \(miss.sample.text)") }
        }
    }
}
