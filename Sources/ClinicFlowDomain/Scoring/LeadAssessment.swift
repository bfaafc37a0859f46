import Foundation

/// A score and a triage together: a medical red flag makes any lead HOT and urgent, whatever the
/// buying signals, because a person must look at it now.
public struct LeadAssessment: Sendable, Equatable {
    public var score: LeadScore
    public var triage: Triage.Result

    public init(score: LeadScore, triage: Triage.Result) {
        var score = score
        if triage.isUrgent {
            score.score = 5
            score.temperature = .hot
            score.urgency = .urgent
            score.reasons.insert("red flag: \(triage.flags.map(\.rawValue).joined(separator: ", "))", at: 0)
        }
        self.score = score
        self.triage = triage
    }
}

/// Accuracy of a scorer on a labelled set: `clinicflow eval-scoring`.
public struct ScoringEvaluation: Sendable {
    public struct Sample: Sendable, Codable, Equatable {
        public var text: String
        public var language: String
        public var temperature: Temperature
        public var redFlag: Bool

        enum CodingKeys: String, CodingKey {
            case text, language, temperature
            case redFlag = "red_flag"
        }

        public init(text: String, language: String, temperature: Temperature, redFlag: Bool) {
            self.text = text
            self.language = language
            self.temperature = temperature
            self.redFlag = redFlag
        }
    }

    public struct Report: Sendable, Equatable {
        public var total: Int
        public var correct: Int
        /// expected → predicted → count.
        public var confusion: [Temperature: [Temperature: Int]]
        public var redFlags: Int
        public var redFlagsCaught: Int
        public var falseAlarms: Int
        public var perLanguage: [String: (correct: Int, total: Int)]
        public var misses: [(sample: Sample, predicted: Temperature)]

        public var accuracy: Double { total == 0 ? 0 : Double(correct) / Double(total) }
        public var redFlagRecall: Double { redFlags == 0 ? 1 : Double(redFlagsCaught) / Double(redFlags) }

        public static func == (lhs: Report, rhs: Report) -> Bool {
            lhs.total == rhs.total && lhs.correct == rhs.correct && lhs.confusion == rhs.confusion && lhs.redFlags == rhs.redFlags
                && lhs.redFlagsCaught == rhs.redFlagsCaught && lhs.falseAlarms == rhs.falseAlarms
        }

        /// The report as a plain-text table.
        public var text: String {
            let order = Temperature.allCases
            var lines = [
                "samples: \(total)   accuracy: \(String(format: "%.1f", accuracy * 100)) % (\(correct)/\(total))",
                "red flags: recall \(String(format: "%.1f", redFlagRecall * 100)) % (\(redFlagsCaught)/\(redFlags)), false alarms: \(falseAlarms)",
                "",
                "confusion (rows: expected, columns: predicted)",
                "expected".padding(toLength: 13, withPad: " ", startingAt: 0) + order.map { $0.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0) }.joined(),
            ]
            for expected in order {
                lines.append(expected.rawValue.padding(toLength: 13, withPad: " ", startingAt: 0)
                    + order.map { String(confusion[expected]?[$0] ?? 0).padding(toLength: 13, withPad: " ", startingAt: 0) }.joined())
            }
            lines.append("")
            lines.append("per language: " + perLanguage.keys.sorted().map { language in
                let entry = perLanguage[language]!
                return "\(language) \(entry.correct)/\(entry.total)"
            }.joined(separator: ", "))
            return lines.joined(separator: "\n")
        }
    }

    public let score: @Sendable (ScoringInput) -> LeadScore
    public let triage = Triage()

    public init(score: @escaping @Sendable (ScoringInput) -> LeadScore) { self.score = score }

    public func evaluate(_ samples: [Sample]) -> Report {
        var report = Report(total: 0, correct: 0, confusion: [:], redFlags: 0, redFlagsCaught: 0, falseAlarms: 0, perLanguage: [:], misses: [])
        for sample in samples {
            let triage = self.triage.assess(sample.text)
            let predicted = LeadAssessment(score: score(ScoringInput(text: sample.text)), triage: triage).score.temperature
            report.total += 1
            report.confusion[sample.temperature, default: [:]][predicted, default: 0] += 1
            var language = report.perLanguage[sample.language] ?? (0, 0)
            language.total += 1
            if predicted == sample.temperature {
                report.correct += 1
                language.correct += 1
            } else {
                report.misses.append((sample, predicted))
            }
            report.perLanguage[sample.language] = language
            if sample.redFlag {
                report.redFlags += 1
                if triage.isUrgent { report.redFlagsCaught += 1 }
            } else if triage.isUrgent {
                report.falseAlarms += 1
            }
        }
        return report
    }
}
