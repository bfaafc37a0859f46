import ClinicFlowDomain
import Foundation
import Testing

/// What makes a pipeline usable: keys, names and outcomes.
@Suite struct PipelineTests {
    private func pipeline(key: String = "NEW", name: String = "New") -> Result<Pipeline, Pipeline.Problem> {
        Result { () throws(Pipeline.Problem) in
            try Pipeline([PipelineStage(key: key, name: name), PipelineStage(key: "WON", name: "Won", outcome: .won), PipelineStage(key: "LOST", name: "Lost", outcome: .lost)])
        }
    }

    @Test func keysAreOneToFortyUpperCaseLettersDigitsOrUnderscores() {
        for key in ["NEW", "A", "STAGE_2", "_", String(repeating: "X", count: 40), "0"] {
            #expect((try? pipeline(key: key).get()) != nil, "\(key)")
        }
        for key in ["", "new", "Ne", "NÉ", "E\u{301}", "A B", "A-B", String(repeating: "X", count: 41), "ＡＢ", "A\n", "\r\n"] {
            #expect(pipeline(key: key) == .failure(.invalidKey(key)), "\(key)")
        }
        #expect(pipeline(key: "WON") == .failure(.duplicateKey("WON")))
    }

    @Test func aStageNeedsANameThatIsNotOnlyBlank() {
        for name in ["New", " New ", "\tx", "é", "\u{1F600}", "\n"] {
            #expect((try? pipeline(name: name).get()) != nil, "\(name.debugDescription)")
        }
        for name in ["", " ", "\t \t", "\u{00A0}", "\u{3000}", "\u{2003} "] {
            #expect(pipeline(name: name) == .failure(.emptyName("NEW")), "\(name.debugDescription)")
        }
    }

    @Test func outcomesMakeAUsablePipeline() {
        #expect(throws: Pipeline.Problem.empty) { try Pipeline([]) }
        #expect(throws: Pipeline.Problem.needsWonAndLost) { try Pipeline([PipelineStage(key: "NEW", name: "New")]) }
        #expect(throws: Pipeline.Problem.firstStageMustBeOpen) {
            try Pipeline([PipelineStage(key: "WON", name: "Won", outcome: .won), PipelineStage(key: "NEW", name: "New"), PipelineStage(key: "LOST", name: "Lost", outcome: .lost)])
        }
        #expect(Pipeline.standard.entryStage.key == "NEW")
    }
}
