/// One column of a clinic's pipeline.
public struct PipelineStage: Sendable, Equatable, Codable {
    public enum Outcome: String, Sendable, Codable {
        /// The lead is still being worked.
        case open
        /// Entering the stage closes the lead as won or lost.
        case won, lost
    }

    /// Stable identifier used in the API and events (`QUALIFIED`); the name is what people see.
    public var key: String
    public var name: String
    public var outcome: Outcome

    public init(key: String, name: String, outcome: Outcome = .open) {
        self.key = key
        self.name = name
        self.outcome = outcome
    }

    public static let defaults: [PipelineStage] = [
        .init(key: "NEW", name: "New"),
        .init(key: "CONTACTED", name: "Contacted"),
        .init(key: "QUALIFIED", name: "Qualified"),
        .init(key: "MEETING_SCHEDULED", name: "Meeting scheduled"),
        .init(key: "PROPOSAL", name: "Proposal"),
        .init(key: "WON", name: "Won", outcome: .won),
        .init(key: "LOST", name: "Lost", outcome: .lost),
    ]
}

/// A clinic's ordered stages, validated: what makes a pipeline usable.
public struct Pipeline: Sendable, Equatable {
    public let stages: [PipelineStage]

    public enum Problem: Error, Equatable, CustomStringConvertible {
        case empty
        case invalidKey(String)
        case duplicateKey(String)
        case emptyName(String)
        case needsOpenStage
        case needsWonAndLost
        case firstStageMustBeOpen

        public var description: String {
            switch self {
            case .empty: "a pipeline needs stages"
            case .invalidKey(let key): "stage key \(key) must be 1–40 upper-case letters, digits or underscores"
            case .duplicateKey(let key): "stage key \(key) appears twice"
            case .emptyName(let key): "stage \(key) needs a name"
            case .needsOpenStage: "a pipeline needs at least one open stage"
            case .needsWonAndLost: "a pipeline needs a won stage and a lost stage"
            case .firstStageMustBeOpen: "the first stage is where new leads start, so it must be open"
            }
        }
    }

    public init(_ stages: [PipelineStage]) throws(Problem) {
        guard !stages.isEmpty else { throw .empty }
        var seen = Set<String>()
        for stage in stages {
            // On bytes and scalars rather than characters: every lead's intake reads the pipeline.
            guard (1...40).contains(stage.key.utf8.count), stage.key.utf8.allSatisfy(Self.isKeyByte) else {
                throw .invalidKey(stage.key)
            }
            guard seen.insert(stage.key).inserted else { throw .duplicateKey(stage.key) }
            guard stage.name.unicodeScalars.contains(where: { !CharacterSet.whitespaces.contains($0) }) else { throw .emptyName(stage.key) }
        }
        guard stages.contains(where: { $0.outcome == .open }) else { throw .needsOpenStage }
        guard stages.contains(where: { $0.outcome == .won }), stages.contains(where: { $0.outcome == .lost }) else { throw .needsWonAndLost }
        guard stages[0].outcome == .open else { throw .firstStageMustBeOpen }
        self.stages = stages
    }

    public static let standard = try! Pipeline(PipelineStage.defaults)

    /// `A`–`Z`, `0`–`9` and `_`.
    private static func isKeyByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "_")
    }

    public var entryStage: PipelineStage { stages[0] }

    public func stage(_ key: String) -> PipelineStage? { stages.first { $0.key == key } }
}

import Foundation
